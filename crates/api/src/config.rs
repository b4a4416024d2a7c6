//! `Config`: how an engine compiles and runs code. Everything here is fixed once an
//! `Engine` is built from it.

use environ::{Features, Tunables};

/// How hard Cranelift optimises: `None`, `Speed` (the default) or `SpeedAndSize`.
pub use jit::OptLevel;

/// Settings for an [`Engine`](crate::Engine).
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) features: Features,
    pub(crate) opt_level: OptLevel,
    pub(crate) parallel_compilation: bool,
    pub(crate) tunables: Tunables,
    pub(crate) max_wasm_stack: usize,
    pub(crate) memory_init_cow: bool,
    pub(crate) allocation_strategy: InstanceAllocationStrategy,
    pub(crate) compilation_strategy: CompilationStrategy,
    pub(crate) background_compilation_threads: usize,
}

/// When a module's functions are compiled.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum CompilationStrategy {
    /// All of them in `Module::new`, before anything runs (the default, as in Wasmtime).
    #[default]
    Eager,
    /// None in `Module::new`, which still validates every body: each function is
    /// compiled on its first call, with the same settings, and once a module is
    /// instantiated the rest are compiled in the background (see
    /// [`Config::background_compilation_threads`]). A large module answers its first
    /// call in a fraction of the time, and a long-running one still ends up fully
    /// compiled. On a host where some valid functions cannot be compiled (SIMD without
    /// SSE4.1), modules are compiled eagerly, so that error still comes from
    /// `Module::new`.
    Lazy,
}

/// How an engine allocates instances with their memories and tables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum InstanceAllocationStrategy {
    /// Map and unmap each memory and table as instances come and go (the default).
    #[default]
    OnDemand,
    /// Reserve slots for a bounded number of instances, memories and tables when the
    /// engine is made, and reuse them: instantiation then maps nothing, and a memory
    /// image stays mapped in its slot for the next instance of the same module.
    Pooling(PoolingAllocationConfig),
}

/// The limits of the pooling allocator. Each is checked at instantiation; exceeding one
/// is an error naming it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolingAllocationConfig {
    pub(crate) total_core_instances: u32,
    pub(crate) total_memories: u32,
    pub(crate) total_tables: u32,
    pub(crate) max_memory_size: usize,
    pub(crate) table_elements: usize,
}

impl Default for PoolingAllocationConfig {
    fn default() -> Self {
        Self {
            total_core_instances: 1000,
            total_memories: 1000,
            total_tables: 1000,
            max_memory_size: 4 << 30,
            table_elements: 20_000,
        }
    }
}

impl PoolingAllocationConfig {
    /// The default limits: 1000 instances, memories and tables, memories of up to 4 GiB,
    /// tables of up to 20,000 elements.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many instances may be alive at once.
    pub fn total_core_instances(&mut self, count: u32) -> &mut Self {
        self.total_core_instances = count;
        self
    }

    /// How many linear memories may be alive at once. Each reserves address space for
    /// the memory reservation plus its guard when the engine is made.
    pub fn total_memories(&mut self, count: u32) -> &mut Self {
        self.total_memories = count;
        self
    }

    /// How many tables may be alive at once.
    pub fn total_tables(&mut self, count: u32) -> &mut Self {
        self.total_tables = count;
        self
    }

    /// The most bytes a memory may have, at instantiation or by growing (at most the
    /// memory reservation).
    pub fn max_memory_size(&mut self, bytes: usize) -> &mut Self {
        self.max_memory_size = bytes;
        self
    }

    /// The most elements a table may have, at instantiation or by growing.
    pub fn table_elements(&mut self, count: usize) -> &mut Self {
        self.table_elements = count;
        self
    }

    pub(crate) fn to_vm(&self) -> vm::PoolingConfig {
        vm::PoolingConfig {
            total_instances: self.total_core_instances,
            total_memories: self.total_memories,
            total_tables: self.total_tables,
            max_memory_size: self.max_memory_size,
            table_elements: self.table_elements,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            features: Features::default(),
            opt_level: OptLevel::default(),
            parallel_compilation: true,
            tunables: Tunables::default_for_host(),
            max_wasm_stack: 512 << 10,
            memory_init_cow: true,
            allocation_strategy: InstanceAllocationStrategy::OnDemand,
            compilation_strategy: CompilationStrategy::Eager,
            background_compilation_threads: default_background_threads(),
        }
    }
}

impl Config {
    /// The default configuration: Wasm 2.0 plus the Wasm 3.0 proposals Tarn implements,
    /// optimised code, signal-based traps.
    pub fn new() -> Self {
        Self::default()
    }

    /// Switches a WebAssembly proposal on or off by its command-line name (`"tail-call"`,
    /// `"memory64"`, ...; [`Config::proposal_names`] lists them), as `-W NAME=y|n` does.
    ///
    /// # Errors
    ///
    /// When no proposal has that name; the error lists the names there are.
    pub fn wasm_proposal(&mut self, name: &str, enable: bool) -> Result<&mut Self, String> {
        if self.features.set(name, enable) {
            Ok(self)
        } else {
            Err(format!(
                "unknown WebAssembly proposal `{name}` (known: {})",
                Features::NAMES.join(", ")
            ))
        }
    }

    /// The names [`Config::wasm_proposal`] accepts.
    pub fn proposal_names() -> &'static [&'static str] {
        Features::NAMES
    }

    /// Whether the proposal called `name` is on, or `None` for an unknown name.
    pub fn proposal_enabled(&self, name: &str) -> Option<bool> {
        self.features.get(name)
    }

    /// Accepts only Wasm 2.0 modules (`true`), switching every later proposal off, or
    /// restores the default set of proposals (`false`).
    pub fn wasm2_only(&mut self, only: bool) -> &mut Self {
        self.features = if only {
            Features::WASM2
        } else {
            Features::default()
        };
        self
    }

    /// Accepts (or rejects) modules that use exception handling (on by default).
    pub fn wasm_exceptions(&mut self, enable: bool) -> &mut Self {
        self.features.exceptions = enable;
        self
    }

    /// Accepts (or rejects) modules that use typed function references (on by
    /// default).
    pub fn wasm_function_references(&mut self, enable: bool) -> &mut Self {
        self.features.function_references = enable;
        self
    }

    /// Accepts (or rejects) modules that use tail calls (on by default).
    pub fn wasm_tail_call(&mut self, enable: bool) -> &mut Self {
        self.features.tail_call = enable;
        self
    }

    /// Accepts (or rejects) extended constant expressions (on by default).
    pub fn wasm_extended_const(&mut self, enable: bool) -> &mut Self {
        self.features.extended_const = enable;
        self
    }

    /// Accepts (or rejects) modules with more than one memory (on by default).
    pub fn wasm_multi_memory(&mut self, enable: bool) -> &mut Self {
        self.features.multi_memory = enable;
        self
    }

    /// Accepts (or rejects) 64-bit memories and tables (on by default).
    pub fn wasm_memory64(&mut self, enable: bool) -> &mut Self {
        self.features.memory64 = enable;
        self
    }

    /// Accepts (or rejects) modules that use 128-bit SIMD.
    pub fn wasm_simd(&mut self, enable: bool) -> &mut Self {
        self.features.simd = enable;
        self
    }

    /// Accepts (or rejects) modules that use relaxed SIMD (on by default).
    pub fn wasm_relaxed_simd(&mut self, enable: bool) -> &mut Self {
        self.features.relaxed_simd = enable;
        self
    }

    /// Whether relaxed SIMD operators give the same result on every host (default
    /// `false`, in which case they may use the host's fastest instruction, such as a fused
    /// multiply-add for `relaxed_madd`).
    pub fn relaxed_simd_deterministic(&mut self, enable: bool) -> &mut Self {
        self.tunables.relaxed_simd_deterministic = enable;
        self
    }

    /// Whether every float operation, scalar and vector, that can produce a NaN produces
    /// the canonical NaN (default `false`), so a module's results are bit-identical on
    /// every host, as deterministic replay and blockchains need.
    pub fn nan_canonicalization(&mut self, enable: bool) -> &mut Self {
        self.tunables.nan_canonicalization = enable;
        self
    }

    /// Accepts (or rejects) modules that use reference types.
    pub fn wasm_reference_types(&mut self, enable: bool) -> &mut Self {
        self.features.reference_types = enable;
        self
    }

    /// Accepts (or rejects) modules that use bulk memory operations.
    pub fn wasm_bulk_memory(&mut self, enable: bool) -> &mut Self {
        self.features.bulk_memory = enable;
        self
    }

    /// Accepts (or rejects) modules that use multiple results and block parameters.
    pub fn wasm_multi_value(&mut self, enable: bool) -> &mut Self {
        self.features.multi_value = enable;
        self
    }

    /// How hard Cranelift optimises.
    pub fn cranelift_opt_level(&mut self, level: OptLevel) -> &mut Self {
        self.opt_level = level;
        self
    }

    /// Whether functions of one module compile on several threads.
    pub fn parallel_compilation(&mut self, enable: bool) -> &mut Self {
        self.parallel_compilation = enable;
        self
    }

    /// When functions are compiled: all up front ([`CompilationStrategy::Eager`], the
    /// default) or each on its first call ([`CompilationStrategy::Lazy`]).
    /// Precompiled artifacts ([`Engine::precompile_module`](crate::Engine::precompile_module),
    /// [`Module::serialize`](crate::Module::serialize)) always hold every function.
    pub fn compilation_strategy(&mut self, strategy: CompilationStrategy) -> &mut Self {
        self.compilation_strategy = strategy;
        self
    }

    /// How many threads compile the not yet called functions of instantiated lazy
    /// modules in the background, hottest first (callees of the functions already
    /// compiled, then in index order); `0` switches background compilation off, so
    /// only what is called is ever compiled. The default is one less than the number
    /// of cores, and at least one.
    pub fn background_compilation_threads(&mut self, threads: usize) -> &mut Self {
        self.background_compilation_threads = threads;
        self
    }

    /// Whether compiled code counts fuel; a store then traps with `OutOfFuel` when its
    /// fuel (see `Store::set_fuel`) runs out.
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.tunables.consume_fuel = enable;
        self
    }

    /// Whether compiled code checks the engine's epoch against the store's deadline, so
    /// `Engine::increment_epoch` can interrupt it.
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Self {
        self.tunables.epoch_interruption = enable;
        self
    }

    /// The most native stack, in bytes, that wasm may use before it traps with
    /// `StackOverflow`.
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = bytes;
        self
    }

    /// Address space reserved per linear memory, guard excluded. With 4 GiB or more,
    /// most loads and stores need no bounds check.
    pub fn memory_reservation(&mut self, bytes: u64) -> &mut Self {
        self.tunables.memory_reservation = bytes;
        self
    }

    /// Inaccessible bytes after each memory's reservation.
    pub fn memory_guard_size(&mut self, bytes: u64) -> &mut Self {
        self.tunables.memory_guard_size = bytes;
        self
    }

    /// Whether a memory may move to a larger reservation when it outgrows its own.
    pub fn memory_may_move(&mut self, enable: bool) -> &mut Self {
        self.tunables.memory_may_move = enable;
        self
    }

    /// Whether memories are initialised by mapping an image of the module's data
    /// segments copy-on-write (the default), rather than by copying the segments. Only
    /// segments at constant offsets within the memory's minimum size are imaged; the rest
    /// are always copied. Hosts without in-memory files (`memfd`) always copy.
    pub fn memory_init_cow(&mut self, enable: bool) -> &mut Self {
        self.memory_init_cow = enable;
        self
    }

    /// How instances, their memories and tables are allocated: on demand (the default)
    /// or from a pool reserved when the engine is made.
    pub fn allocation_strategy(&mut self, strategy: InstanceAllocationStrategy) -> &mut Self {
        self.allocation_strategy = strategy;
        self
    }

    /// Whether funcref tables are initialised lazily (the default): a slot's element
    /// from a constant element segment is written the first time the slot is used, so
    /// instantiating a module with a large table costs no more than with a small one.
    /// When off, compiled code and instantiation fill every slot eagerly.
    pub fn table_lazy_init(&mut self, enable: bool) -> &mut Self {
        self.tunables.table_lazy_init = enable;
        self
    }

    /// Whether traps are detected with hardware faults and signal handlers (the default)
    /// or with explicit checks only.
    pub fn signals_based_traps(&mut self, enable: bool) -> &mut Self {
        self.tunables.signals_based_traps = enable;
        self
    }
}

/// One thread per core but the one running wasm, and at least one.
fn default_background_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

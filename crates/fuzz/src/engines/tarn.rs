//! Tarn as an oracle sees it: engines for the configurations worth fuzzing, built once
//! per process, and an instance whose calls report engine-neutral outcomes.

use std::sync::OnceLock;

use tarn::{Config, Engine, Extern, Func, Instance, Module, ResourceLimiter, Store, Val};

use super::{MEMORY_LIMIT_BYTES, STACK_BUDGET_BYTES, TABLE_LIMIT_ELEMENTS};

use crate::values::{CallOutcome, ExportKind, Snapshot, TableEntry, TrapKind, Value};

/// An engine configuration an oracle can pick from the input.
#[derive(Copy, Clone, Debug, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum TarnConfig {
    /// The defaults: 4 GiB reservation, guard pages, signal-based traps.
    Default,
    /// No signal handlers: every bounds check is explicit.
    ExplicitChecks,
    /// A 256 KiB reservation without guard that moves on growth: accesses past the
    /// reservation must be caught by explicit checks.
    SmallReservation,
    /// Unoptimised code.
    Unoptimized,
    /// Lazy compilation without background threads: every function compiles on its
    /// first call, through its stub.
    Lazy,
}

/// Whether compiled code counts fuel. Code that may not terminate needs it; code that
/// does is also fuzzed without it, which is the default configuration users run.
#[derive(Copy, Clone, Debug, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum Fuel {
    /// No fuel checks.
    Unmetered,
    /// Fuel checks, with [`CALL_FUEL`] per call.
    Metered,
}

impl TarnConfig {
    /// Every configuration, in declaration order.
    pub const ALL: [TarnConfig; 5] = [
        Self::Default,
        Self::ExplicitChecks,
        Self::SmallReservation,
        Self::Unoptimized,
        Self::Lazy,
    ];

    fn to_config(self, fuel: Fuel) -> Config {
        let mut config = Config::new();
        config
            .parallel_compilation(false)
            .max_wasm_stack(STACK_BUDGET_BYTES)
            .consume_fuel(fuel == Fuel::Metered);
        match self {
            Self::Default => {}
            Self::ExplicitChecks => {
                config.signals_based_traps(false);
            }
            Self::SmallReservation => {
                config
                    .memory_reservation(4 << 16)
                    .memory_guard_size(0)
                    .memory_may_move(true);
            }
            Self::Unoptimized => {
                config.cranelift_opt_level(tarn::OptLevel::None);
            }
            Self::Lazy => {
                config
                    .compilation_strategy(tarn::CompilationStrategy::Lazy)
                    .background_compilation_threads(0);
            }
        }
        config
    }

    /// The engine for this configuration, shared by every input of the process.
    pub fn engine(self, fuel: Fuel) -> &'static Engine {
        static ENGINES: OnceLock<Vec<Engine>> = OnceLock::new();
        let engines = ENGINES.get_or_init(|| {
            [Fuel::Unmetered, Fuel::Metered]
                .into_iter()
                .flat_map(|fuel| TarnConfig::ALL.map(|c| c.to_config(fuel)))
                .map(|config| Engine::new(&config).expect("Cranelift supports the host"))
                .collect()
        });
        &engines[fuel as usize * TarnConfig::ALL.len() + self as usize]
    }
}

/// Fuel each call gets. Generated code also carries its own fuel counter in the
/// differential oracle; this bound is for modules without one.
pub const CALL_FUEL: u64 = 1_000_000;

/// An instance of a module in a fresh Tarn store.
pub struct TarnInstance {
    store: Store<GrowthLimits>,
    instance: Instance,
    fuel: Fuel,
}

impl TarnInstance {
    /// Compiles and instantiates `wasm` with `config`.
    ///
    /// # Errors
    ///
    /// The error of `Module::new` or `Instance::new`.
    pub fn new(config: TarnConfig, fuel: Fuel, wasm: &[u8]) -> tarn::Result<Self> {
        let engine = config.engine(fuel);
        let module = Module::new(engine, wasm)?;
        let mut store = Store::new(engine, GrowthLimits);
        store.limiter(|limits| limits);
        if fuel == Fuel::Metered {
            store.set_fuel(CALL_FUEL)?;
        }
        let instance = Instance::new(&mut store, &module, &[])?;
        Ok(Self {
            store,
            instance,
            fuel,
        })
    }

    /// The exports, in order, with the types of functions.
    pub fn exports(&mut self) -> Vec<(String, ExportKind)> {
        let exports = self.instance.exports(&mut self.store);
        exports
            .into_iter()
            .map(|(name, export)| {
                let kind = match export {
                    Extern::Func(func) => {
                        let ty = func.ty(&self.store);
                        ExportKind::Func {
                            params: ty.params().to_vec(),
                            results: ty.results().to_vec(),
                        }
                    }
                    Extern::Memory(_) => ExportKind::Memory,
                    Extern::Global(global) => {
                        ExportKind::Global(global.ty(&self.store).content().clone())
                    }
                    Extern::Table(table) => ExportKind::Table(tarn::ValType::Ref(
                        table.ty(&self.store).element().clone(),
                    )),
                    Extern::Tag(_) => ExportKind::Tag,
                };
                (name, kind)
            })
            .collect()
    }

    /// Calls the exported function `name` with `args` and a fresh fuel budget.
    ///
    /// # Panics
    ///
    /// If the call fails with anything but a trap: generated arguments always match the
    /// signature, so any other error is a defect.
    pub fn call(&mut self, name: &str, args: &[Value]) -> CallOutcome {
        let func = self
            .instance
            .get_func(&mut self.store, name)
            .expect("the export is a function");
        let ty = func.ty(&self.store);
        let params: Vec<tarn::Val> = args
            .iter()
            .zip(ty.params())
            .map(|(arg, ty)| arg.to_tarn(ty))
            .collect();
        let mut results: Vec<tarn::Val> = ty.results().iter().map(tarn::Val::default_for).collect();
        if self.fuel == Fuel::Metered {
            self.store.set_fuel(CALL_FUEL).expect("fuel is enabled");
        }
        match func.call(&mut self.store, &params, &mut results) {
            Ok(()) => CallOutcome::Returned(results.iter().map(Value::from_tarn).collect()),
            Err(error) => outcome_of_error(&error),
        }
    }

    /// The state of every exported memory, global and table.
    pub fn snapshot(&mut self) -> Snapshot {
        let mut snapshot = Snapshot::default();
        let exports = self.instance.exports(&mut self.store);
        let mut funcs: Vec<(&str, Func)> = exports
            .iter()
            .filter_map(|(name, export)| Some((name.as_str(), export.clone().into_func()?)))
            .collect();
        funcs.sort_by_key(|(name, _)| *name);
        for (name, export) in exports.iter().cloned() {
            match export {
                Extern::Memory(memory) => {
                    let data = memory.data(&self.store).to_vec();
                    snapshot.memories.insert(name, data);
                }
                Extern::Global(global) => {
                    let value = global.get(&mut self.store);
                    snapshot.globals.insert(name, Value::from_tarn(&value));
                }
                Extern::Table(table) => {
                    let entries = (0..table.size(&self.store))
                        .map(|index| match table.get(&mut self.store, index) {
                            Some(Val::FuncRef(Some(func))) => TableEntry::Func(
                                funcs
                                    .iter()
                                    .find(|(_, f)| *f == func)
                                    .map(|(name, _)| (*name).to_owned()),
                            ),
                            Some(Val::ExternRef(Some(_))) => TableEntry::Extern,
                            Some(Val::FuncRef(None) | Val::ExternRef(None)) => TableEntry::Null,
                            other => panic!("table {name:?}[{index}] reads as {other:?}"),
                        })
                        .collect();
                    snapshot.tables.insert(name, entries);
                }
                Extern::Func(_) | Extern::Tag(_) => {}
            }
        }
        snapshot
    }
}

/// How a failed call or instantiation ended, as an outcome.
///
/// # Panics
///
/// If the error is not a trap.
pub fn outcome_of_error(error: &tarn::Error) -> CallOutcome {
    if error.is::<tarn::ThrownException>() {
        return CallOutcome::Trapped(TrapKind::Other("uncaught exception"));
    }
    let trap = error
        .downcast_ref::<tarn::Trap>()
        .unwrap_or_else(|| panic!("a call failed without trapping: {error}"));
    TrapKind::from_tarn(trap.code())
}

/// Denies growth past [`MEMORY_LIMIT_BYTES`] and [`TABLE_LIMIT_ELEMENTS`], as the
/// reference engine's `StoreLimits` do.
struct GrowthLimits;

impl ResourceLimiter for GrowthLimits {
    fn memory_growing(&mut self, _: usize, desired: usize, _: Option<usize>) -> tarn::Result<bool> {
        Ok(desired <= MEMORY_LIMIT_BYTES)
    }

    fn table_growing(&mut self, _: usize, desired: usize, _: Option<usize>) -> tarn::Result<bool> {
        Ok(desired <= TABLE_LIMIT_ELEMENTS)
    }
}

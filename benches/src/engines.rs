//! Each engine's side of every row, behind the same constructors so the rows treat
//! Tarn and Wasmtime alike. Both engines run with their default configuration: optimised
//! code (`speed`), signal-based traps and guard pages, parallel compilation, no fuel and
//! no epochs.
//!
//! The two embedding APIs have the same shape, so every runner but the WASI ones is
//! written once, in `engine_runners!`, and instantiated for each engine; only the WASI
//! setup, where the two WASI crates differ, is written per engine.

pub mod tarn;
pub mod wasmtime;

/// One timed operation; it returns a checksum that every engine must agree on.
pub type Op = Box<dyn FnMut() -> i64>;

/// The engine-only runners for the embedding API of crate `$krate`, named `$name` in
/// messages.
macro_rules! engine_runners {
    ($krate:ident, $name:literal) => {
        use ::$krate::{Engine, Instance, Module, Store};

        use super::Op;

        /// Calls the kernel export `run(arg)`, once per operation, in one long-lived instance.
        pub fn kernel(wasm: &[u8], arg: i32) -> Op {
            kernel_export(wasm, "run", arg)
        }

        /// Calls the kernel export `name(arg)`, once per operation, in one long-lived instance.
        pub fn kernel_export(wasm: &[u8], name: &str, arg: i32) -> Op {
            kernel_in(Engine::default(), wasm, name, arg)
        }

        /// Calls the kernel export `name(arg)` compiled by `engine`, once per operation,
        /// in one long-lived instance.
        pub fn kernel_in(engine: Engine, wasm: &[u8], name: &str, arg: i32) -> Op {
            let module = Module::new(&engine, wasm).expect(concat!($name, " compiles the kernel"));
            let mut store = Store::new(&engine, ());
            let instance =
                Instance::new(&mut store, &module, &[]).expect(concat!($name, " instantiates"));
            let run = instance
                .get_typed_func::<i32, i64>(&mut store, name)
                .expect(concat!($name, " finds the kernel"));
            Box::new(move || {
                run.call(&mut store, arg)
                    .expect(concat!($name, " runs the kernel"))
            })
        }

        /// Calls the kernel export `run(arg)` of a module that uses exception handling,
        /// once per operation, with the proposal switched on.
        pub fn exceptions_kernel(wasm: &[u8], arg: i32) -> Op {
            let mut config = ::$krate::Config::new();
            config.wasm_exceptions(true);
            let engine = Engine::new(&config).expect(concat!($name, " accepts the config"));
            let module = Module::new(&engine, wasm).expect(concat!($name, " compiles the kernel"));
            let mut store = Store::new(&engine, ());
            let instance =
                Instance::new(&mut store, &module, &[]).expect(concat!($name, " instantiates"));
            let run = instance
                .get_typed_func::<i32, i64>(&mut store, "run")
                .expect(concat!($name, " finds the kernel"));
            Box::new(move || {
                run.call(&mut store, arg)
                    .expect(concat!($name, " runs the kernel"))
            })
        }

        /// A store of the default engine holding one instance of `wasm` (no imports).
        fn instantiate_alone(wasm: &[u8]) -> (Store<()>, Instance) {
            let engine = Engine::default();
            let module = Module::new(&engine, wasm).expect(concat!($name, " compiles the module"));
            let mut store = Store::new(&engine, ());
            let instance =
                Instance::new(&mut store, &module, &[]).expect(concat!($name, " instantiates"));
            (store, instance)
        }

        /// Calls the trivial export `inc` `calls` times from the host, chaining the results.
        pub fn host_calls(wasm: &[u8], calls: u32) -> Op {
            let (mut store, instance) = instantiate_alone(wasm);
            let inc = instance
                .get_typed_func::<i32, i32>(&mut store, "inc")
                .expect(concat!($name, " finds inc"));
            Box::new(move || {
                let mut value = 0;
                for _ in 0..calls {
                    value = inc
                        .call(&mut store, value)
                        .expect(concat!($name, " calls inc"));
                }
                i64::from(value)
            })
        }

        /// Calls the export `inc` `calls` times from the host through the untyped
        /// `Func::call`, chaining the results.
        pub fn untyped_host_calls(wasm: &[u8], calls: u32) -> Op {
            use ::$krate::Val;
            let (mut store, instance) = instantiate_alone(wasm);
            let inc = instance
                .get_func(&mut store, "inc")
                .expect(concat!($name, " finds inc"));
            Box::new(move || {
                let mut results = [Val::I32(0)];
                for _ in 0..calls {
                    let Val::I32(value) = results[0] else {
                        unreachable!("inc returns an i32")
                    };
                    inc.call(&mut store, &[Val::I32(value)], &mut results)
                        .expect(concat!($name, " calls inc"));
                }
                match results[0] {
                    Val::I32(value) => i64::from(value),
                    _ => unreachable!("inc returns an i32"),
                }
            })
        }

        /// Calls `run(calls)`, which calls the host function `inc` (a `Func::wrap`
        /// closure) `calls` times.
        pub fn wasm_to_host_calls(wasm: &[u8], calls: u32) -> Op {
            let engine = Engine::default();
            let module = Module::new(&engine, wasm).expect(concat!($name, " compiles run"));
            let mut store = Store::new(&engine, ());
            let inc = ::$krate::Func::wrap(&mut store, |x: i32| x.wrapping_add(1));
            let instance = Instance::new(&mut store, &module, &[inc.into()])
                .expect(concat!($name, " instantiates"));
            let run = instance
                .get_typed_func::<i32, i64>(&mut store, "run")
                .expect(concat!($name, " finds run"));
            let calls = calls as i32;
            Box::new(move || {
                run.call(&mut store, calls)
                    .expect(concat!($name, " runs run"))
            })
        }

        /// Returns what `probe` gives on a first instance, and an operation that creates a
        /// fresh store, instantiates the module in it and drops both.
        pub fn instantiation(wasm: &[u8]) -> (i64, Op) {
            instantiation_on(Engine::default(), wasm)
        }

        /// [`instantiation`] on `engine`.
        fn instantiation_on(engine: Engine, wasm: &[u8]) -> (i64, Op) {
            let module = Module::new(&engine, wasm).expect(concat!($name, " compiles the module"));
            let probe = instantiate_and_probe(&engine, &module);
            let op = move || {
                let mut store = Store::new(&engine, ());
                Instance::new(&mut store, &module, &[]).expect(concat!($name, " instantiates"));
                0
            };
            (probe, Box::new(op))
        }

        /// Like [`instantiation`], on an engine with the pooling allocator (room for 100
        /// instances, memories and tables, tables of up to 100,000 elements).
        pub fn pooled_instantiation(wasm: &[u8]) -> (i64, Op) {
            let mut pooling = ::$krate::PoolingAllocationConfig::new();
            pooling
                .total_core_instances(100)
                .total_memories(100)
                .total_tables(100)
                .table_elements(100_000);
            let mut config = ::$krate::Config::new();
            config.allocation_strategy(::$krate::InstanceAllocationStrategy::Pooling(pooling));
            let engine = Engine::new(&config).expect(concat!($name, " sets up pooling"));
            instantiation_on(engine, wasm)
        }

        /// Returns the export count of the module `wasm` loaded from an artifact, and an
        /// operation that loads the artifact again (and drops the module).
        #[expect(unsafe_code, reason = "loading an artifact is unsafe in both engines")]
        pub fn deserialization(wasm: &[u8]) -> (i64, usize, Op) {
            let engine = Engine::default();
            let artifact = engine
                .precompile_module(wasm)
                .expect(concat!($name, " precompiles the module"));
            let size = artifact.len();
            // SAFETY: the artifact was just made by this engine.
            let load = move || {
                unsafe { Module::deserialize(&engine, &artifact) }
                    .expect(concat!($name, " loads its artifact"))
                    .exports()
                    .len() as i64
            };
            let mut op: Op = Box::new(load);
            (op(), size, op)
        }

        /// An operation that creates a fresh store and instantiates the module through an
        /// `InstancePre` made once by a linker.
        pub fn instantiation_pre(wasm: &[u8]) -> Op {
            let engine = Engine::default();
            let module = Module::new(&engine, wasm).expect(concat!($name, " compiles the module"));
            let linker = ::$krate::Linker::<()>::new(&engine);
            let pre = linker
                .instantiate_pre(&module)
                .expect(concat!($name, " resolves the imports"));
            Box::new(move || {
                let mut store = Store::new(&engine, ());
                pre.instantiate(&mut store)
                    .expect(concat!($name, " instantiates"));
                0
            })
        }

        /// An operation that creates a fresh store, instantiates the module in it, calls `probe`
        /// (which touches the memory, a table, globals) and drops both.
        pub fn instantiation_and_call(wasm: &[u8]) -> Op {
            let engine = Engine::default();
            let module = Module::new(&engine, wasm).expect(concat!($name, " compiles the module"));
            Box::new(move || instantiate_and_probe(&engine, &module))
        }

        fn instantiate_and_probe(engine: &Engine, module: &Module) -> i64 {
            let mut store = Store::new(engine, ());
            let instance =
                Instance::new(&mut store, module, &[]).expect(concat!($name, " instantiates"));
            let probe = instance
                .get_typed_func::<(), i32>(&mut store, "probe")
                .and_then(|probe| probe.call(&mut store, ()))
                .expect(concat!($name, " runs probe"));
            i64::from(probe)
        }

        /// From the bytes of a module to the return of the first call of its export `name`
        /// (no parameters, an `i32` result, or an `i64` one when `i64_result`): compile
        /// with `engine`, define every import as a function that traps, instantiate, call.
        pub fn first_call(
            engine: Engine,
            wasm: Vec<u8>,
            name: &'static str,
            i64_result: bool,
        ) -> Op {
            Box::new(move || {
                let module =
                    Module::new(&engine, &wasm).expect(concat!($name, " compiles the module"));
                let mut linker = ::$krate::Linker::new(&engine);
                linker
                    .define_unknown_imports_as_traps(&module)
                    .expect(concat!($name, " defines the imports"));
                let mut store = Store::new(&engine, ());
                let instance = linker
                    .instantiate(&mut store, &module)
                    .expect(concat!($name, " instantiates"));
                let func = instance
                    .get_func(&mut store, name)
                    .expect(concat!($name, " finds the export"));
                let mut results = [if i64_result {
                    ::$krate::Val::I64(0)
                } else {
                    ::$krate::Val::I32(0)
                }];
                func.call(&mut store, &[], &mut results)
                    .expect(concat!($name, " makes the call"));
                match results[0] {
                    ::$krate::Val::I32(value) => i64::from(value),
                    ::$krate::Val::I64(value) => value,
                    _ => panic!(concat!($name, " returned another type")),
                }
            })
        }

        /// Returns what `run(arg)` gives on the compiled module, and an operation that compiles
        /// the module and returns its export count.
        pub fn compilation(wasm: &[u8], arg: i32) -> (i64, Op) {
            let engine = Engine::default();
            let wasm = wasm.to_vec();
            let check = kernel(&wasm, arg)();
            let op = move || {
                let module =
                    Module::new(&engine, &wasm).expect(concat!($name, " compiles the module"));
                module.exports().len() as i64
            };
            (check, Box::new(op))
        }
    };
}

pub(crate) use engine_runners;

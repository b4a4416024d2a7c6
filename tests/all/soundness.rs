//! What the unsafe core promises a host: unbounded recursion never crashes the process,
//! whichever thread runs it and however small that thread's stack, and a limiter may
//! change the store's data while wasm grows a memory or table.

use tarn::{
    Caller, Config, Engine, Error, Func, Instance, Linker, Module, ResourceLimiter, Store, Trap,
    TrapCode, Val,
};

use crate::assert_error;

/// `deep` recurses without end, counting its depth in `depth`; `start` calls the host.
const RECURSIVE: &str = r#"(module
  (import "host" "reenter" (func $reenter))
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (func $deep (export "deep") (param i32) (result i32)
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "start") (call $reenter)))"#;

/// The depth `deep` reached, reset to zero.
fn take_depth(store: &mut Store<Option<Func>>, instance: Instance) -> i32 {
    let depth = instance.get_global(&mut *store, "depth").unwrap();
    let reached = depth.get(&mut *store).i32().unwrap();
    depth.set(&mut *store, Val::I32(0)).unwrap();
    reached
}

fn stack_overflow(error: &Error) -> bool {
    error
        .downcast_ref::<Trap>()
        .is_some_and(|trap| trap.code() == TrapCode::StackOverflow)
}

#[test]
fn a_host_function_reentering_wasm_from_a_scoped_thread_gets_a_stack_overflow_trap() {
    let engine = Engine::default();
    let module = Module::new(&engine, RECURSIVE).unwrap();
    let mut store = Store::new(&engine, None::<Func>);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "reenter", |mut caller: Caller<'_, Option<Func>>| {
            let deep = caller.data().expect("deep is set before start runs");
            // The scoped thread has its own (2 MiB) stack; the limit set for the
            // calling thread's stack does not hold there.
            let result = std::thread::scope(|scope| {
                scope
                    .spawn(|| {
                        let mut results = [Val::I32(0)];
                        deep.call(&mut caller, &[Val::I32(0)], &mut results)
                    })
                    .join()
                    .expect("the scoped thread does not die")
            });
            let error = result.expect_err("unbounded recursion cannot return");
            assert!(stack_overflow(&error), "not a stack overflow: {error}");
            Ok(())
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let deep = instance.get_func(&mut store, "deep").unwrap();
    *store.data_mut() = Some(deep);
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "start")
        .unwrap();
    start.call(&mut store, ()).unwrap();
    // The other thread got a real budget on its own stack: neither a crash nor a limit
    // meant for another stack (which traps at once, or never).
    let on_other_thread = take_depth(&mut store, instance);
    assert!(on_other_thread > 1000, "only {on_other_thread} frames fit");
    // And the first thread's limit holds again afterwards.
    let deep = instance
        .get_typed_func::<i32, i32>(&mut store, "deep")
        .unwrap();
    assert!(stack_overflow(&deep.call(&mut store, 0).unwrap_err()));
    assert!(take_depth(&mut store, instance) > 1000);
}

fn deep_recursion_on_a_thread_with(stack_size: usize, config: &Config) -> Error {
    let engine = Engine::new(config).unwrap();
    std::thread::Builder::new()
        .stack_size(stack_size)
        .spawn(move || {
            let module = Module::new(&engine, RECURSIVE).unwrap();
            let mut store = Store::new(&engine, None::<Func>);
            let mut linker = Linker::new(&engine);
            linker.func_wrap("host", "reenter", || {}).unwrap();
            let instance = linker.instantiate(&mut store, &module).unwrap();
            let deep = instance
                .get_typed_func::<i32, i32>(&mut store, "deep")
                .unwrap();
            deep.call(&mut store, 0).unwrap_err()
        })
        .unwrap()
        .join()
        .expect("the small thread does not die")
}

#[test]
fn deep_recursion_on_a_256_kib_thread_traps() {
    // The default `max_wasm_stack` (512 KiB) is larger than this whole thread.
    let error = deep_recursion_on_a_thread_with(256 << 10, &Config::new());
    assert!(stack_overflow(&error), "not a stack overflow: {error}");
}

#[test]
fn a_max_wasm_stack_larger_than_the_thread_is_clamped_not_trusted() {
    let mut config = Config::new();
    config.max_wasm_stack(1 << 30);
    let error = deep_recursion_on_a_thread_with(2 << 20, &config);
    assert!(stack_overflow(&error), "not a stack overflow: {error}");
}

/// A limiter that records every request in a growing log, reallocating it, so a
/// write through a stale pointer to the store would corrupt or lose entries.
#[derive(Default)]
struct Logging {
    log: Vec<String>,
    allow_memory_bytes: usize,
}

impl ResourceLimiter for Logging {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, Error> {
        self.log.push(format!("memory {current} -> {desired}"));
        self.log.shrink_to_fit();
        Ok(desired <= self.allow_memory_bytes)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, Error> {
        self.log.push(format!("table {current} -> {desired}"));
        self.log.shrink_to_fit();
        Ok(true)
    }
}

#[test]
fn a_limiter_that_changes_store_data_during_growth_from_wasm_sees_every_request() {
    const GROWER: &str = r#"(module
      (memory (export "memory") 1)
      (table (export "table") 1 funcref)
      (func (export "grow") (param i32) (result i32 i32)
        (memory.grow (local.get 0))
        (table.grow (ref.null func) (local.get 0))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, GROWER).unwrap();
    let mut store = Store::new(
        &engine,
        Logging {
            allow_memory_bytes: 3 << 16,
            ..Logging::default()
        },
    );
    store.limiter(|data| data);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let grow = instance
        .get_typed_func::<i32, (i32, i32)>(&mut store, "grow")
        .unwrap();
    assert_eq!(grow.call(&mut store, 1).unwrap(), (1, 1));
    assert_eq!(grow.call(&mut store, 1).unwrap(), (2, 2));
    assert_eq!(grow.call(&mut store, 1).unwrap(), (-1, 3));
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert_error(
        memory.grow(&mut store, 1),
        "failed to grow a memory of 3 pages",
    );
    assert_eq!(
        store.data().log,
        [
            "memory 0 -> 65536",
            "table 0 -> 1",
            "memory 65536 -> 131072",
            "table 1 -> 2",
            "memory 131072 -> 196608",
            "table 2 -> 3",
            "memory 196608 -> 262144",
            "table 3 -> 4",
            "memory 196608 -> 262144",
        ]
    );
}

//! Unbounded recursion ends in a `StackOverflow` trap, and the store runs code correctly
//! afterwards.

use tarn::{Config, Engine, Instance, Module, Store, Trap, TrapCode};

const RECURSIVE: &str = r#"(module
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1))))))))"#;

#[test]
fn unbounded_recursion_is_a_stack_overflow_trap() {
    let (mut store, instance) = crate::instantiate(RECURSIVE);
    let deep = instance
        .get_typed_func::<i32, i32>(&mut store, "deep")
        .unwrap();
    let fac = instance
        .get_typed_func::<i64, i64>(&mut store, "fac")
        .unwrap();
    for _ in 0..3 {
        let error = deep.call(&mut store, 0).unwrap_err();
        let trap = error.downcast_ref::<Trap>().expect("a trap");
        assert_eq!(trap.code(), TrapCode::StackOverflow);
        assert_eq!(fac.call(&mut store, 20).unwrap(), 2_432_902_008_176_640_000);
    }
}

/// Recursion this deep fits the default 512 KiB `max_wasm_stack` but not 64 KiB: each
/// frame of `fac` takes at least 16 bytes (return address and frame pointer), so 8,000
/// frames need over 125 KiB, and its frames are small enough (a few dozen bytes) for
/// 512 KiB to hold them.
const DEPTH_BETWEEN_LIMITS: i64 = 8_000;

#[test]
fn max_wasm_stack_bounds_recursion_depth() {
    let run = |max_wasm_stack: Option<usize>| {
        let mut config = Config::new();
        if let Some(bytes) = max_wasm_stack {
            config.max_wasm_stack(bytes);
        }
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, RECURSIVE).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let fac = instance
            .get_typed_func::<i64, i64>(&mut store, "fac")
            .unwrap();
        assert_eq!(fac.call(&mut store, 5).unwrap(), 120);
        fac.call(&mut store, DEPTH_BETWEEN_LIMITS)
    };
    // The product of 1..=8000 has far more than 64 factors of two, so it wraps to 0.
    assert_eq!(run(None).unwrap(), 0, "the default limit fits the depth");
    let error = run(Some(64 << 10)).unwrap_err();
    assert_eq!(
        error.downcast_ref::<Trap>().unwrap().code(),
        TrapCode::StackOverflow
    );
}

//! Fuel: running out traps with `OutOfFuel`, and what a call leaves is observable.

use tarn::{Config, Engine, Instance, Module, Store, Trap, TrapCode};

use crate::with_watchdog;

fn fuel_engine() -> Engine {
    let mut config = Config::new();
    config.consume_fuel(true);
    Engine::new(&config).unwrap()
}

const LOOPS: &str = r#"(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i)))"#;

fn out_of_fuel(error: &tarn::Error) -> bool {
    error
        .downcast_ref::<Trap>()
        .is_some_and(|trap| trap.code() == TrapCode::OutOfFuel)
}

#[test]
fn an_infinite_loop_runs_out_of_fuel() {
    with_watchdog(infinite_loop_runs_out_of_fuel);
}

fn infinite_loop_runs_out_of_fuel() {
    let engine = fuel_engine();
    let module = Module::new(&engine, LOOPS).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(10_000).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let spin = instance
        .get_typed_func::<(), ()>(&mut store, "spin")
        .unwrap();
    let error = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(
        error.downcast_ref::<Trap>().unwrap().code(),
        TrapCode::OutOfFuel
    );
    assert_eq!(store.get_fuel().unwrap(), 0);
}

#[test]
fn fuel_left_after_a_call_shrinks_with_the_work_done() {
    with_watchdog(fuel_shrinks_with_work);
}

fn fuel_shrinks_with_work() {
    let engine = fuel_engine();
    let module = Module::new(&engine, LOOPS).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(1_000_000).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let count = instance
        .get_typed_func::<i32, i32>(&mut store, "count")
        .unwrap();
    assert_eq!(count.call(&mut store, 10).unwrap(), 10);
    let after_small = store.get_fuel().unwrap();
    assert!(after_small < 1_000_000);
    assert_eq!(count.call(&mut store, 1000).unwrap(), 1000);
    let after_large = store.get_fuel().unwrap();
    let small_cost = 1_000_000 - after_small;
    let large_cost = after_small - after_large;
    assert!(
        large_cost > 50 * small_cost,
        "small {small_cost}, large {large_cost}"
    );
    // Refuelling lets a store that ran dry continue.
    store.set_fuel(5).unwrap();
    let error = count.call(&mut store, 1000).unwrap_err();
    assert!(out_of_fuel(&error), "{error}");
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(count.call(&mut store, 3).unwrap(), 3);
}

#[test]
fn fuel_apis_fail_when_fuel_is_off() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    for error in [
        store.set_fuel(10).unwrap_err(),
        store.get_fuel().unwrap_err(),
    ] {
        assert!(error.to_string().contains("fuel"), "{error}");
    }
}

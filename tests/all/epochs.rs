//! Epoch interruption: another thread increments the engine's epoch and an infinite loop
//! stops with an `Interrupt` trap.

use std::time::{Duration, Instant};

use tarn::{Config, Engine, Instance, Module, Store, Trap, TrapCode};

use crate::with_watchdog;

#[test]
fn another_thread_interrupts_an_infinite_loop() {
    with_watchdog(interrupt_an_infinite_loop);
}

fn interrupt_an_infinite_loop() {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(
        &engine,
        r#"(module
             (func (export "spin") (loop $l (br $l)))
             (func (export "count") (param $n i32) (result i32)
               (local $i i32)
               (loop $next
                 (local.set $i (i32.add (local.get $i) (i32.const 1)))
                 (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
               (local.get $i)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    store.set_epoch_deadline(1);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let spin = instance
        .get_typed_func::<(), ()>(&mut store, "spin")
        .unwrap();
    let count = instance
        .get_typed_func::<i32, i32>(&mut store, "count")
        .unwrap();
    // A fresh deadline lets a call that finishes (through many loop-header checks)
    // return normally: the checks do not trap before the epoch passes the deadline.
    assert_eq!(count.call(&mut store, 1_000_000).unwrap(), 1_000_000);
    let ticker = {
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            engine.increment_epoch();
        })
    };
    let start = Instant::now();
    let error = spin.call(&mut store, ()).unwrap_err();
    ticker.join().unwrap();
    assert_eq!(
        error.downcast_ref::<Trap>().unwrap().code(),
        TrapCode::Interrupt
    );
    assert!(start.elapsed() >= Duration::from_millis(40));

    // A fresh deadline lets the store run again until the next tick.
    store.set_epoch_deadline(1);
    let error = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            engine.increment_epoch();
        });
        spin.call(&mut store, ()).unwrap_err()
    });
    assert_eq!(
        error.downcast_ref::<Trap>().unwrap().code(),
        TrapCode::Interrupt
    );
}

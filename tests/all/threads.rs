//! Many threads on one engine: they share modules, instantiate them in their own stores,
//! call, trap, run out of fuel and get interrupted by epochs, all at once, while another
//! thread keeps replacing the shared modules (dropping the old handles while instances of
//! them still run). Every result is checked. CONTRIBUTING.md shows how to run this under
//! ThreadSanitizer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tarn::{Config, Engine, Func, Instance, Module, Store, TrapCode};

use crate::{trap_code, typed, with_watchdog};

/// Threads doing work, besides the epoch ticker and the module replacer.
const WORKERS: usize = 6;
/// Rounds each worker runs.
const ROUNDS: usize = 60;

/// A module whose `n`-th variant adds `n` (so each variant's results are distinct), with a
/// trap, a loop that only fuel or an epoch ends, and a call out to the host.
fn variant(n: usize) -> String {
    format!(
        r#"(module
          (import "host" "twice" (func $twice (param i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "add") (param i32) (result i32)
            (i32.store (i32.const 0) (local.get 0))
            (i32.add (call $twice (i32.load (i32.const 0))) (i32.const {n})))
          (func (export "trap") (result i32) unreachable)
          (func (export "spin") (loop $l (br $l)))
          (func (export "fib") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
              (then (local.get 0))
              (else (i32.add
                (call 4 (i32.sub (local.get 0) (i32.const 1)))
                (call 4 (i32.sub (local.get 0) (i32.const 2))))))))"#
    )
}

fn worker(engine: &Engine, shared: &Mutex<Vec<(usize, Module)>>, seed: usize) {
    for round in 0..ROUNDS {
        let (n, module) = {
            let modules = shared.lock().unwrap();
            modules[(seed + round) % modules.len()].clone()
        };
        let mut store = Store::new(engine, ());
        store.set_fuel(1_000_000).unwrap();
        store.set_epoch_deadline(1_000_000);
        let twice = Func::wrap(&mut store, |x: i32| x.wrapping_mul(2));
        let instance = Instance::new(&mut store, &module, &[twice.into()]).unwrap();
        // The module handle goes; the instance keeps what it needs.
        drop(module);
        let add = typed::<i32, i32>(&mut store, &instance, "add");
        let arg = i32::try_from(seed * 1000 + round).unwrap();
        assert_eq!(add.call(&mut store, arg).unwrap(), 2 * arg + n as i32);
        let fib = typed::<i32, i32>(&mut store, &instance, "fib");
        assert_eq!(fib.call(&mut store, 15).unwrap(), 610);
        let trap = typed::<(), i32>(&mut store, &instance, "trap");
        let error = trap.call(&mut store, ()).unwrap_err();
        assert_eq!(trap_code(&error), Some(TrapCode::UnreachableCodeReached));
        let spin = typed::<(), ()>(&mut store, &instance, "spin");
        if round % 2 == 0 {
            store.set_fuel(10_000).unwrap();
            let error = spin.call(&mut store, ()).unwrap_err();
            assert_eq!(trap_code(&error), Some(TrapCode::OutOfFuel), "{error}");
        } else {
            store.set_fuel(u64::MAX / 2).unwrap();
            store.set_epoch_deadline(1);
            let error = spin.call(&mut store, ()).unwrap_err();
            assert_eq!(trap_code(&error), Some(TrapCode::Interrupt), "{error}");
        }
        // The store still works after each trap.
        store.set_fuel(1_000_000).unwrap();
        store.set_epoch_deadline(1_000_000);
        assert_eq!(add.call(&mut store, 1).unwrap(), 2 + n as i32);
    }
}

#[test]
fn threads_share_an_engine_and_its_modules() {
    with_watchdog(|| {
        let mut config = Config::new();
        config.consume_fuel(true).epoch_interruption(true);
        let engine = Engine::new(&config).unwrap();
        let compile = |n: usize| (n, Module::new(&engine, variant(n)).unwrap());
        let shared = Arc::new(Mutex::new((0..3).map(compile).collect::<Vec<_>>()));
        let done = Arc::new(AtomicBool::new(false));
        std::thread::scope(|scope| {
            // Epochs advance all the time, as in an embedder with a timer thread.
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    engine.increment_epoch();
                    std::thread::sleep(Duration::from_millis(1));
                }
            });
            // Modules are replaced while workers still run instances of the old ones.
            scope.spawn(|| {
                let mut next = 3;
                while !done.load(Ordering::Relaxed) {
                    let module = compile(next);
                    shared.lock().unwrap()[next % 3] = module;
                    next += 1;
                    std::thread::sleep(Duration::from_millis(5));
                }
            });
            let workers: Vec<_> = (0..WORKERS)
                .map(|seed| {
                    let (engine, shared) = (&engine, &shared);
                    scope.spawn(move || worker(engine, shared, seed))
                })
                .collect();
            let results: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
            done.store(true, Ordering::Relaxed);
            for result in results {
                if let Err(panic) = result {
                    std::panic::resume_unwind(panic);
                }
            }
        });
        drop(shared);
        assert_eq!(
            engine.registered_signatures(),
            0,
            "every module and host function dropped"
        );
    });
}

//! Lazy compilation (`CompilationStrategy::Lazy`): functions compile on first call, run
//! like eagerly compiled ones (traps, backtraces, fuel, stack overflow), and are safe
//! to call for the first time from many threads at once.

use std::sync::{Arc, Barrier};

use tarn::{CompilationStrategy, Config, Engine, Instance, Linker, Module, Store, Trap, TrapCode};

/// An engine compiling lazily; `background` threads (0 = none).
fn lazy_engine(background: usize, configure: impl FnOnce(&mut Config)) -> Engine {
    let mut config = Config::new();
    config
        .compilation_strategy(CompilationStrategy::Lazy)
        .background_compilation_threads(background);
    configure(&mut config);
    Engine::new(&config).unwrap()
}

const PROGRAM: &str = r#"
(module $program
  (type $i2i (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $fib $double)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $i2i) (local.get 1) (local.get 0)))
  (func $tail (export "tail") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 7))
      (else (return_call $tail (i32.sub (local.get 0) (i32.const 1))))))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (i32.const 1) (call $deep (local.get 0))))
  (func $crash (export "crash") (call $inner))
  (func $inner unreachable)
  (func (export "unused") (result i32) (i32.const 1))
)"#;

fn instantiate(engine: &Engine) -> (Store<()>, Instance) {
    let module = Module::new(engine, PROGRAM).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

#[test]
fn functions_compile_on_their_first_call_and_only_then() {
    let engine = lazy_engine(0, |_| {});
    let module = Module::new(&engine, PROGRAM).unwrap();
    assert_eq!(module.compiled_functions(), Some(0));
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let fib = instance
        .get_typed_func::<i32, i32>(&mut store, "fib")
        .unwrap();
    assert_eq!(fib.call(&mut store, 20).unwrap(), 6765);
    assert_eq!(module.compiled_functions(), Some(1));
    let indirect = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "indirect")
        .unwrap();
    assert_eq!(indirect.call(&mut store, (0, 10)).unwrap(), 55);
    assert_eq!(indirect.call(&mut store, (1, 10)).unwrap(), 20);
    assert_eq!(module.compiled_functions(), Some(3));
    let tail = instance
        .get_typed_func::<i32, i32>(&mut store, "tail")
        .unwrap();
    assert_eq!(tail.call(&mut store, 1_000_000).unwrap(), 7);
    // Eagerly compiled modules are complete from the start.
    let eager = Module::new(&Engine::default(), PROGRAM).unwrap();
    assert_eq!(eager.compiled_functions(), None);
}

#[test]
fn an_invalid_body_is_rejected_at_once() {
    let engine = lazy_engine(0, |_| {});
    let error = Module::new(
        &engine,
        "(module (func (result i32) i32.const 1) (func (result i32) i64.const 1))",
    )
    .unwrap_err();
    assert!(error.to_string().contains("type mismatch"), "{error}");
}

#[test]
fn traps_and_backtraces_are_those_of_eager_code() {
    for engine in [lazy_engine(0, |_| {}), Engine::default()] {
        let (mut store, instance) = instantiate(&engine);
        let crash = instance.get_func(&mut store, "crash").unwrap();
        let error = crash.call(&mut store, &[], &mut []).unwrap_err();
        let trap = error.downcast_ref::<Trap>().expect("a trap");
        assert_eq!(trap.code(), TrapCode::UnreachableCodeReached);
        let frames = trap.backtrace();
        assert_eq!(frames.len(), 2, "{trap}");
        assert_eq!(frames[0].func_name.as_deref(), Some("inner"));
        assert_eq!(frames[1].func_name.as_deref(), Some("crash"));
        assert_eq!(frames[0].module_name.as_deref(), Some("program"));
        assert!(frames.iter().all(|f| f.module_offset.is_some()), "{trap}");

        let deep = instance
            .get_typed_func::<i32, i32>(&mut store, "deep")
            .unwrap();
        let error = deep.call(&mut store, 0).unwrap_err();
        let trap = error.downcast_ref::<Trap>().expect("a trap");
        assert_eq!(trap.code(), TrapCode::StackOverflow);
        // The store still works after both.
        let fib = instance
            .get_typed_func::<i32, i32>(&mut store, "fib")
            .unwrap();
        assert_eq!(fib.call(&mut store, 10).unwrap(), 55);
    }
}

#[test]
fn fuel_counts_the_same_as_with_eager_code() {
    let consumed = |engine: &Engine| {
        let module = Module::new(engine, PROGRAM).unwrap();
        let mut store = Store::new(engine, ());
        store.set_fuel(1_000_000).unwrap();
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let fib = instance
            .get_typed_func::<i32, i32>(&mut store, "fib")
            .unwrap();
        fib.call(&mut store, 15).unwrap();
        1_000_000 - store.get_fuel().unwrap()
    };
    let lazy = lazy_engine(0, |c| {
        c.consume_fuel(true);
    });
    let mut config = Config::new();
    config.consume_fuel(true);
    let eager = Engine::new(&config).unwrap();
    assert_eq!(consumed(&lazy), consumed(&eager));
}

#[test]
fn epochs_interrupt_lazily_compiled_loops() {
    let engine = lazy_engine(0, |c| {
        c.epoch_interruption(true);
    });
    let module = Module::new(
        &engine,
        r#"(module
            (func $spin (loop br 0))
            (func (export "run") (call $spin)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    store.set_epoch_deadline(1);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let ticker = engine.clone();
    let handle = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        ticker.increment_epoch();
    });
    let error = run.call(&mut store, ()).unwrap_err();
    handle.join().unwrap();
    let trap = error.downcast_ref::<Trap>().expect("a trap");
    assert_eq!(trap.code(), TrapCode::Interrupt);
}

#[test]
fn background_threads_compile_the_rest() {
    let engine = lazy_engine(1, |_| {});
    let module = Module::new(&engine, PROGRAM).unwrap();
    assert_eq!(
        module.compiled_functions(),
        Some(0),
        "nothing before instantiation"
    );
    let mut store = Store::new(&engine, ());
    let _instance = Instance::new(&mut store, &module, &[]).unwrap();
    let all = 8;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while module.compiled_functions() != Some(all) {
        assert!(std::time::Instant::now() < deadline, "background stalled");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn dropping_modules_and_engines_while_the_background_compiles_is_safe() {
    // Many functions, so the background is still busy when everything is dropped.
    let mut wat = String::from("(module");
    for i in 0..2000 {
        wat.push_str(&format!(
            "(func (export \"f{i}\") (param i32) (result i32) \
             (i32.add (local.get 0) (i32.mul (local.get 0) (i32.const {i}))))"
        ));
    }
    wat.push(')');
    for _ in 0..3 {
        let engine = lazy_engine(2, |_| {});
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let f = instance
            .get_typed_func::<i32, i32>(&mut store, "f7")
            .unwrap();
        assert_eq!(f.call(&mut store, 2).unwrap(), 16);
        drop((instance, store, module, engine));
    }
}

/// A module of `count` functions `f{i}(x) = x * (i + 1) + f{i-1}(x)`, `f0(x) = x`, each
/// also reachable through a table.
fn chain_module(count: usize) -> String {
    let mut wat = String::from("(module (type $t (func (param i32) (result i32)))");
    wat.push_str(&format!("(table {count} funcref)"));
    wat.push_str("(func $f0 (export \"f0\") (param i32) (result i32) (local.get 0))");
    for i in 1..count {
        wat.push_str(&format!(
            "(func $f{i} (export \"f{i}\") (param i32) (result i32) \
             (i32.add (i32.mul (local.get 0) (i32.const {})) (call $f{} (local.get 0))))",
            i + 1,
            i - 1
        ));
    }
    wat.push_str("(elem (i32.const 0) func");
    for i in 0..count {
        wat.push_str(&format!(" $f{i}"));
    }
    wat.push_str(
        ")(func (export \"via_table\") (param i32 i32) (result i32) \
                  (call_indirect (type $t) (local.get 1) (local.get 0)))",
    );
    wat.push(')');
    wat
}

/// Runs `work(t, store, instance)` on `threads` threads at once, each with its own store
/// and instance of `module`, all released by one barrier after instantiation so their
/// first calls race; returns each thread's result.
fn race_on_threads<R: Send + 'static>(
    module: &Module,
    threads: usize,
    work: impl Fn(usize, &mut Store<()>, Instance) -> R + Send + Sync + 'static,
) -> Vec<R> {
    let barrier = Arc::new(Barrier::new(threads));
    let work = Arc::new(work);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (module, barrier, work) = (module.clone(), barrier.clone(), work.clone());
            std::thread::spawn(move || {
                let mut store = Store::new(module.engine(), ());
                let instance = Instance::new(&mut store, &module, &[]).unwrap();
                barrier.wait();
                work(t, &mut store, instance)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn first_calls_of_many_functions_from_many_threads_agree() {
    let count = 200;
    for background in [0, 1] {
        let engine = lazy_engine(background, |_| {});
        let module = Module::new(&engine, chain_module(count)).unwrap();
        race_on_threads(&module, 8, move |t, store, instance| {
            // f_i(x) = x * (1 + 2 + ... + (i + 1)) = x * (i + 1)(i + 2) / 2.
            let expected = |i: usize, x: i32| x.wrapping_mul(((i + 1) * (i + 2) / 2) as i32);
            let via_table = instance
                .get_typed_func::<(i32, i32), i32>(&mut *store, "via_table")
                .unwrap();
            // Each thread walks the functions in its own order, through exports and
            // through the table.
            for step in 0..count {
                let i = (step * (2 * t + 1) + t * 17) % count;
                let x = (t + 2) as i32;
                let f = instance
                    .get_typed_func::<i32, i32>(&mut *store, &format!("f{i}"))
                    .unwrap();
                assert_eq!(f.call(&mut *store, x).unwrap(), expected(i, x), "f{i}");
                let indirect = via_table.call(&mut *store, (i as i32, x)).unwrap();
                assert_eq!(indirect, expected(i, x), "table {i}");
            }
        });
        assert_eq!(module.compiled_functions(), Some(count + 1));
    }
}

#[test]
fn first_calls_from_many_threads_compile_once_and_agree() {
    let engine = lazy_engine(0, |_| {});
    let module = Module::new(&engine, PROGRAM).unwrap();
    let results = race_on_threads(&module, 8, |t, store, instance| {
        let fib = instance
            .get_typed_func::<i32, i32>(&mut *store, "fib")
            .unwrap();
        let indirect = instance
            .get_typed_func::<(i32, i32), i32>(&mut *store, "indirect")
            .unwrap();
        let n = 15 + (t as i32 % 3);
        let fib = fib.call(&mut *store, n).unwrap();
        (n, fib, indirect.call(&mut *store, (1, n)).unwrap())
    });
    for (n, fib, double) in results {
        let expected = [610, 987, 1597][(n - 15) as usize];
        assert_eq!((fib, double), (expected, 2 * n));
    }
    assert_eq!(module.compiled_functions(), Some(3));
}

#[test]
fn unknown_imports_as_traps_allow_a_quick_call_into_a_lazy_module() {
    let engine = lazy_engine(0, |_| {});
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "missing" (func $missing (param i32)))
            (func (export "answer") (result i32) (i32.const 42))
            (func (export "calls_missing") (call $missing (i32.const 1))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define_unknown_imports_as_traps(&module).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let answer = instance
        .get_typed_func::<(), i32>(&mut store, "answer")
        .unwrap();
    assert_eq!(answer.call(&mut store, ()).unwrap(), 42);
    let calls_missing = instance.get_func(&mut store, "calls_missing").unwrap();
    let error = calls_missing.call(&mut store, &[], &mut []).unwrap_err();
    assert!(error.to_string().contains("missing"), "{error}");
}

#[test]
fn serializing_a_lazy_module_compiles_all_of_it() {
    let engine = lazy_engine(0, |_| {});
    let module = Module::new(&engine, PROGRAM).unwrap();
    let bytes = module.serialize().unwrap();
    // SAFETY: the bytes were just made by this engine.
    let loaded = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    assert_eq!(loaded.compiled_functions(), None);
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &loaded, &[]).unwrap();
    let fib = instance
        .get_typed_func::<i32, i32>(&mut store, "fib")
        .unwrap();
    assert_eq!(fib.call(&mut store, 20).unwrap(), 6765);
}

#[test]
fn lazy_modules_run_in_pooled_instances_and_after_slot_reuse() {
    let engine = lazy_engine(1, |c| {
        let mut pooling = tarn::PoolingAllocationConfig::new();
        pooling
            .total_core_instances(2)
            .total_memories(2)
            .total_tables(2);
        c.allocation_strategy(tarn::InstanceAllocationStrategy::Pooling(pooling));
    });
    let module = Module::new(&engine, PROGRAM).unwrap();
    for round in 0..4 {
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let indirect = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, "indirect")
            .unwrap();
        assert_eq!(
            indirect.call(&mut store, (0, 10 + round)).unwrap(),
            [55, 89, 144, 233][round as usize]
        );
        assert_eq!(indirect.call(&mut store, (1, round)).unwrap(), 2 * round);
    }
}

//! Tail calls (`return_call`, `return_call_indirect`): loops written as tail recursion run
//! in constant stack, directly, through tables and across instances; traps inside a
//! tail-called function still carry a backtrace; the proposal can be switched off.

use tarn::{Config, Engine, Func, Instance, Linker, Module, Store, Trap, TrapCode};

use crate::{instantiate, instantiate_on, trap_code, typed};

/// An engine whose wasm stack is far too small for ten million frames (or even a
/// thousand), so a loop passes only if its tail calls reuse one frame.
fn small_stack_engine() -> Engine {
    let mut config = Config::new();
    config.max_wasm_stack(64 << 10);
    Engine::new(&config).unwrap()
}

const COUNTDOWN: &str = r#"(module
  (type $step (func (param i64 i64) (result i64)))
  (table 2 funcref)
  (elem (i32.const 0) $even $odd)
  ;; Counts `n` down to zero by calling itself, adding one to `acc` each time.
  (func $loop (export "loop") (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $loop (i64.sub (local.get $n) (i64.const 1))
                               (i64.add (local.get $acc) (i64.const 1))))))
  ;; Mutual recursion through the table: even(n) = odd(n - 1), odd(n) = even(n - 1).
  (func $even (export "even") (type $step) (param $n i64) (param $depth i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 1))
      (else (return_call_indirect (type $step)
              (i64.sub (local.get $n) (i64.const 1)) (local.get $depth) (i32.const 1)))))
  (func $odd (type $step) (param $n i64) (param $depth i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 0))
      (else (return_call_indirect (type $step)
              (i64.sub (local.get $n) (i64.const 1)) (local.get $depth) (i32.const 0)))))
  ;; A plain recursion of the same depth, to show the stack really is small.
  (func $deep (export "deep") (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 0))
      (else (i64.add (i64.const 1) (call $deep (i64.sub (local.get $n) (i64.const 1))))))))"#;

#[test]
fn self_tail_recursion_runs_ten_million_times_in_constant_stack() {
    crate::with_watchdog(|| {
        let (mut store, instance) = instantiate_on(&small_stack_engine(), COUNTDOWN);
        let count = typed::<(i64, i64), i64>(&mut store, &instance, "loop");
        assert_eq!(count.call(&mut store, (10_000_000, 0)).unwrap(), 10_000_000);
        // The same depth as ordinary calls overflows this stack.
        let deep = typed::<i64, i64>(&mut store, &instance, "deep");
        let error = deep.call(&mut store, 100_000).unwrap_err();
        assert_eq!(trap_code(&error), Some(TrapCode::StackOverflow), "{error}");
    });
}

#[test]
fn mutual_tail_recursion_through_a_table_runs_in_constant_stack() {
    crate::with_watchdog(|| {
        let (mut store, instance) = instantiate_on(&small_stack_engine(), COUNTDOWN);
        let even = typed::<(i64, i64), i64>(&mut store, &instance, "even");
        assert_eq!(even.call(&mut store, (10_000_000, 0)).unwrap(), 1);
        assert_eq!(even.call(&mut store, (1_000_001, 0)).unwrap(), 0);
    });
}

#[test]
fn tail_calls_between_instances_run_in_constant_stack() {
    crate::with_watchdog(|| {
        let engine = small_stack_engine();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        // `ping` lives in one instance and `pong` in another; each tail-calls the other,
        // `ping` through its import and `pong` through a table `ping`'s module filled.
        let pong = Module::new(
            &engine,
            r#"(module
              (type $step (func (param i64) (result i64)))
              (table (export "table") 1 funcref)
              (func (export "pong") (param $n i64) (result i64)
                (if (result i64) (i64.eqz (local.get $n))
                  (then (i64.const 42))
                  (else (return_call_indirect (type $step)
                          (i64.sub (local.get $n) (i64.const 1)) (i32.const 0))))))"#,
        )
        .unwrap();
        let pong = linker.instantiate(&mut store, &pong).unwrap();
        linker.instance(&mut store, "pong", pong).unwrap();
        let ping = Module::new(
            &engine,
            r#"(module
              (import "pong" "pong" (func $pong (param i64) (result i64)))
              (import "pong" "table" (table 1 funcref))
              (elem (i32.const 0) $ping)
              (func $ping (export "ping") (param $n i64) (result i64)
                (return_call $pong (local.get $n))))"#,
        )
        .unwrap();
        let ping = linker.instantiate(&mut store, &ping).unwrap();
        let ping = typed::<i64, i64>(&mut store, &ping, "ping");
        assert_eq!(ping.call(&mut store, 2_000_000).unwrap(), 42);
    });
}

#[test]
fn a_tail_call_to_a_host_function_returns_its_results() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let double = Func::wrap(&mut store, |x: i32| x.wrapping_mul(2));
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "double" (func $double (param i32) (result i32)))
          (func (export "f") (param i32) (result i32)
            (return_call $double (i32.add (local.get 0) (i32.const 1)))))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[double.into()]).unwrap();
    let f = typed::<i32, i32>(&mut store, &instance, "f");
    assert_eq!(f.call(&mut store, 20).unwrap(), 42);
}

#[test]
fn a_trap_in_a_tail_called_function_has_a_backtrace() {
    let (mut store, instance) = instantiate(
        r#"(module $tails
          (type $t (func (param i32) (result i32)))
          (table 1 funcref)
          (elem (i32.const 0) $boom)
          (func $boom (type $t) (param i32) (result i32) unreachable)
          (func $via_table (param i32) (result i32)
            (return_call_indirect (type $t) (local.get 0) (i32.const 0)))
          (func (export "entry") (param i32) (result i32)
            (i32.add (i32.const 1) (call $via_table (local.get 0))))
          (func (export "bad_type") (result i32)
            (return_call_indirect (result i32) (i32.const 0)))
          (func (export "out_of_bounds") (param i32) (result i32)
            (return_call_indirect (type $t) (local.get 0) (i32.const 7))))"#,
    );
    let entry = typed::<i32, i32>(&mut store, &instance, "entry");
    let error = entry.call(&mut store, 1).unwrap_err();
    let trap = error.downcast_ref::<Trap>().expect("a trap");
    assert_eq!(trap.code(), TrapCode::UnreachableCodeReached);
    // `via_table` replaced its frame with `boom`'s: the trap is in `boom`, called from
    // `entry`.
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names.first().map(String::as_str), Some("boom"), "{trap}");
    assert_eq!(trap.backtrace().len(), 2, "{trap}");
    // The callee checks of `return_call_indirect` happen before the frame goes.
    let bad_type = typed::<(), i32>(&mut store, &instance, "bad_type");
    let error = bad_type.call(&mut store, ()).unwrap_err();
    assert_eq!(trap_code(&error), Some(TrapCode::BadSignature), "{error}");
    let oob = typed::<i32, i32>(&mut store, &instance, "out_of_bounds");
    let error = oob.call(&mut store, 0).unwrap_err();
    assert_eq!(
        trap_code(&error),
        Some(TrapCode::UndefinedElement),
        "{error}"
    );
}

#[test]
fn switching_tail_calls_off_rejects_them_by_name() {
    let mut config = Config::new();
    config.wasm_tail_call(false);
    let engine = Engine::new(&config).unwrap();
    let error =
        Module::new(&engine, "(module (func $f (result i32) (return_call $f)))").unwrap_err();
    assert!(error.to_string().contains("tail call"), "{error}");
}

//! Exception handling through the API: uncaught exceptions come back as
//! `ThrownException` with their tag and payload, wasm catches exceptions thrown across
//! instances and by host functions, traps are never caught, and the store stays usable.

use tarn::{
    Caller, Config, Engine, ExnRef, Extern, Func, FuncType, Instance, Linker, Module, Store, Tag,
    TagType, ThrownException, TrapCode, Val, ValType,
};

use crate::{assert_error, instantiate, trap_code, typed};

const THROWER: &str = r#"(module
  (tag $pair (export "pair") (param i32 f64))
  (tag $empty (export "empty"))
  (func (export "throw-pair") (param i32 f64)
    (throw $pair (local.get 0) (local.get 1)))
  ;; Throws `n` frames down: the exception unwinds through every one of them.
  (func $deep (export "deep") (param $n i32) (result i32)
    (if (i32.eqz (local.get $n)) (then (throw $pair (i32.const 7) (f64.const 0.5))))
    (i32.add (call $deep (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))
  ;; Catches `deep`'s exception ten frames up and returns its i32.
  (func (export "catch-deep") (result i32)
    (block $caught (result i32 f64)
      (try_table (result i32) (catch $pair $caught)
        (call $deep (i32.const 10)))
      (return))
    (drop))
  ;; A try_table that never throws: its calls return normally.
  (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "no-throw") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h)
        (return (call $add (local.get 0) (i32.const 1)))))
    (i32.const -1))
  ;; Each frame catches everything, counts, and rethrows with throw_ref.
  (global $seen (mut i32) (i32.const 0))
  (func $rethrowing (param $n i32)
    (if (i32.eqz (local.get $n)) (then (throw $empty)))
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (call $rethrowing (i32.sub (local.get $n) (i32.const 1))))
      (return))
    (global.set $seen (i32.add (global.get $seen) (i32.const 1)))
    (throw_ref))
  (func (export "rethrow-chain") (param i32) (result i32)
    (block $h
      (try_table (catch $empty $h) (call $rethrowing (local.get 0))))
    (global.get $seen))
  ;; Throws and catches `n` exceptions, none of which anything keeps.
  (func (export "throw-catch-loop") (param $n i32)
    (loop $next
      (block $h (result i32 f64)
        (try_table (catch $pair $h) (throw $pair (local.get $n) (f64.const 0)))
        (return))
      (drop)
      (drop)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $next (local.get $n))))
  ;; Keeps one exception in a global, and throws it again later.
  (global $kept (mut exnref) (ref.null exn))
  (func (export "keep") (param i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $pair (local.get 0) (f64.const 3)))
      (return))
    (global.set $kept))
  (func (export "throw-kept") (throw_ref (global.get $kept)))
  ;; A trap passes through catch_all.
  (func (export "trap-in-try") (result i32)
    (block $h
      (try_table (catch_all $h) (unreachable)))
    (i32.const 1)))"#;

#[test]
fn an_uncaught_exception_reaches_the_host_with_its_tag_and_payload() {
    let (mut store, instance) = instantiate(THROWER);
    let throw = typed::<(i32, f64), ()>(&mut store, &instance, "throw-pair");
    let error = throw.call(&mut store, (42, 2.5)).unwrap_err();
    let thrown = error
        .downcast_ref::<ThrownException>()
        .unwrap_or_else(|| panic!("not an exception: {error}"));
    let exn = thrown.exception();
    let pair = instance.get_tag(&mut store, "pair").unwrap();
    let tag = exn.tag(&mut store).unwrap();
    assert!(Tag::same(&tag, &pair, &store));
    let empty = instance.get_tag(&mut store, "empty").unwrap();
    assert!(!Tag::same(&tag, &empty, &store));
    let payload = exn.payload(&mut store).unwrap();
    assert_eq!(payload[0].i32(), Some(42));
    assert_eq!(payload[1].f64(), Some(2.5));
    assert_eq!(pair.ty(&store), TagType::new([ValType::I32, ValType::F64]));
    // The store is still usable, many times over.
    for i in 0..2_000 {
        assert!(throw.call(&mut store, (i, 0.0)).is_err());
    }
    let no_throw = typed::<i32, i32>(&mut store, &instance, "no-throw");
    assert_eq!(no_throw.call(&mut store, 41).unwrap(), 42);
}

#[test]
fn exceptions_unwind_through_frames_and_rethrow() {
    let (mut store, instance) = instantiate(THROWER);
    let catch_deep = typed::<(), i32>(&mut store, &instance, "catch-deep");
    assert_eq!(catch_deep.call(&mut store, ()).unwrap(), 7);
    let chain = typed::<i32, i32>(&mut store, &instance, "rethrow-chain");
    assert_eq!(chain.call(&mut store, 100).unwrap(), 100);
    // Deep enough that a handler found in the wrong frame would corrupt the stack.
    assert_eq!(chain.call(&mut store, 5_000).unwrap(), 5_100);
}

#[test]
fn exceptions_nothing_refers_to_are_freed() {
    let (mut store, instance) = instantiate(THROWER);
    let throw = typed::<(i32, f64), ()>(&mut store, &instance, "throw-pair");
    let held = throw.call(&mut store, (11, 0.0)).unwrap_err();
    let held = held
        .downcast_ref::<ThrownException>()
        .unwrap()
        .exception()
        .clone();
    let keep = typed::<i32, ()>(&mut store, &instance, "keep");
    keep.call(&mut store, 22).unwrap();
    let r#loop = typed::<i32, ()>(&mut store, &instance, "throw-catch-loop");
    // Inside one call, each caught exception is freed at once.
    r#loop.call(&mut store, 100_000).unwrap();
    assert!(store.exception_count() <= 2, "{}", store.exception_count());
    for _ in 0..100 {
        r#loop.call(&mut store, 1_000).unwrap();
    }
    // 100,000 exceptions were thrown; only a bounded number is ever held.
    assert!(
        store.exception_count() <= 4_096,
        "{} exceptions held",
        store.exception_count()
    );
    // The one the host holds and the one in the global survived every collection.
    assert_eq!(held.payload(&mut store).unwrap()[0].i32(), Some(11));
    let throw_kept = typed::<(), ()>(&mut store, &instance, "throw-kept");
    let kept = throw_kept.call(&mut store, ()).unwrap_err();
    let kept = kept.downcast_ref::<ThrownException>().unwrap().exception();
    assert_eq!(kept.payload(&mut store).unwrap()[0].i32(), Some(22));
}

/// A callee with twenty `i64` parameters takes most of them on the stack; when it throws,
/// the handler must find the caller's stack exactly as the `try_call` left it, so the
/// loop around it keeps its state and later calls still work.
const STACK_ARGS: &str = r#"(module
  (tag $e (param i64))
  (func $takes (param PARAMS) (result i64)
    (if (i64.eq (local.get 19) (i64.const 7))
      (then (throw $e (i64.add (local.get 0) (local.get 19)))))
    (i64.add (local.get 0) (local.get 19)))
  (func (export "run") (param $n i64) (result i64)
    (local $i i64) (local $sum i64)
    (loop $next
      (block $h (result i64)
        (local.set $sum (i64.add (local.get $sum)
          (try_table (result i64) (catch $e $h)
            (call $takes (local.get $i) (i64.const 1) (i64.const 2) (i64.const 3)
              (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8)
              (i64.const 9) (i64.const 10) (i64.const 11) (i64.const 12) (i64.const 13)
              (i64.const 14) (i64.const 15) (i64.const 16) (i64.const 17) (i64.const 18)
              (i64.rem_u (local.get $i) (i64.const 8))))))
        (i64.const 0))
      (local.set $sum (i64.add (local.get $sum)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $sum)))"#;

#[test]
fn handlers_restore_the_stack_of_calls_with_stack_arguments() {
    let wat = STACK_ARGS.replace(
        "PARAMS",
        "i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64",
    );
    let (mut store, instance) = instantiate(&wat);
    let run = typed::<i64, i64>(&mut store, &instance, "run");
    // Every iteration adds i + i % 8, whether returned or thrown.
    let expected: i64 = (0..1_000).map(|i| i + i % 8).sum();
    for _ in 0..3 {
        assert_eq!(run.call(&mut store, 1_000).unwrap(), expected);
    }
}

#[test]
fn traps_are_not_exceptions() {
    let (mut store, instance) = instantiate(THROWER);
    let trap = typed::<(), i32>(&mut store, &instance, "trap-in-try");
    let error = trap.call(&mut store, ()).unwrap_err();
    assert_eq!(trap_code(&error), Some(TrapCode::UnreachableCodeReached));
}

#[test]
fn exceptions_cross_instances_through_imported_tags() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let thrower = Instance::new(&mut store, &Module::new(&engine, THROWER).unwrap(), &[]).unwrap();
    let mut linker = Linker::new(&engine);
    linker.instance(&mut store, "thrower", thrower).unwrap();
    let catcher = Module::new(
        &engine,
        r#"(module
          (tag $pair (import "thrower" "pair") (param i32 f64))
          (func $throw (import "thrower" "throw-pair") (param i32 f64))
          (func (export "catch") (param i32) (result i32)
            (block $h (result i32 f64)
              (try_table (catch $pair $h) (call $throw (local.get 0) (f64.const 1)))
              (return (i32.const -1)))
            (drop)))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &catcher).unwrap();
    let catch = typed::<i32, i32>(&mut store, &instance, "catch");
    assert_eq!(catch.call(&mut store, 9).unwrap(), 9);
}

const CALLS_HOST: &str = r#"(module
  (tag $e (import "host" "tag") (param i32))
  (func $host (import "host" "throw") (param i32))
  (func (export "catch-host") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $host (local.get 0)))
      (return (i32.const -1))))
  (func (export "uncaught") (param i32) (call $host (local.get 0))))"#;

#[test]
fn host_functions_throw_into_wasm() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let tag = Tag::new(&mut store, &TagType::new([ValType::I32])).unwrap();
    let throw = Func::new(
        &mut store,
        FuncType::new([ValType::I32], []),
        move |mut caller: Caller<'_, ()>, params: &[Val], _: &mut [Val]| {
            let exn = ExnRef::new(&mut caller, &tag, &[Val::I32(params[0].i32().unwrap() * 2)])?;
            Err(ThrownException::new(exn).into())
        },
    );
    let module = Module::new(&engine, CALLS_HOST).unwrap();
    let imports = [Extern::Tag(tag), Extern::Func(throw)];
    let instance = Instance::new(&mut store, &module, &imports).unwrap();
    let catch = typed::<i32, i32>(&mut store, &instance, "catch-host");
    assert_eq!(catch.call(&mut store, 21).unwrap(), 42);
    // Uncaught, it reaches the host that called wasm.
    let uncaught = typed::<i32, ()>(&mut store, &instance, "uncaught");
    let error = uncaught.call(&mut store, 5).unwrap_err();
    let exn = error.downcast_ref::<ThrownException>().unwrap().exception();
    assert_eq!(exn.payload(&mut store).unwrap()[0].i32(), Some(10));
    // A payload of the wrong type is refused before anything is thrown.
    assert_error(
        ExnRef::new(&mut store, &tag, &[Val::I64(1)]),
        "exception payload value 0 has type i64",
    );
}

#[test]
fn an_exception_passes_through_a_host_function_that_returns_it() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let thrower = Instance::new(&mut store, &Module::new(&engine, THROWER).unwrap(), &[]).unwrap();
    let throw_pair = thrower.get_func(&mut store, "throw-pair").unwrap();
    // The host calls wasm, which throws; the host returns the error unchanged, and the
    // outer wasm catches it.
    let relay = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>, x: i32| -> tarn::Result<()> {
            throw_pair.call(&mut caller, &[Val::I32(x), Val::F64(0)], &mut [])
        },
    );
    let pair = thrower.get_tag(&mut store, "pair").unwrap();
    let module = Module::new(
        &engine,
        r#"(module
          (tag $pair (import "t" "pair") (param i32 f64))
          (func $relay (import "t" "relay") (param i32))
          (func (export "run") (param i32) (result i32)
            (block $h (result i32 f64)
              (try_table (catch $pair $h) (call $relay (local.get 0)))
              (return (i32.const -1)))
            (drop)))"#,
    )
    .unwrap();
    let instance = Instance::new(
        &mut store,
        &module,
        &[Extern::Tag(pair), Extern::Func(relay)],
    )
    .unwrap();
    let run = typed::<i32, i32>(&mut store, &instance, "run");
    assert_eq!(run.call(&mut store, 77).unwrap(), 77);
}

/// Legacy exception handling, in the flat syntax: a `try` that catches an exception a
/// `try_table` module throws, `rethrow` from a `catch_all`, and `delegate` to the caller.
const LEGACY: &str = r#"(module
  (tag $pair (import "thrower" "pair") (param i32 f64))
  (func $throw (import "thrower" "throw-pair") (param i32 f64))
  (func (export "catch") (param i32) (result i32)
    try (result i32)
      (call $throw (local.get 0) (f64.const 1))
      (i32.const -1)
    catch $pair
      drop
    catch_all
      (i32.const -2)
    end)
  (func (export "rethrow") (param i32) (result i32)
    try (result i32)
      try
        (call $throw (local.get 0) (f64.const 2))
      catch_all
        rethrow 0
      end
      (i32.const -1)
    catch $pair
      drop
      (i32.const 1)
      i32.add
    end)
  (func (export "catch-loop") (param $n i32)
    loop $next
      try
        (call $throw (local.get $n) (f64.const 4))
      catch $pair
        drop
        drop
      end
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $next (local.get $n))
    end)
  (func (export "delegate") (param i32)
    try
      (call $throw (local.get 0) (f64.const 3))
    delegate 0))"#;

#[test]
fn legacy_try_catch_rethrow_and_delegate() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let thrower = Instance::new(&mut store, &Module::new(&engine, THROWER).unwrap(), &[]).unwrap();
    let mut linker = Linker::new(&engine);
    linker.instance(&mut store, "thrower", thrower).unwrap();
    let instance = linker
        .instantiate(&mut store, &Module::new(&engine, LEGACY).unwrap())
        .unwrap();
    let catch = typed::<i32, i32>(&mut store, &instance, "catch");
    assert_eq!(catch.call(&mut store, 5).unwrap(), 5);
    let rethrow = typed::<i32, i32>(&mut store, &instance, "rethrow");
    assert_eq!(rethrow.call(&mut store, 5).unwrap(), 6);
    // Legacy catch clauses that end normally free what they caught, inside one call.
    let before = store.exception_count();
    let loop_legacy = typed::<i32, ()>(&mut store, &instance, "catch-loop");
    loop_legacy.call(&mut store, 50_000).unwrap();
    assert!(
        store.exception_count() <= before + 2,
        "{}",
        store.exception_count()
    );
    let delegate = typed::<i32, ()>(&mut store, &instance, "delegate");
    let error = delegate.call(&mut store, 8).unwrap_err();
    let exn = error.downcast_ref::<ThrownException>().unwrap().exception();
    assert_eq!(exn.payload(&mut store).unwrap()[1].f64(), Some(3.0));
    let mut config = Config::new();
    config.wasm_proposal("legacy-exceptions", false).unwrap();
    let engine = Engine::new(&config).unwrap();
    assert_error(
        Module::new(&engine, LEGACY).map(|_| ()),
        "legacy_exceptions feature required",
    );
}

#[test]
fn the_proposal_can_be_switched_off() {
    let mut config = Config::new();
    config.wasm_proposal("exceptions", false).unwrap();
    let engine = Engine::new(&config).unwrap();
    assert_error(Module::new(&engine, THROWER).map(|_| ()), "exceptions");
}

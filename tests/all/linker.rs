//! The linker: imports of every kind, and clear errors for unknown and incompatible ones.

use tarn::{
    Engine, Extern, Func, Global, GlobalType, Linker, Memory, MemoryType, Module, Mutability,
    RefType, Store, Table, TableType, Val, ValType,
};

use crate::assert_error;

const IMPORTER: &str = r#"(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "g" (global $g (mut i32)))
  (import "env" "mem" (memory 1))
  (import "env" "tab" (table 2 funcref))
  (func (export "run") (result i32)
    (i32.store (i32.const 0) (i32.const 40))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (call $add (i32.load (i32.const 0)) (global.get $g))))"#;

#[test]
fn imports_of_every_kind_resolve() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("env", "add", |a: i32, b: i32| a + b)
        .unwrap();
    let (g, mem) = define_non_function_imports(&mut linker, &mut store);
    let module = Module::new(&engine, IMPORTER).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 42);
    assert_eq!(g.get(&mut store).i32(), Some(2));
    let mut word = [0; 4];
    mem.read(&store, 0, &mut word).unwrap();
    assert_eq!(i32::from_le_bytes(word), 40);
}

/// Defines `env.g`, `env.mem` and `env.tab` as `IMPORTER` needs them.
fn define_non_function_imports(linker: &mut Linker<()>, store: &mut Store<()>) -> (Global, Memory) {
    let g = Global::new(
        &mut *store,
        GlobalType::new(ValType::I32, Mutability::Var),
        Val::I32(1),
    )
    .unwrap();
    let mem = Memory::new(&mut *store, MemoryType::new(1, None)).unwrap();
    let tab = Table::new(
        &mut *store,
        TableType::new(RefType::FUNCREF, 2, None),
        Val::FuncRef(None),
    )
    .unwrap();
    linker.define(&*store, "env", "g", g).unwrap();
    linker.define(&*store, "env", "mem", mem).unwrap();
    linker.define(&*store, "env", "tab", tab).unwrap();
    (g, mem)
}

#[test]
fn instances_link_to_each_other_by_name() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let exporter = Module::new(
        &engine,
        r#"(module (func (export "seven") (result i32) i32.const 7)
                   (memory (export "mem") 1) (data (i32.const 3) "\2a"))"#,
    )
    .unwrap();
    let first = linker.instantiate(&mut store, &exporter).unwrap();
    linker.instance(&mut store, "first", first).unwrap();
    let importer = Module::new(
        &engine,
        r#"(module (import "first" "seven" (func $seven (result i32)))
                   (import "first" "mem" (memory 1))
                   (func (export "sum") (result i32)
                     (i32.add (call $seven) (i32.load8_u (i32.const 3)))))"#,
    )
    .unwrap();
    let second = linker.instantiate(&mut store, &importer).unwrap();
    let sum = second.get_typed_func::<(), i32>(&mut store, "sum").unwrap();
    assert_eq!(sum.call(&mut store, ()).unwrap(), 49);
}

#[test]
fn an_unknown_import_names_module_and_field() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let linker = Linker::<()>::new(&engine);
    let module = Module::new(&engine, IMPORTER).unwrap();
    let error = linker.instantiate(&mut store, &module).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("unknown import"), "{message}");
    assert!(
        message.contains("env") && message.contains("add"),
        "{message}"
    );
}

#[test]
fn an_incompatible_import_names_both_types() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "add", |a: i64| a).unwrap();
    define_non_function_imports(&mut linker, &mut store);
    let module = Module::new(&engine, IMPORTER).unwrap();
    let message = linker
        .instantiate(&mut store, &module)
        .unwrap_err()
        .to_string();
    assert!(message.contains("incompatible import type"), "{message}");
    assert!(
        message.contains("env") && message.contains("add"),
        "{message}"
    );
    assert!(
        message.contains("(param i32 i32) (result i32)"),
        "{message}"
    );
    assert!(message.contains("(param i64) (result i64)"), "{message}");
}

#[test]
fn defining_a_name_twice_is_an_error_unless_shadowing_is_allowed() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let first = Func::wrap(&mut store, || 1i32);
    let later = Func::wrap(&mut store, || 2i32);
    linker.define(&store, "m", "f", first).unwrap();
    assert_error(linker.define(&store, "m", "f", later).map(drop), "m::f");
    linker.allow_shadowing(true);
    linker.define(&store, "m", "f", later).unwrap();
    // The later definition wins, for `get` and for instantiation alike.
    let got = linker
        .get(&mut store, "m", "f")
        .and_then(Extern::into_func)
        .unwrap();
    assert_eq!(
        got.typed::<(), i32>(&store)
            .unwrap()
            .call(&mut store, ())
            .unwrap(),
        2
    );
    let module = Module::new(
        &engine,
        r#"(module (import "m" "f" (func $f (result i32)))
             (func (export "g") (result i32) (call $f)))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let g = instance.get_typed_func::<(), i32>(&mut store, "g").unwrap();
    assert_eq!(g.call(&mut store, ()).unwrap(), 2);
}

#[test]
fn handles_from_another_store_are_rejected() {
    let engine = Engine::default();
    let mut store_a = Store::new(&engine, ());
    let mut store_b = Store::new(&engine, ());
    let f = Func::wrap(&mut store_a, || 1i32);
    let mut results = [Val::I32(0)];
    let error = f.call(&mut store_b, &[], &mut results).unwrap_err();
    assert!(error.to_string().contains("store"), "{error}");
}

#[test]
fn a_linker_host_function_is_one_func_per_store() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("m", "f", || 3i32).unwrap();
    let first = linker
        .get(&mut store, "m", "f")
        .unwrap()
        .into_func()
        .unwrap();
    let second = linker
        .get(&mut store, "m", "f")
        .unwrap()
        .into_func()
        .unwrap();
    assert_eq!(first, second);
    let mut other = Store::new(&engine, ());
    let elsewhere = linker
        .get(&mut other, "m", "f")
        .unwrap()
        .into_func()
        .unwrap();
    assert_eq!(
        elsewhere
            .typed::<(), i32>(&other)
            .unwrap()
            .call(&mut other, ())
            .unwrap(),
        3
    );
    assert_error(first.typed::<(), i32>(&other), "store");
}

#[test]
fn an_instance_pre_resolves_once_and_instantiates_in_any_store() {
    let engine = Engine::default();
    let mut linker = Linker::<i32>::new(&engine);
    linker
        .func_wrap("host", "bump", |mut caller: tarn::Caller<'_, i32>| {
            *caller.data_mut() += 1;
            *caller.data()
        })
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "bump" (func $bump (result i32)))
             (func (export "twice") (result i32) (drop (call $bump)) (call $bump)))"#,
    )
    .unwrap();
    let pre = linker.instantiate_pre(&module).unwrap();
    for start in [0, 40] {
        let mut store = Store::new(&engine, start);
        let instance = pre.clone().instantiate(&mut store).unwrap();
        let twice = instance
            .get_typed_func::<(), i32>(&mut store, "twice")
            .unwrap();
        assert_eq!(twice.call(&mut store, ()).unwrap(), start + 2);
    }
    let unknown = Module::new(&engine, r#"(module (import "host" "nope" (func)))"#).unwrap();
    assert_error(
        linker.instantiate_pre(&unknown).map(drop),
        "unknown import: `host::nope`",
    );
}

#[test]
fn unknown_function_imports_can_be_defined_as_traps() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "known" (func $known (result i32)))
            (import "env" "missing" (func $missing (param i64) (result f32)))
            (func (export "uses_known") (result i32) (call $known))
            (func (export "uses_missing") (result f32) (call $missing (i64.const 1)))
            (func (export "plain") (result i32) (i32.const 7)))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "known", || 42i32).unwrap();
    linker.define_unknown_imports_as_traps(&module).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let plain = instance
        .get_typed_func::<(), i32>(&mut store, "plain")
        .unwrap();
    assert_eq!(plain.call(&mut store, ()).unwrap(), 7);
    let known = instance
        .get_typed_func::<(), i32>(&mut store, "uses_known")
        .unwrap();
    assert_eq!(
        known.call(&mut store, ()).unwrap(),
        42,
        "a defined import is kept"
    );
    let missing = instance
        .get_typed_func::<(), f32>(&mut store, "uses_missing")
        .unwrap();
    let error = missing.call(&mut store, ()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("unknown import: `env::missing` has not been defined"),
        "{error}"
    );
    // Imports of other kinds stay undefined, and instantiation names them.
    let memory = Module::new(&engine, r#"(module (import "env" "memory" (memory 1)))"#).unwrap();
    linker.define_unknown_imports_as_traps(&memory).unwrap();
    let error = linker.instantiate(&mut store, &memory).unwrap_err();
    assert!(error.to_string().contains("env"), "{error}");
}

//! Properties of value conversions: every `i32`, `i64`, `f32` and `f64` bit pattern,
//! NaN payloads included, survives the trip from the host into wasm and back, through a
//! global and through a host function that wasm calls.

use std::cell::RefCell;

use proptest::prelude::*;
use tarn::{Engine, Global, GlobalType, Instance, Linker, Module, Mutability, Store, Val, ValType};

/// Any numeric value, floats as arbitrary bits.
fn numeric_value() -> impl Strategy<Value = Val> {
    prop_oneof![
        any::<i32>().prop_map(Val::I32),
        any::<i64>().prop_map(Val::I64),
        any::<u32>().prop_map(Val::F32),
        any::<u64>().prop_map(Val::F64),
    ]
}

/// The value's type and bits, which is how two `Val`s are compared: `Val` itself has
/// no `PartialEq` because references cannot be compared without a store.
fn bits(value: &Val) -> (ValType, u64) {
    match *value {
        Val::I32(v) => (ValType::I32, u64::from(v as u32)),
        Val::I64(v) => (ValType::I64, v as u64),
        Val::F32(v) => (ValType::F32, u64::from(v)),
        Val::F64(v) => (ValType::F64, v),
        ref other => panic!("not a numeric value: {other:?}"),
    }
}

const ROUND_TRIP_WAT: &str = r#"
    (module
      (import "host" "i32" (func $i32 (param i32) (result i32)))
      (import "host" "i64" (func $i64 (param i64) (result i64)))
      (import "host" "f32" (func $f32 (param f32) (result f32)))
      (import "host" "f64" (func $f64 (param f64) (result f64)))
      (func (export "i32") (param i32) (result i32) local.get 0 call $i32)
      (func (export "i64") (param i64) (result i64) local.get 0 call $i64)
      (func (export "f32") (param f32) (result f32) local.get 0 call $f32)
      (func (export "f64") (param f64) (result f64) local.get 0 call $f64))
"#;

#[test]
fn every_value_survives_a_host_global_round_trip() {
    let engine = Engine::default();
    // proptest's closure is `Fn`, so the store it mutates sits in a `RefCell`.
    let store = RefCell::new(Store::new(&engine, ()));
    proptest!(|(value in numeric_value(), update in numeric_value())| {
        let mut store = store.borrow_mut();
        let ty = GlobalType::new(value.ty(), Mutability::Var);
        let global = Global::new(&mut *store, ty, value.clone()).unwrap();
        prop_assert_eq!(bits(&global.get(&mut *store)), bits(&value));
        if update.ty() == value.ty() {
            global.set(&mut *store, update.clone()).unwrap();
            prop_assert_eq!(bits(&global.get(&mut *store)), bits(&update));
        }
    });
}

#[test]
fn every_value_survives_a_call_through_wasm_into_a_host_function() {
    let engine = Engine::default();
    let module = Module::new(&engine, ROUND_TRIP_WAT).unwrap();
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "i32", |x: i32| x).unwrap();
    linker.func_wrap("host", "i64", |x: i64| x).unwrap();
    linker.func_wrap("host", "f32", |x: f32| x).unwrap();
    linker.func_wrap("host", "f64", |x: f64| x).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let store = RefCell::new(store);
    proptest!(|(value in numeric_value())| {
        let mut store = store.borrow_mut();
        let name = match value.ty() {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            _ => "f64",
        };
        let func = instance.get_func(&mut *store, name).unwrap();
        let mut results = [Val::I32(0)];
        func.call(&mut *store, std::slice::from_ref(&value), &mut results).unwrap();
        prop_assert_eq!(bits(&results[0]), bits(&value));
    });
}

#[test]
fn every_value_written_by_wasm_reads_back_through_an_exported_global() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (global (export "g") (mut f64) (f64.const 0))
             (func (export "set") (param i64) local.get 0 f64.reinterpret_i64 global.set 0))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let set = instance
        .get_typed_func::<i64, ()>(&mut store, "set")
        .unwrap();
    let global = instance.get_global(&mut store, "g").unwrap();
    let store = RefCell::new(store);
    proptest!(|(bits in any::<u64>())| {
        let mut store = store.borrow_mut();
        set.call(&mut *store, bits as i64).unwrap();
        prop_assert_eq!(global.get(&mut *store).f64().map(f64::to_bits), Some(bits));
    });
}

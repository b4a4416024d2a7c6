//! Every trap code reachable from Wasm 2.0 code, each with its wasm backtrace.

use tarn::{Engine, Error, Instance, Module, Store, Trap, TrapCode, Val};

const TRAPS: &str = r#"
(module $traps
  (type $v (func))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $unreachable)
  (func $unreachable (export "unreachable") unreachable)
  (func (export "nested") call $unreachable)
  (func (export "load_oob") (drop (i32.load (i32.const 65535))))
  (func (export "store_oob") (i64.store (i32.const 65530) (i64.const 1)))
  (func (export "div_zero") (drop (i32.div_s (i32.const 1) (i32.const 0))))
  (func (export "rem_zero") (drop (i64.rem_u (i64.const 1) (i64.const 0))))
  (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
  (func (export "bad_trunc") (drop (i32.trunc_f32_s (f32.const nan))))
  (func (export "big_trunc") (drop (i64.trunc_f64_u (f64.const -1))))
  (func (export "undefined_element") (call_indirect (type $v) (i32.const 5)))
  (func (export "null_element") (call_indirect (type $v) (i32.const 1)))
  (func (export "bad_signature") (drop (call_indirect (param) (result i32) (i32.const 0))))
  (func (export "table_oob") (drop (table.get 0 (i32.const 2))))
  (func (export "memory_fill_oob") (memory.fill (i32.const 65000) (i32.const 0) (i32.const 1000)))
  (func (export "table_fill_oob") (table.fill 0 (i32.const 1) (ref.null func) (i32.const 2)))
)"#;

fn call_export(store: &mut Store<()>, instance: Instance, name: &str) -> Error {
    let func = instance.get_func(&mut *store, name).expect("export exists");
    func.call(&mut *store, &[], &mut [])
        .expect_err("the export traps")
}

#[test]
fn every_trap_code_is_reported_with_its_message() {
    let (mut store, instance) = crate::instantiate(TRAPS);
    let cases = [
        ("unreachable", TrapCode::UnreachableCodeReached),
        ("load_oob", TrapCode::MemoryOutOfBounds),
        ("store_oob", TrapCode::MemoryOutOfBounds),
        ("div_zero", TrapCode::IntegerDivisionByZero),
        ("rem_zero", TrapCode::IntegerDivisionByZero),
        ("overflow", TrapCode::IntegerOverflow),
        ("bad_trunc", TrapCode::BadConversionToInteger),
        ("big_trunc", TrapCode::IntegerOverflow),
        ("undefined_element", TrapCode::UndefinedElement),
        ("null_element", TrapCode::UninitializedElement),
        ("bad_signature", TrapCode::BadSignature),
        ("table_oob", TrapCode::TableOutOfBounds),
        ("memory_fill_oob", TrapCode::MemoryOutOfBounds),
        ("table_fill_oob", TrapCode::TableOutOfBounds),
    ];
    for (name, code) in cases {
        let error = call_export(&mut store, instance, name);
        let trap = error
            .downcast_ref::<Trap>()
            .unwrap_or_else(|| panic!("{name}: not a trap: {error}"));
        assert_eq!(trap.code(), code, "{name}");
        assert!(
            error.to_string().contains(code.message()),
            "{name}: {error}"
        );
    }
}

#[test]
fn a_trap_carries_a_backtrace_with_names_and_offsets() {
    let (mut store, instance) = crate::instantiate(TRAPS);
    let error = call_export(&mut store, instance, "nested");
    let trap = error.downcast_ref::<Trap>().unwrap();
    let frames = trap.backtrace();
    assert_eq!(frames.len(), 2, "{trap}");
    assert_eq!(frames[0].func_name.as_deref(), Some("unreachable"));
    assert_eq!(frames[0].module_name.as_deref(), Some("traps"));
    assert_eq!(frames[1].func_index, 1);
    assert!(frames.iter().all(|f| f.module_offset.is_some()), "{trap}");
    assert!(error.to_string().contains("traps!unreachable"), "{error}");
}

#[test]
fn a_store_keeps_working_after_a_trap() {
    let (mut store, instance) = crate::instantiate(
        r#"(module
            (func (export "div") (param i32 i32) (result i32)
              (i32.div_u (local.get 0) (local.get 1))))"#,
    );
    let div = instance.get_func(&mut store, "div").unwrap();
    let mut result = [Val::I32(0)];
    for _ in 0..3 {
        let error = div
            .call(&mut store, &[Val::I32(1), Val::I32(0)], &mut result)
            .unwrap_err();
        assert_eq!(
            error.downcast_ref::<Trap>().map(Trap::code),
            Some(TrapCode::IntegerDivisionByZero),
            "{error}"
        );
        div.call(&mut store, &[Val::I32(9), Val::I32(2)], &mut result)
            .unwrap();
        assert_eq!(result[0].i32(), Some(4));
    }
}

#[test]
fn a_trap_in_the_start_function_fails_instantiation() {
    let engine = Engine::default();
    let module = Module::new(&engine, "(module (func unreachable) (start 0))").unwrap();
    let mut store = Store::new(&engine, ());
    let error = Instance::new(&mut store, &module, &[]).unwrap_err();
    let trap = error.downcast_ref::<Trap>().expect("a trap");
    assert_eq!(trap.code(), TrapCode::UnreachableCodeReached);
}

//! `Module`: binary and text input, declared imports and exports, validation errors, and
//! engines kept apart.

use tarn::{
    Engine, Error, ExternRef, ExternType, FuncType, Instance, Module, Store, Trap, TrapCode, Val,
    ValType,
};

use crate::assert_error;

const MODULE: &str = r#"(module $m
  (import "env" "f" (func (param i32) (result i64)))
  (import "env" "mem" (memory 1 2))
  (global (export "g") (mut f32) (f32.const 1))
  (table (export "t") 3 externref)
  (func (export "h") (param externref) (result externref) local.get 0))"#;

#[test]
fn text_and_binary_give_the_same_module() {
    let engine = Engine::default();
    let from_text = Module::new(&engine, MODULE).unwrap();
    let from_binary = Module::new(&engine, wat::parse_str(MODULE).unwrap()).unwrap();
    for module in [from_text, from_binary] {
        assert_eq!(module.name(), Some("m"));
        let imports: Vec<_> = module
            .imports()
            .map(|i| format!("{}.{}: {}", i.module, i.name, i.ty))
            .collect();
        assert_eq!(
            imports,
            [
                "env.f: (func (param i32) (result i64))",
                "env.mem: (memory 1 2)"
            ]
        );
        let exports: Vec<_> = module
            .exports()
            .map(|e| format!("{}: {}", e.name, e.ty))
            .collect();
        assert_eq!(
            exports,
            [
                "g: (global (mut f32))",
                "t: (table 3 externref)",
                "h: (func (param externref) (result externref))"
            ]
        );
        assert_eq!(
            module.get_export("h"),
            Some(ExternType::Func(FuncType::new(
                [ValType::EXTERNREF],
                [ValType::EXTERNREF]
            )))
        );
        assert!(module.get_export("nope").is_none());
    }
}

#[test]
fn invalid_modules_are_errors_with_offsets() {
    let engine = Engine::default();
    let truncated = &wat::parse_str(MODULE).unwrap()[..40];
    let message = Module::new(&engine, truncated).unwrap_err().to_string();
    assert!(message.contains("offset 0x"), "{message}");
    let invalid = wat::parse_str("(module (func (result i32) f32.const 1))").unwrap();
    let message = Module::validate(&engine, &invalid).unwrap_err().to_string();
    assert!(message.contains("type mismatch"), "{message}");
    assert_error(Module::new(&engine, &invalid), "type mismatch");
    let message = Module::new(&engine, "(module (func (i32.bogus)))")
        .unwrap_err()
        .to_string();
    assert!(message.contains("invalid text module"), "{message}");
    Module::validate(&engine, &wat::parse_str(MODULE).unwrap()).unwrap();
    // Validation takes binaries only: text is a malformed binary there.
    let error = Module::validate(&engine, MODULE.as_bytes()).unwrap_err();
    assert!(
        matches!(
            error.downcast_ref::<tarn::CompileError>(),
            Some(tarn::CompileError::Invalid { .. })
        ),
        "{error}"
    );
}

#[test]
fn modules_of_another_engine_are_rejected() {
    let module = Module::new(&Engine::default(), "(module)").unwrap();
    let mut store = Store::new(&Engine::default(), ());
    let error = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert!(error.to_string().contains("another engine"), "{error}");
}

#[test]
fn externrefs_round_trip_through_wasm_and_tables() {
    let (mut store, instance) = crate::instantiate(
        r#"(module (table (export "t") 2 externref)
            (func (export "id") (param externref) (result externref) local.get 0)
            (func (export "stash") (param externref) (table.set (i32.const 1) (local.get 0))))"#,
    );
    let id = instance.get_func(&mut store, "id").unwrap();
    let stash = instance.get_func(&mut store, "stash").unwrap();
    let value = ExternRef::new(&mut store, String::from("hello"));
    let mut result = [Val::ExternRef(None)];
    id.call(&mut store, &[Val::ExternRef(Some(value))], &mut result)
        .unwrap();
    let Val::ExternRef(Some(back)) = &result[0] else {
        panic!("a reference")
    };
    assert_eq!(back.data(&store).downcast_ref::<String>().unwrap(), "hello");
    stash
        .call(&mut store, &[Val::ExternRef(Some(value))], &mut [])
        .unwrap();
    let table = instance.get_table(&mut store, "t").unwrap();
    let Some(Val::ExternRef(Some(stored))) = table.get(&mut store, 1) else {
        panic!("stored")
    };
    assert_eq!(stored, value);
    assert!(matches!(
        table.get(&mut store, 0),
        Some(Val::ExternRef(None))
    ));
}

#[test]
fn a_panicking_host_function_panics_in_the_caller_not_across_wasm() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module (import "" "boom" (func $boom)) (func (export "run") call $boom))"#,
    )
    .unwrap();
    let boom = tarn::Func::wrap(&mut store, || -> Result<(), Error> { panic!("host panic") });
    let instance = Instance::new(&mut store, &module, &[boom.into()]).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let caught =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run.call(&mut store, ())));
    let payload = caught.expect_err("the panic resumes in the caller");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"host panic"));
    // The store still works after the panic unwound out of the call.
    let module = Module::new(&engine, "(module (func (export \"t\") unreachable))").unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let t = instance.get_typed_func::<(), ()>(&mut store, "t").unwrap();
    let error = t.call(&mut store, ()).unwrap_err();
    assert_eq!(
        error.downcast_ref::<Trap>().unwrap().code(),
        TrapCode::UnreachableCodeReached
    );
}

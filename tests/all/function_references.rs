//! Typed function references through the API: concrete types in `Func::ty` and
//! `Global::ty`, argument checks against `(ref $t)`, `call_ref`'s null trap, imports
//! matched structurally across modules, and the switch that turns the proposal off.

use tarn::{
    Config, Engine, Func, FuncType, HeapType, Instance, Linker, Module, RefType, Store, TrapCode,
    Val, ValType,
};

use crate::{assert_error, instantiate, trap_code};

const APPLY: &str = r#"(module
  (type $unary (func (param i32) (result i32)))
  (func $double (export "double") (type $unary) (i32.mul (local.get 0) (i32.const 2)))
  (func $negate (export "negate") (param i64) (result i64) (i64.sub (i64.const 0) (local.get 0)))
  ;; Calls `f` through `call_ref`: the only run-time check is for null.
  (func (export "apply") (param $f (ref $unary)) (param $x i32) (result i32)
    (call_ref $unary (local.get $x) (local.get $f)))
  (func (export "apply-nullable") (param $f (ref null $unary)) (param $x i32) (result i32)
    (call_ref $unary (local.get $x) (local.get $f)))
  (global (export "double-ref") (ref $unary) (ref.func $double))
  (table (export "table") 2 (ref null $unary) (ref.func $double))
  (elem declare func $double))"#;

fn unary() -> FuncType {
    FuncType::new([ValType::I32], [ValType::I32])
}

fn concrete(nullable: bool, ty: FuncType) -> ValType {
    ValType::Ref(RefType::new(nullable, HeapType::Concrete(ty)))
}

#[test]
fn func_ty_reports_concrete_reference_types() {
    let (mut store, instance) = instantiate(APPLY);
    let apply = instance.get_func(&mut store, "apply").unwrap();
    let ty = apply.ty(&store);
    assert_eq!(ty.params(), [concrete(false, unary()), ValType::I32]);
    assert_eq!(
        ty.to_string(),
        "(func (param (ref (func (param i32) (result i32))) i32) (result i32))"
    );
    let global = instance.get_global(&mut store, "double-ref").unwrap();
    assert_eq!(*global.ty(&store).content(), concrete(false, unary()));
    let table = instance.get_table(&mut store, "table").unwrap();
    assert_eq!(
        *table.ty(&store).element(),
        RefType::new(true, HeapType::Concrete(unary()))
    );
    // The table's initialiser expression filled every slot.
    let Some(Val::FuncRef(Some(first))) = table.get(&mut store, 1) else {
        panic!("the table initialiser did not fill slot 1");
    };
    assert_eq!(first.ty(&store), unary());
}

#[test]
fn arguments_are_checked_against_concrete_types() {
    let (mut store, instance) = instantiate(APPLY);
    let apply = instance.get_func(&mut store, "apply").unwrap();
    let double = instance.get_func(&mut store, "double").unwrap();
    let negate = instance.get_func(&mut store, "negate").unwrap();
    let mut result = [Val::I32(0)];
    apply
        .call(&mut store, &[Val::from(double), Val::I32(21)], &mut result)
        .unwrap();
    assert_eq!(result[0].i32(), Some(42));
    // A function of another signature, and null, are not `(ref $unary)`.
    assert_error(
        apply.call(&mut store, &[Val::from(negate), Val::I32(1)], &mut result),
        "argument 0 has type funcref, but the function of type",
    );
    assert_error(
        apply.call(&mut store, &[Val::FuncRef(None), Val::I32(1)], &mut result),
        "argument 0 has type funcref",
    );
    // A host function of the right signature is a `(ref $unary)` too.
    let host = Func::wrap(&mut store, |x: i32| x + 1);
    apply
        .call(&mut store, &[Val::from(host), Val::I32(1)], &mut result)
        .unwrap();
    assert_eq!(result[0].i32(), Some(2));
}

#[test]
fn call_ref_of_null_traps() {
    let (mut store, instance) = instantiate(APPLY);
    let apply = instance.get_func(&mut store, "apply-nullable").unwrap();
    let mut result = [Val::I32(0)];
    let error = apply
        .call(&mut store, &[Val::FuncRef(None), Val::I32(1)], &mut result)
        .unwrap_err();
    assert_eq!(trap_code(&error), Some(TrapCode::NullFunctionReference));
    assert!(
        error.to_string().contains("null function reference"),
        "{error}"
    );
}

#[test]
fn concrete_imports_match_structurally_across_modules() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let exporter = Module::new(&engine, APPLY).unwrap();
    let exporter = Instance::new(&mut store, &exporter, &[]).unwrap();
    let mut linker = Linker::new(&engine);
    linker.instance(&mut store, "exporter", exporter).unwrap();
    // Another module's own `$u`, structurally the same as `$unary`.
    let importer = Module::new(
        &engine,
        r#"(module
          (type $u (func (param i32) (result i32)))
          (global $g (import "exporter" "double-ref") (ref null $u))
          (func (export "run") (result i32)
            (call_ref $u (i32.const 5) (global.get $g))))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &importer).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 10);
    // A different signature does not match.
    let mismatched = Module::new(
        &engine,
        r#"(module
          (type $v (func (param i64) (result i32)))
          (global (import "exporter" "double-ref") (ref null $v)))"#,
    )
    .unwrap();
    assert_error(
        linker.instantiate(&mut store, &mismatched).map(|_| ()),
        "double-ref",
    );
}

#[test]
fn the_proposal_can_be_switched_off() {
    let mut config = Config::new();
    config.wasm_proposal("function-references", false).unwrap();
    let engine = Engine::new(&config).unwrap();
    assert_error(
        Module::new(&engine, APPLY).map(|_| ()),
        "function references",
    );
}

/// Each type names the previous one twice: spelled out, type 60 would be a tree of 2^60
/// nodes. Compiling, importing, comparing and printing must all stay linear.
#[test]
fn deeply_nested_concrete_types_stay_cheap() {
    let mut types = String::from("  (type $t0 (func))\n");
    for i in 1..=60 {
        let p = i - 1;
        types.push_str(&format!(
            "  (type $t{i} (func (param (ref null $t{p}) (ref null $t{p}))))\n"
        ));
    }
    let exporter = format!(
        "(module\n{types}  (global (export \"g\") (ref null $t60) (ref.null $t60))\n  \
         (func (export \"f\") (type $t60)))"
    );
    let importer = format!("(module\n{types}  (import \"m\" \"f\" (func (type $t60))))");
    let engine = Engine::default();
    let module = Module::new(&engine, &exporter).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance.get_func(&mut store, "f").unwrap();
    // Another module's structurally equal type is the same type.
    let mut linker = Linker::new(&engine);
    linker.define(&store, "m", "f", f).unwrap();
    let importer = Module::new(&engine, &importer).unwrap();
    linker.instantiate(&mut store, &importer).unwrap();
    let text = f.ty(&store).to_string();
    assert!(text.len() < 500, "{text}");
    assert!(text.contains("(func ...)"), "{text}");
    let global = instance.get_global(&mut store, "g").unwrap();
    assert!(global.ty(&store).content().to_string().len() < 500);
}

//! Functions with more results than the calling convention has return registers (the
//! defect the fuzzers found first): every result arrives, in order, through both the
//! untyped and the typed call paths, and through a wasm caller.

use tarn::{Instance, Store, Val};

/// Twenty results, alternating `i32` and `i64`, each value distinct, so a result out of
/// place or dropped is visible.
const MANY: &str = r#"(module
  (func $many (export "many") (result i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64)
    (i32.const 100) (i64.const -1001) (i32.const 102) (i64.const -1003) (i32.const 104) (i64.const -1005) (i32.const 106) (i64.const -1007) (i32.const 108) (i64.const -1009) (i32.const 110) (i64.const -1011) (i32.const 112) (i64.const -1013) (i32.const 114) (i64.const -1015) (i32.const 116) (i64.const -1017) (i32.const 118) (i64.const -1019))
  (func (export "through_wasm") (result i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64)
    (call $many)))"#;

fn instantiate() -> (Store<()>, Instance) {
    crate::instantiate(MANY)
}

fn expected() -> Vec<i64> {
    (0..20)
        .map(|i| if i % 2 == 0 { 100 + i } else { -(1000 + i) })
        .collect()
}

fn as_i64(value: &Val) -> i64 {
    match value {
        Val::I32(v) => i64::from(*v),
        Val::I64(v) => *v,
        other => panic!("unexpected result {other:?}"),
    }
}

#[test]
fn twenty_results_arrive_in_order_through_func_call() {
    let (mut store, instance) = instantiate();
    for name in ["many", "through_wasm"] {
        let func = instance.get_func(&mut store, name).unwrap();
        let mut results = vec![Val::I32(0); 20];
        func.call(&mut store, &[], &mut results).unwrap();
        let got: Vec<i64> = results.iter().map(as_i64).collect();
        assert_eq!(got, expected(), "{name}");
    }
}

#[test]
fn twenty_results_arrive_in_order_through_typed_func() {
    type Twenty = (
        i32,
        i64,
        i32,
        i64,
        i32,
        i64,
        i32,
        i64,
        i32,
        i64,
        i32,
        i64,
        i32,
        i64,
        i32,
        i64,
        i32,
        i64,
        i32,
        i64,
    );
    let (mut store, instance) = instantiate();
    for name in ["many", "through_wasm"] {
        let func = instance
            .get_typed_func::<(), Twenty>(&mut store, name)
            .unwrap();
        let r = func.call(&mut store, ()).unwrap();
        let got = [
            i64::from(r.0),
            r.1,
            i64::from(r.2),
            r.3,
            i64::from(r.4),
            r.5,
            i64::from(r.6),
            r.7,
            i64::from(r.8),
            r.9,
            i64::from(r.10),
            r.11,
            i64::from(r.12),
            r.13,
            i64::from(r.14),
            r.15,
            i64::from(r.16),
            r.17,
            i64::from(r.18),
            r.19,
        ];
        assert_eq!(got.to_vec(), expected(), "{name}");
    }
}

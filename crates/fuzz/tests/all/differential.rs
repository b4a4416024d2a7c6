//! What the differential oracle compares: exact NaN bits and the functions tables hold,
//! on modules written by hand, so a comparison that goes lenient fails here.

use arbitrary::Unstructured;
use tarn_fuzz::Verdict;
use tarn_fuzz::engines::{Fuel, TarnConfig, TarnInstance, WasmiInstance};
use tarn_fuzz::oracles;
use tarn_fuzz::values::{CallOutcome, TableEntry, Value};

const TABLES: &str = r#"(module
  (table (export "t") 4 funcref)
  (func $a (export "a"))
  (func $b (export "b"))
  (func (export "id") (param f32) (result f32) (local.get 0))
  (elem (i32.const 1) func $b $a))"#;

fn both(wat: &str, fuel: Fuel) -> (TarnInstance, WasmiInstance) {
    let wasm = wat::parse_str(wat).unwrap();
    (
        TarnInstance::new(TarnConfig::Default, fuel, &wasm).unwrap(),
        WasmiInstance::new(fuel, &wasm).unwrap(),
    )
}

#[test]
fn snapshots_name_the_function_in_each_table_entry() {
    let (mut ours, theirs) = both(TABLES, Fuel::Unmetered);
    let expected = vec![
        TableEntry::Null,
        TableEntry::Func(Some("b".into())),
        TableEntry::Func(Some("a".into())),
        TableEntry::Null,
    ];
    let snapshot = ours.snapshot();
    assert_eq!(snapshot.tables["t"], expected);
    assert_eq!(snapshot, theirs.snapshot());

    // The same table size with the entries swapped is a different snapshot.
    let swapped = TABLES.replace("func $b $a", "func $a $b");
    let (mut other, _) = both(&swapped, Fuel::Unmetered);
    assert_ne!(other.snapshot(), snapshot);
}

#[test]
fn nan_results_are_compared_bit_for_bit() {
    let (mut ours, mut theirs) = both(TABLES, Fuel::Metered);
    for bits in [0x7fc0_0000, 0x7fc0_0001, 0xffc0_0000, 0x7fa0_0000] {
        let args = [Value::F32(bits)];
        let expected = CallOutcome::Returned(vec![Value::F32(bits)]);
        assert_eq!(ours.call("id", &args), expected);
        assert_eq!(theirs.call("id", &args), expected);
    }
    assert_ne!(
        CallOutcome::Returned(vec![Value::F32(0x7fc0_0000)]),
        CallOutcome::Returned(vec![Value::F32(0x7fc0_0001)])
    );
}

#[test]
fn a_hand_written_module_is_checked_in_full() {
    let wasm = wat::parse_str(TABLES).unwrap();
    let verdict = oracles::compare(
        &wasm,
        TarnConfig::Default,
        Fuel::Metered,
        &mut Unstructured::new(&[7; 64]),
    );
    assert_eq!(verdict, Verdict::Checked);
}

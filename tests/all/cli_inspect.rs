//! `tarn inspect`: the summary of a good module, and one-line errors for bad ones.

use crate::{tarn, temp_file};

const MODULE: &str = r#"(module $demo
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 1 4)
  (global $g (mut i32) (i32.const 42))
  (table 2 funcref)
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (elem (i32.const 0) $add)
  (data (i32.const 16) "hi")
  (data "passive"))"#;

#[test]
fn inspect_prints_entities_segments_and_layout() {
    let path = temp_file("inspect_ok", "demo.wat", MODULE.as_bytes());
    let output = tarn(&["inspect", path.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "module demo:",
        "env.log: (func (param i32))",
        "add: function 1 (func (param i32 i32) (result i32))",
        "memory: memory 0 (memory 1 4)",
        "0: (global (mut i32)) = i32.const 42",
        "element segments: 1 (1 active, 0 passive, 0 declared)",
        "data segments: 2 (1 active, 1 passive, 9 bytes)",
        "imported functions",
        "function references",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in\n{stdout}"
        );
    }
}

#[test]
fn inspect_reads_binary_modules_too() {
    let wasm = wat::parse_str(MODULE).unwrap();
    let path = temp_file("inspect_binary", "demo.wasm", &wasm);
    let output = tarn(&["inspect", path.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains(&format!("{} bytes", wasm.len())),
        "{stdout}"
    );
}

#[test]
fn a_truncated_module_gives_one_line_with_the_offset_and_fails() {
    let wasm = wat::parse_str(MODULE).unwrap();
    let path = temp_file("inspect_truncated", "cut.wasm", &wasm[..wasm.len() - 5]);
    let output = tarn(&["inspect", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("offset 0x"), "{stderr}");
    assert!(stderr.contains("cut.wasm"), "{stderr}");
}

#[test]
fn bad_text_and_missing_files_are_one_line_errors() {
    let path = temp_file(
        "inspect_bad_text",
        "bad.wat",
        b"(module (func (i32.bogus)))",
    );
    let output = tarn(&["inspect", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let output = tarn(&["inspect", "/nonexistent/module.wasm"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("/nonexistent/module.wasm"), "{stderr}");
}

#[test]
fn usage_errors_exit_with_status_two() {
    assert_eq!(tarn(&["inspect"]).status.code(), Some(2));
    assert_eq!(tarn(&["frobnicate"]).status.code(), Some(2));
    assert!(tarn(&["inspect", "--help"]).status.success());
}

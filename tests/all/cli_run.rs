//! `tarn run` and `tarn wast`: results on stdout, traps and bad input on stderr with a
//! non-zero exit, never a crash or a hang.

use std::path::PathBuf;

use crate::{tarn, temp_file};

fn fib() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/fib.wat")
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let output = tarn(args);
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn run_prints_results_one_per_line() {
    let fib = fib();
    let fib = fib.to_str().unwrap();
    assert_eq!(
        run(&["run", "--invoke", "fib", fib, "20"]),
        (Some(0), "6765\n".into(), String::new())
    );
    let (code, stdout, _) = run(&["run", "--invoke", "fib_loop", fib, "90"]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout, "2880067194370816120\n");
    let path = temp_file(
        "run_multi",
        "multi.wat",
        br#"(module (func (export "pair") (param f32) (result f32 i64)
        (local.get 0) (i64.const -1)))"#,
    );
    let (code, stdout, _) = run(&["run", "--invoke", "pair", path.to_str().unwrap(), "1.5"]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout, "1.5\n-1\n");
}

#[test]
fn deep_recursion_is_a_trap_with_a_backtrace() {
    let (code, stdout, stderr) = run(&["run", "--invoke", "deep", fib().to_str().unwrap(), "0"]);
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert!(stderr.contains("call stack exhausted"), "{stderr}");
    assert!(stderr.contains("fib!deep"), "{stderr}");
    assert!(stderr.lines().count() < 50, "the backtrace is cut short");
}

#[test]
fn fuel_and_timeouts_stop_infinite_loops() {
    let fib = fib();
    let fib = fib.to_str().unwrap();
    let (code, _, stderr) = run(&["run", "--invoke", "spin", "--fuel", "100000", fib]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("all fuel consumed"), "{stderr}");
    let (code, _, stderr) = run(&["run", "--invoke", "spin", "--timeout", "100", fib]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("interrupt"), "{stderr}");
}

#[test]
fn bad_arguments_and_missing_imports_are_clear_errors() {
    let fib = fib();
    let fib = fib.to_str().unwrap();
    let (code, _, stderr) = run(&["run", "--invoke", "fib", fib, "ten"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("cannot parse `ten` as i32"), "{stderr}");
    let (code, _, stderr) = run(&["run", "--invoke", "fib", fib]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("takes 1 arguments"), "{stderr}");
    let (code, _, stderr) = run(&["run", "--invoke", "nope", fib]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("no exported function named `nope`"),
        "{stderr}"
    );
    let hello = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/hello.wat");
    let (code, _, stderr) = run(&["run", "--invoke", "main", hello.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("unknown import: `env::print`"), "{stderr}");
    assert_eq!(run(&["run"]).0, Some(2));
    assert_eq!(run(&["run", "--bogus", fib]).0, Some(2));
}

#[test]
fn wast_reports_counts_and_fails_on_a_failed_directive() {
    let good = temp_file(
        "wast_good",
        "good.wast",
        br#"(module (func (export "f") (result i32) i32.const 7))
        (assert_return (invoke "f") (i32.const 7))
        (assert_trap (module (func unreachable) (start 0)) "unreachable")"#,
    );
    let (code, stdout, _) = run(&["wast", good.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.ends_with("3 passed, 0 failed\n"), "{stdout}");
    let bad = temp_file(
        "wast_bad",
        "bad.wast",
        br#"(module (func (export "f") (result i32) i32.const 7))
        (assert_return (invoke "f") (i32.const 8))"#,
    );
    let (code, stdout, _) = run(&["wast", bad.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stdout.contains("FAILED"), "{stdout}");
    assert!(stdout.ends_with("1 passed, 1 failed\n"), "{stdout}");
}

#[test]
fn both_compilation_strategies_run_alike_and_unknown_imports_can_trap() {
    let fib = fib();
    let fib = fib.to_str().unwrap();
    for strategy in ["--compile=lazy", "--compile=eager"] {
        assert_eq!(
            run(&["run", strategy, "--invoke", "fib", fib, "20"]),
            (Some(0), "6765\n".into(), String::new()),
            "{strategy}"
        );
    }
    assert_eq!(
        run(&["run", "--compile", "eager", fib, "--invoke", "fib", "10"]),
        (Some(0), "55\n".into(), String::new())
    );
    let (code, _, stderr) = run(&["run", "--compile=later", fib]);
    assert_eq!(code, Some(2), "a usage error");
    assert!(
        stderr.contains("bad --compile `later`: expected lazy or eager"),
        "{stderr}"
    );

    let path = temp_file(
        "run_unknown_imports",
        "imports.wat",
        br#"(module
            (import "env" "log" (func $log (param i32)))
            (func (export "answer") (result i32) (i32.const 42))
            (func (export "logs") (call $log (i32.const 1))))"#,
    );
    let path = path.to_str().unwrap();
    let (code, _, stderr) = run(&["run", "--invoke", "answer", path]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("env"), "{stderr}");
    assert_eq!(
        run(&["run", "--trap-unknown-imports", "--invoke", "answer", path]),
        (Some(0), "42\n".into(), String::new())
    );
    let (code, _, stderr) = run(&["run", "--trap-unknown-imports", "--invoke", "logs", path]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("unknown import: `env::log` has not been defined"),
        "{stderr}"
    );
}

//! The official WASI preview1 test suite (`../shared/wasi-testsuite`: C, Rust and
//! AssemblyScript programs), each run through `tarn run` the way `wasmtime run` runs it:
//! `tarn run --dir ROOT::/ --env K=V... NAME.wasm ARGS...`, with a fresh writable copy
//! of the test's root directory. A test passes when the exit status matches and, where
//! its JSON gives them, stdout and stderr match exactly.
//!
//! Prints one line per test and a closing `wasi: N passed, N failed` line. Set
//! `TARN_WASI_FILTER=substring` to run only matching tests.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The expected failures, the one place a WASI test is excused: (suite/name, reason).
const EXPECTED_FAILURES: &[(&str, &str)] = &[];

/// The suites, as folders of the test suite.
const SUITES: [&str; 3] = ["c", "rust", "assemblyscript"];

/// The number of tests the pinned suite has; a different count means it moved.
const TEST_COUNT: usize = 72;

/// How long one test may run.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What a test's JSON says (defaults when a field or the file is missing).
struct Spec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    root: Option<String>,
    exit_code: i32,
    stdout: Option<String>,
    stderr: Option<String>,
}

fn spec(json_path: &Path) -> Result<Spec, String> {
    let mut spec = Spec {
        args: Vec::new(),
        env: Vec::new(),
        root: None,
        exit_code: 0,
        stdout: None,
        stderr: None,
    };
    let Ok(text) = std::fs::read_to_string(json_path) else {
        return Ok(spec);
    };
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json_path.display()))?;
    let string = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    if let Some(args) = json.get("args").and_then(|a| a.as_array()) {
        spec.args = args.iter().filter_map(string).collect();
    }
    if let Some(env) = json.get("env").and_then(|e| e.as_object()) {
        spec.env = env
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), string(v)?)))
            .collect();
    }
    spec.root = json.get("root").and_then(string);
    if let Some(code) = json.get("exit_code").and_then(serde_json::Value::as_i64) {
        spec.exit_code = code as i32;
    }
    spec.stdout = json.get("stdout").and_then(string);
    spec.stderr = json.get("stderr").and_then(string);
    Ok(spec)
}

/// Copies `from` into `to` recursively, making everything writable (the shared suite is
/// read-only, and tests create, rename and delete files under their root).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let ty = entry.file_type()?;
        if ty.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
            add_owner_write(&target)?;
        }
    }
    add_owner_write(to)
}

fn add_owner_write(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path)?.permissions();
    permissions.set_mode(permissions.mode() | 0o200);
    std::fs::set_permissions(path, permissions)
}

/// Runs one test; `Err` says how it failed.
fn run_test(suite_dir: &Path, wasm: &Path, scratch: &Path) -> Result<(), String> {
    let spec = spec(&wasm.with_extension("json"))?;
    let mut command = Command::new(env!("CARGO_BIN_EXE_tarn"));
    command.arg("run");
    if let Some(root) = &spec.root {
        let copy = scratch.join("root");
        copy_tree(&suite_dir.join(root), &copy).map_err(|e| format!("copying {root}: {e}"))?;
        command.arg("--dir").arg(format!("{}::/", copy.display()));
    }
    for (name, value) in &spec.env {
        command.arg("--env").arg(format!("{name}={value}"));
    }
    command
        .arg(wasm.file_name().unwrap())
        .args(&spec.args)
        .current_dir(suite_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = run_with_timeout(command)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut problems = Vec::new();
    if output.status.code() != Some(spec.exit_code) {
        problems.push(format!(
            "exit status {:?}, expected {}",
            output.status.code(),
            spec.exit_code
        ));
    }
    if spec.stdout.as_deref().is_some_and(|e| e != stdout) {
        problems.push(format!(
            "stdout {stdout:?}, expected {:?}",
            spec.stdout.unwrap()
        ));
    }
    if spec.stderr.as_deref().is_some_and(|e| e != stderr) {
        problems.push(format!(
            "stderr differs, expected {:?}",
            spec.stderr.unwrap()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let tail: String = stderr.lines().take(12).collect::<Vec<_>>().join("\n    ");
        Err(format!("{}\n    stderr: {tail}", problems.join("; ")))
    }
}

fn run_with_timeout(mut command: Command) -> Result<std::process::Output, String> {
    let child = command
        .spawn()
        .map_err(|e| format!("cannot run tarn: {e}"))?;
    let id = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let output = child.wait_with_output();
        done.send(()).ok();
        output
    });
    let start = Instant::now();
    while finished.recv_timeout(Duration::from_millis(50)).is_err() {
        if start.elapsed() > TIMEOUT {
            // The child is ours; kill(1) ends it so the waiter returns.
            Command::new("kill")
                .arg("-9")
                .arg(id.to_string())
                .status()
                .ok();
            waiter.join().ok();
            return Err(format!("still running after {TIMEOUT:?}"));
        }
    }
    waiter
        .join()
        .map_err(|_| "the waiting thread panicked".to_owned())?
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/wasi-testsuite");
    let filter = std::env::var("TARN_WASI_FILTER").unwrap_or_default();
    let scratch_root = std::env::temp_dir().join(format!("tarn-wasi-suite-{}", std::process::id()));
    let (mut passed, mut failed, mut total) = (0, 0, 0);
    let mut problems = Vec::new();
    for suite in SUITES {
        let suite_dir = root.join(suite);
        let Ok(entries) = std::fs::read_dir(&suite_dir) else {
            println!("FAILED {suite}: no test suite at {}", suite_dir.display());
            return ExitCode::FAILURE;
        };
        let mut tests: Vec<PathBuf> = entries
            .filter_map(|e| Some(e.ok()?.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .collect();
        tests.sort();
        for wasm in tests {
            total += 1;
            let name = format!("{suite}/{}", wasm.file_stem().unwrap().to_string_lossy());
            if !name.contains(&filter) {
                continue;
            }
            let scratch = scratch_root.join(&name);
            let result = run_test(&suite_dir, &wasm, &scratch);
            std::fs::remove_dir_all(&scratch).ok();
            let expected = EXPECTED_FAILURES.iter().find(|(n, _)| *n == name);
            match (result, expected) {
                (Ok(()), None) => {
                    println!("ok     {name}");
                    passed += 1;
                }
                (Err(why), Some((_, reason))) => {
                    println!("xfail  {name}: {reason} ({why})");
                    passed += 1;
                }
                (Ok(()), Some(_)) => {
                    println!("FAILED {name}: listed as an expected failure but passes");
                    problems.push(name);
                    failed += 1;
                }
                (Err(why), None) => {
                    println!("FAILED {name}: {why}");
                    problems.push(name);
                    failed += 1;
                }
            }
        }
    }
    std::fs::remove_dir_all(&scratch_root).ok();
    if total != TEST_COUNT {
        println!("FAILED the suite has {total} tests, expected {TEST_COUNT}");
        failed += 1;
    }
    for (name, reason) in EXPECTED_FAILURES {
        println!("expected failure: {name}: {reason}");
    }
    println!("wasi: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

//! Workspace-level integration tests, one module per topic.

mod artifacts;
mod cli_inspect;
mod cli_run;
mod epochs;
mod exceptions;
mod fuel;
mod function_references;
mod host_funcs;
mod instance_init;
mod lazy;
mod limits;
mod linker;
mod memory_table_global;
mod module;
mod multi_value;
mod pooling;
mod simd;
mod soundness;
mod stack_overflow;
mod tail_calls;
mod threads;
mod tidy;
mod traps;
mod wasi_programs;
mod wasm3_memories;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long any one test may run before its watchdog fails it: far longer than any
/// test needs on a loaded machine, so only a hang (a regression) reaches it.
const WATCHDOG: Duration = Duration::from_secs(120);

/// Runs the `tarn` binary with `args`, killing it and failing the test if it has not
/// exited within [`WATCHDOG`].
fn tarn(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tarn"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tarn binary runs");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).map(|_| bytes)
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stderr.read_to_end(&mut bytes).map(|_| bytes)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waitable child") {
            break status;
        }
        if start.elapsed() > WATCHDOG {
            child.kill().expect("killable child");
            child.wait().expect("waitable child");
            panic!("`tarn {}` still ran after {WATCHDOG:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out.join().unwrap().expect("readable stdout"),
        stderr: err.join().unwrap().expect("readable stderr"),
    }
}

/// Runs `test` on its own thread and fails instead of hanging when it has not finished
/// within [`WATCHDOG`]; a panic inside `test` fails the caller with the same message.
fn with_watchdog<R: Send + 'static>(test: impl FnOnce() -> R + Send + 'static) -> R {
    let (done, finished) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let result = test();
        // The receiver is gone only when the watchdog already failed the test.
        done.send(()).ok();
        result
    });
    match finished.recv_timeout(WATCHDOG) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the test still ran after {WATCHDOG:?}"),
    }
}

/// Writes `bytes` to a fresh file named `name` in a per-test temporary directory.
fn temp_file(test: &str, name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tarn-tests-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("temp file");
    path
}

/// Asserts that `result` is an error whose message contains `expected`, so a test says
/// which failure it expects rather than accepting any.
#[track_caller]
/// A fresh store on `engine` with `wat` instantiated in it (no imports).
fn instantiate_on(engine: &tarn::Engine, wat: &str) -> (tarn::Store<()>, tarn::Instance) {
    let module = tarn::Module::new(engine, wat).expect("the test module compiles");
    let mut store = tarn::Store::new(engine, ());
    let instance = tarn::Instance::new(&mut store, &module, &[]).expect("it instantiates");
    (store, instance)
}

/// A fresh store on the default engine with `wat` instantiated in it (no imports).
fn instantiate(wat: &str) -> (tarn::Store<()>, tarn::Instance) {
    instantiate_on(&tarn::Engine::default(), wat)
}

/// The export `name` of `instance`, typed.
fn typed<P: tarn::WasmParams, R: tarn::WasmResults>(
    store: &mut tarn::Store<()>,
    instance: &tarn::Instance,
    name: &str,
) -> tarn::TypedFunc<P, R> {
    instance
        .get_typed_func(&mut *store, name)
        .unwrap_or_else(|e| panic!("export `{name}`: {e}"))
}

/// The trap code of an error, if it is a trap.
fn trap_code(error: &tarn::Error) -> Option<tarn::TrapCode> {
    error.downcast_ref::<tarn::Trap>().map(tarn::Trap::code)
}

fn assert_error<T>(result: tarn::Result<T>, expected: &str) {
    match result {
        Ok(_) => panic!("expected an error containing `{expected}`, got Ok"),
        Err(error) => assert!(
            error.to_string().contains(expected),
            "expected an error containing `{expected}`, got: {error}"
        ),
    }
}

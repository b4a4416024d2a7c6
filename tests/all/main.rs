//! Workspace-level integration tests, one module per topic.

mod cli_inspect;
mod cli_run;
mod epochs;
mod fuel;
mod host_funcs;
mod limits;
mod linker;
mod memory_table_global;
mod module;
mod soundness;
mod stack_overflow;
mod traps;

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the `tarn` binary with `args`.
fn tarn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tarn"))
        .args(args)
        .output()
        .expect("the tarn binary runs")
}

/// Writes `bytes` to a fresh file named `name` in a per-test temporary directory.
fn temp_file(test: &str, name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tarn-tests-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("temp file");
    path
}

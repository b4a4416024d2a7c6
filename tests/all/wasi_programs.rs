//! C programs built with `clang --target=wasm32-wasi` (`examples/wasi/`) print exactly
//! what the same sources built natively print, with the same exit status, when
//! `tarn run` runs them: arguments, environment, stdin and stdout through pipes,
//! directory walks and file operations in a preopened directory.

use std::path::Path;
use std::process::Command;

#[test]
fn wasi_programs_match_their_native_builds() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/wasi/compare.sh");
    let output = Command::new("bash")
        .arg(&script)
        .env("TARN", env!("CARGO_BIN_EXE_tarn"))
        .output()
        .expect("bash runs compare.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "compare.sh failed:\n{stdout}\n{stderr}"
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with(" passed, 0 failed") && !summary.starts_with("0 "),
        "unexpected summary `{summary}`:\n{stdout}"
    );
}

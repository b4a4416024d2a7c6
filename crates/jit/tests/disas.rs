//! Golden CLIF tests: each `disas/*.wat` holds a module followed by the CLIF the translator
//! produces for its defined functions, as `;;` comments after a `;; ===== CLIF =====` line.
//! Run with `BLESS=1` to rewrite the expected text after an intended change.
//!
//! The expected text is for a 64-bit host with the System V calling convention (builtin
//! signatures show it). Tunables start from `Tunables::default()`; a line `;;! option` at
//! the top of a file changes one: `consume_fuel`, `epoch_interruption`,
//! `explicit_bounds_checks` (no signal-based traps), `eager_tables` (no lazy init),
//! `nan_canonicalization` or `relaxed_simd_deterministic`. Relaxed SIMD is accepted.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use environ::{DefinedFuncIndex, Features, Tunables, translate_module};
use tarn_jit::{Compiler, OptLevel};

const MARKER: &str = ";; ===== CLIF =====";

fn main() -> ExitCode {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/disas");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/disas exists")
        .map(|e| e.expect("readable directory").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    files.sort();
    let bless = std::env::var_os("BLESS").is_some();
    let mut failed = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable test file");
        let (input, expected) = split(&text);
        let actual = match tunables_of(input).and_then(|t| clif_of(input, t)) {
            Ok(clif) => clif,
            Err(e) => format!("error: {e}\n"),
        };
        if check(path, input, expected, &actual, bless) {
            println!("disas {} ... ok", name(path));
        } else {
            println!("disas {} ... FAILED", name(path));
            failed += 1;
        }
    }
    println!("{} passed, {failed} failed", files.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Splits a test file into its input module and its expected CLIF, without comment markers.
fn split(text: &str) -> (&str, String) {
    let Some(at) = text.find(MARKER) else {
        return (text.trim_end(), String::new());
    };
    let expected = text[at + MARKER.len()..]
        .lines()
        .skip(1)
        .map(|l| {
            l.strip_prefix(";; ")
                .or_else(|| l.strip_prefix(";;"))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n");
    (
        text[..at].trim_end(),
        expected.trim_end().to_string() + "\n",
    )
}

/// The tunables a test asks for with `;;! option` lines.
fn tunables_of(input: &str) -> Result<Tunables, Box<dyn std::error::Error>> {
    let mut tunables = Tunables::default();
    for option in input.lines().filter_map(|l| l.strip_prefix(";;! ")) {
        match option.trim() {
            "consume_fuel" => tunables.consume_fuel = true,
            "epoch_interruption" => tunables.epoch_interruption = true,
            "explicit_bounds_checks" => tunables.signals_based_traps = false,
            "eager_tables" => tunables.table_lazy_init = false,
            "nan_canonicalization" => tunables.nan_canonicalization = true,
            "relaxed_simd_deterministic" => tunables.relaxed_simd_deterministic = true,
            other => return Err(format!("unknown option `{other}`").into()),
        }
    }
    Ok(tunables)
}

/// The CLIF of every defined function of a module, one after another.
fn clif_of(input: &str, tunables: Tunables) -> Result<String, Box<dyn std::error::Error>> {
    let wasm = wat::parse_str(input)?;
    let features = Features {
        relaxed_simd: true,
        ..Features::default()
    };
    let translation = translate_module(&wasm, features)?;
    let compiler = Compiler::new(tunables, OptLevel::None)?;
    let mut out = String::new();
    for i in 0..translation.function_bodies.len() {
        let index = DefinedFuncIndex::from_u32(u32::try_from(i)?);
        out.push_str(&compiler.translate_to_clif(&translation, index)?);
    }
    Ok(out)
}

/// The single comparison helper: equal text passes; with `bless` the file is rewritten.
fn check(path: &Path, input: &str, expected: String, actual: &str, bless: bool) -> bool {
    if expected == actual {
        return true;
    }
    if bless {
        let mut text = format!("{input}\n\n{MARKER}\n");
        for line in actual.lines() {
            text.push_str(if line.is_empty() { ";;" } else { ";; " });
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(path, text).expect("writable test file");
        return true;
    }
    eprintln!("--- expected\n{expected}--- actual\n{actual}");
    false
}

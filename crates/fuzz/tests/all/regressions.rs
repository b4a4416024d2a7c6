//! Replays the inputs in `crates/fuzz/regressions/<oracle>/`: crashes the fuzzer found
//! once, kept so the fixed defect stays fixed.

use std::path::Path;

use tarn_fuzz::{Verdict, oracles};

#[test]
fn every_committed_regression_input_passes_its_oracle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut replayed = 0;
    for (name, oracle) in oracles::ALL {
        let Ok(entries) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("readable directory").path();
            let data = std::fs::read(&path).expect("readable file");
            let verdict = std::panic::catch_unwind(|| oracle(&data));
            let verdict = verdict.unwrap_or_else(|_| panic!("{name} fails on {}", path.display()));
            // An input that once found a defect reached the check that caught it, so it
            // must still be checked in full rather than skipped.
            assert_eq!(verdict, Verdict::Checked, "{name} skips {}", path.display());
            replayed += 1;
        }
    }
    let dirs = std::fs::read_dir(&root).map_or(0, |d| d.count());
    assert!(
        replayed >= dirs,
        "every regression directory holds at least one input"
    );
}

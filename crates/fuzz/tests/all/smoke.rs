//! Every oracle on a fixed set of seeded inputs, so CI exercises the fuzz logic on
//! stable without libFuzzer.
//!
//! `TARN_FUZZ_SEED` and `TARN_FUZZ_COUNT` override the seed and the number of inputs per
//! oracle. A failure names the oracle, seed and index; the same seed with a count of
//! index + 1 rebuilds the failing input last.

use std::panic::{AssertUnwindSafe, catch_unwind};

use tarn_fuzz::Verdict;
use tarn_fuzz::oracles::{self, Oracle};

const DEFAULT_SEED: u64 = 0x7a72_6e5f_667a_7a31;
const DEFAULT_COUNT: usize = 500;
const MAX_INPUT_LEN: usize = 4096;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// splitmix64: a tiny, well-mixed generator, so the inputs need no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The `index`th input of `seed`: its own generator, so inputs do not depend on each other.
fn input(seed: u64, index: usize) -> Vec<u8> {
    let mut rng = SplitMix(seed ^ (index as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let len = (rng.next() as usize) % MAX_INPUT_LEN;
    (0..len).map(|_| rng.next() as u8).collect()
}

/// The stack of the thread the oracles run on: more than the oracles' stack budget for
/// Tarn (`tarn_fuzz::engines::STACK_BUDGET_BYTES`), so the budget is not clamped to a
/// test thread's 2 MiB.
const ORACLE_THREAD_STACK: usize = 64 << 20;

/// Runs `oracle` on the seeded inputs, on a thread with a large stack, and returns how
/// many it checked in full.
fn run(name: &'static str, oracle: Oracle) -> usize {
    let thread = std::thread::Builder::new()
        .name(format!("oracle {name}"))
        .stack_size(ORACLE_THREAD_STACK)
        .spawn(move || run_on_this_thread(name, oracle))
        .expect("a thread for the oracle");
    match thread.join() {
        Ok(checked) => checked,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn run_on_this_thread(name: &str, oracle: Oracle) -> usize {
    let seed = env_or("TARN_FUZZ_SEED", DEFAULT_SEED);
    let count = env_or("TARN_FUZZ_COUNT", DEFAULT_COUNT);
    let mut checked = 0;
    for index in 0..count {
        let data = input(seed, index);
        match catch_unwind(AssertUnwindSafe(|| oracle(&data))) {
            Ok(Verdict::Checked) => checked += 1,
            Ok(Verdict::Skipped(_)) => {}
            Err(_) => panic!(
                "oracle {name} failed on seed {seed:#x}, index {index}; \
                 rerun with TARN_FUZZ_SEED={seed} TARN_FUZZ_COUNT={}",
                index + 1
            ),
        }
    }
    checked
}

/// Asserts that most seeded inputs were checked in full, so an oracle that silently
/// skips everything cannot pass.
fn assert_mostly_checked(name: &'static str, oracle: Oracle) {
    let count = env_or("TARN_FUZZ_COUNT", DEFAULT_COUNT);
    let checked = run(name, oracle);
    assert!(
        checked * 2 >= count,
        "{name} checked only {checked} of {count} inputs in full"
    );
}

#[test]
fn tarn_validates_exactly_what_wasmparser_validates() {
    assert_mostly_checked("validate", oracles::validate);
}

#[test]
fn compiling_a_module_twice_gives_identical_code() {
    assert_mostly_checked("compile", oracles::compile);
}

#[test]
fn generated_modules_instantiate_and_run_or_trap_cleanly() {
    assert_mostly_checked("instantiate", oracles::instantiate);
}

#[test]
fn tarn_and_wasmi_agree_on_results_traps_and_final_state() {
    assert_mostly_checked("differential", oracles::differential);
}

#[test]
fn memory_accesses_trap_exactly_when_out_of_bounds() {
    assert_mostly_checked("memory_accesses", oracles::memory_accesses);
}

#[test]
fn exceptions_cross_host_and_wasm_frames_consistently() {
    assert_mostly_checked("exceptions", oracles::exceptions);
}

#[test]
fn damaged_artifacts_are_rejected_or_load_without_crashing() {
    assert_mostly_checked("deserialize", oracles::deserialize);
}

/// Inputs with which the `deserialize` target once found a defect (its inputs make no
/// module, so they are kept here rather than in `regressions/`).
#[test]
fn deserialize_regressions_stay_fixed() {
    // A damaged escaped-function count, with the checksum recomputed, made loading panic.
    let huge_escaped_count = [
        136, 136, 27, 254, 91, 11, 0, 0, 0, 0, 254, 91, 11, 0, 0, 0, 0, 2, 3,
    ];
    assert_eq!(
        oracles::deserialize(&huge_escaped_count),
        tarn_fuzz::Verdict::Checked
    );
}

#[test]
fn every_oracle_is_run_by_this_file() {
    let names: Vec<&str> = oracles::ALL.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "validate",
            "compile",
            "instantiate",
            "differential",
            "memory_accesses",
            "exceptions",
            "deserialize"
        ]
    );
}

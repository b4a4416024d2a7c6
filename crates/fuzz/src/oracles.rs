//! The oracles: each takes the fuzzer's bytes, builds what it needs from them, and
//! panics when Tarn does something wrong. A panic is the finding; the verdict only says
//! how much was checked, so the smoke test can assert the oracles are not vacuous.

mod compile;
mod differential;
mod instantiate;
mod memory_accesses;
mod validate;

pub use self::compile::compile;
pub use self::differential::differential;
pub use self::instantiate::instantiate;
pub use self::memory_accesses::memory_accesses;
pub use self::validate::validate;

/// How far an oracle got with one input.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Everything the oracle checks was checked, and held.
    Checked,
    /// The input could not be used in full (too few bytes, or an engine limit made the
    /// comparison inconclusive); what was checked held.
    Skipped(&'static str),
}

/// An oracle: the fuzzer's bytes in, a verdict out, a panic on a defect.
pub type Oracle = fn(&[u8]) -> Verdict;

/// Every oracle with its name, in the order the smoke test and CONTRIBUTING.md list them.
pub const ALL: [(&str, Oracle); 5] = [
    ("validate", validate),
    ("compile", compile),
    ("instantiate", instantiate),
    ("differential", differential),
    ("memory_accesses", memory_accesses),
];

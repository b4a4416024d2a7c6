//! The oracles: each takes the fuzzer's bytes, builds what it needs from them, and
//! panics when Tarn does something wrong. A panic is the finding; the verdict only says
//! how much was checked, so the smoke test can assert the oracles are not vacuous.

mod compile;
mod deserialize;
mod differential;
mod exceptions;
mod instantiate;
mod memory_accesses;
mod validate;

use arbitrary::Unstructured;

use crate::engines::{Fuel, TarnConfig};

pub use self::compile::{compile, compile_twice};
pub use self::deserialize::deserialize;
pub use self::differential::{compare, differential};
pub use self::exceptions::exceptions;
pub use self::instantiate::{instantiate, run_module};
pub use self::memory_accesses::memory_accesses;
pub use self::validate::{check, validate};

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
pub const ALL: [(&str, Oracle); 7] = [
    ("validate", validate),
    ("compile", compile),
    ("instantiate", instantiate),
    ("differential", differential),
    ("memory_accesses", memory_accesses),
    ("exceptions", exceptions),
    ("deserialize", deserialize),
];

/// The module the oracle called `oracle` builds from the fuzzer's bytes `data`, as a
/// binary (the bytes themselves for the validate oracle's raw inputs), or `None` when
/// there are too few bytes or no oracle of that name.
///
/// The regression corpus keeps this module beside the raw bytes: a new wasm-smith may
/// build another module from the same bytes, and the kept module still shows the case.
pub fn generated_module(oracle: &str, data: &[u8]) -> Option<Vec<u8>> {
    let u = &mut Unstructured::new(data);
    match oracle {
        "validate" => validate::module(u),
        "compile" => compile::module(u),
        "instantiate" => instantiate::module(u),
        "differential" => differential::module(u),
        "memory_accesses" => memory_accesses::module(u),
        "exceptions" => exceptions::module(u),
        _ => return None,
    }
    .ok()
}

/// Checks a kept module the way the oracle called `oracle` checks the modules it
/// generates, with the default engine configuration and arguments from no bytes (zeros
/// and nulls); `None` when there is no oracle of that name.
///
/// # Panics
///
/// As that oracle.
pub fn check_module(oracle: &str, wasm: &[u8]) -> Option<Verdict> {
    let u = &mut Unstructured::new(&[]);
    Some(match oracle {
        "validate" => check(wasm),
        "compile" => compile_twice(wasm, 0),
        "instantiate" => run_module(wasm, TarnConfig::Default, u),
        "differential" => compare(wasm, TarnConfig::Default, Fuel::Unmetered, u),
        // The plan's steps are not in the module; compiling it is what can be checked.
        "memory_accesses" => check(wasm),
        _ => return None,
    })
}

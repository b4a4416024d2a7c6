//! The differential oracle: the same terminating module and the same calls on Tarn and
//! on the wasmi interpreter must give the same results, the same traps, and the same
//! final memories and globals.

use arbitrary::Unstructured;

use crate::engines::{Fuel, TarnConfig, TarnInstance, WasmiInstance, reference, tarn};
use crate::generators::{self, Proposals};
use crate::values::{CallOutcome, ExportKind};

use super::Verdict;

/// How many times every exported function is called, so later calls see the state
/// earlier ones left.
const ROUNDS: usize = 2;

/// Runs one generated module on both engines and compares everything observable.
///
/// A wasmi stack or growth limit, or Tarn's stack limit, ends the comparison early as
/// inconclusive: the two engines size their stacks differently.
///
/// # Panics
///
/// On any difference, naming the export and its arguments.
pub fn differential(data: &[u8]) -> Verdict {
    let mut u = Unstructured::new(data);
    let Ok(wasm) = generators::module_config(&mut u, Proposals::TARN)
        .and_then(|config| generators::terminating_module(&mut u, config))
    else {
        return Verdict::Skipped("not enough bytes for a module");
    };
    let config = u.arbitrary().unwrap_or(TarnConfig::Default);
    // Generated code counts its own fuel, so Tarn's metering is optional: without it
    // Tarn runs the code users run by default, with it the metering must not change
    // any result.
    let fuel = u.arbitrary().unwrap_or(Fuel::Unmetered);
    let (mut ours, mut theirs) = match instantiate_both(config, fuel, &wasm) {
        Ok(pair) => pair,
        Err(verdict) => return verdict,
    };
    let exports = ours.exports();
    for _ in 0..ROUNDS {
        for (name, kind) in &exports {
            let ExportKind::Func { params, .. } = kind else {
                continue;
            };
            let Ok(args) = generators::arguments(&mut u, params) else {
                continue;
            };
            let expected = theirs.call(name, &args);
            let actual = ours.call(name, &args);
            if expected == CallOutcome::Inconclusive || actual == CallOutcome::Inconclusive {
                return Verdict::Skipped("an engine limit was reached");
            }
            assert_eq!(
                actual, expected,
                "{config:?}, {fuel:?}: calling {name:?} with {args:?} differs from wasmi"
            );
        }
    }
    assert_eq!(
        ours.snapshot(),
        theirs.snapshot(),
        "{config:?}, {fuel:?}: final memories, globals or tables differ from wasmi"
    );
    Verdict::Checked
}

/// Instantiates `wasm` on both engines; when either fails, checks that both failed the
/// same way and returns the verdict.
fn instantiate_both(
    config: TarnConfig,
    fuel: Fuel,
    wasm: &[u8],
) -> Result<(TarnInstance, WasmiInstance), Verdict> {
    let theirs = WasmiInstance::new(wasm);
    let ours = TarnInstance::new(config, fuel, wasm);
    match (ours, theirs) {
        (Ok(ours), Ok(theirs)) => Ok((ours, theirs)),
        (ours, theirs) => {
            let expected = theirs
                .err()
                .map(|e| reference::outcome_of_instantiation_error(&e));
            let actual = ours.err().map(|e| tarn::outcome_of_error(&e));
            if expected == Some(CallOutcome::Inconclusive)
                || actual == Some(CallOutcome::Inconclusive)
            {
                return Err(Verdict::Skipped("an engine limit was reached"));
            }
            assert_eq!(
                actual, expected,
                "{config:?}, {fuel:?}: instantiation differs from wasmi"
            );
            Err(Verdict::Checked)
        }
    }
}

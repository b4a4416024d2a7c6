//! The differential oracle: the same terminating module and the same calls on Tarn and
//! on the wasmi interpreter must give the same results, the same traps, the same exports,
//! and the same final memories, globals and tables.

use arbitrary::Unstructured;

use crate::engines::{Fuel, TarnConfig, TarnInstance, WasmiInstance, reference, tarn};
use crate::generators::{self, DIFFERENTIAL_FEATURES};
use crate::values::{CallOutcome, ExportKind, Limit};

use super::Verdict;

/// How many times every exported function is called, so later calls see the state
/// earlier ones left.
const ROUNDS: usize = 2;

/// Runs one generated module on both engines and compares everything observable.
///
/// Engine limits are judged, not excused: a limit wasmi hit (its 1000-frame stack, a
/// growth limit, fuel) ends the comparison early as inconclusive, since Tarn may
/// legitimately go further. A limit only Tarn hit is a finding: Tarn's stack budget is
/// far above what generated code needs, its fuel is only excused when wasmi, metered
/// alike, ran out too, and epoch interruption is never enabled.
///
/// # Panics
///
/// On any difference, naming the export and its arguments.
pub fn differential(data: &[u8]) -> Verdict {
    let mut u = Unstructured::new(data);
    let Ok(wasm) = module(&mut u) else {
        return Verdict::Skipped("not enough bytes for a module");
    };
    let config = u.arbitrary().unwrap_or(TarnConfig::Default);
    // Generated code counts its own fuel, so metering is optional: without it Tarn runs
    // the code users run by default, with it the metering must not change any result.
    let fuel = u.arbitrary().unwrap_or(Fuel::Unmetered);
    compare(&wasm, config, fuel, &mut u)
}

/// The module [`differential`] generates from the front of `u`.
pub(super) fn module(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let config = generators::module_config(u, DIFFERENTIAL_FEATURES)?;
    generators::terminating_module(u, config)
}

/// Runs `wasm` (a module that terminates on every engine) on Tarn, configured by
/// `config` and `fuel`, and on wasmi, calling each export with arguments drawn from `u`.
///
/// # Panics
///
/// On any difference, as [`differential`].
pub fn compare(wasm: &[u8], config: TarnConfig, fuel: Fuel, u: &mut Unstructured<'_>) -> Verdict {
    let (mut ours, mut theirs) = match instantiate_both(config, fuel, wasm) {
        Ok(pair) => pair,
        Err(verdict) => return verdict,
    };
    let exports = ours.exports();
    let names: Vec<&str> = exports.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        export_section_order(wasm),
        "{config:?}, {fuel:?}: Tarn lists exports out of the module's order"
    );
    // wasmi lists exports by name, so the lists are compared in that order.
    let mut sorted = exports.clone();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut wasmi_exports = theirs.exports();
    wasmi_exports.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        sorted, wasmi_exports,
        "{config:?}, {fuel:?}: the export lists differ from wasmi's"
    );
    for _ in 0..ROUNDS {
        for (name, kind) in &exports {
            let ExportKind::Func { params, .. } = kind else {
                continue;
            };
            let Ok(args) = generators::arguments(u, params) else {
                continue;
            };
            let expected = theirs.call(name, &args);
            let actual = ours.call(name, &args);
            let context = || format!("{config:?}, {fuel:?}: calling {name:?} with {args:?}");
            if let Some(verdict) = judge_limits(&actual, &expected, fuel, &context) {
                return verdict;
            }
            assert_eq!(actual, expected, "{} differs from wasmi", context());
        }
    }
    assert_eq!(
        ours.snapshot(),
        theirs.snapshot(),
        "{config:?}, {fuel:?}: final memories, globals or tables differ from wasmi"
    );
    Verdict::Checked
}

/// Decides what an engine limit in either outcome means: `None` when neither hit one (or
/// both outcomes must simply be equal), a skip when wasmi's limit makes the rest
/// inconclusive.
///
/// # Panics
///
/// When Tarn hit a limit that wasmi's outcome does not excuse.
fn judge_limits(
    actual: &CallOutcome,
    expected: &CallOutcome,
    fuel: Fuel,
    context: &dyn Fn() -> String,
) -> Option<Verdict> {
    match (actual, expected) {
        (CallOutcome::Limit(Limit::Interrupt), _) => panic!(
            "{}: Tarn reported an epoch interrupt with epochs off; wasmi gave {expected:?}",
            context()
        ),
        (_, CallOutcome::Limit(Limit::StackOverflow | Limit::Resources)) => {
            Some(Verdict::Skipped("wasmi reached a stack or growth limit"))
        }
        (CallOutcome::Limit(Limit::OutOfFuel), CallOutcome::Limit(Limit::OutOfFuel))
            if fuel == Fuel::Metered =>
        {
            Some(Verdict::Skipped("both engines ran out of fuel"))
        }
        _ => None,
    }
}

/// Instantiates `wasm` on both engines; when either fails, checks that both failed the
/// same way and returns the verdict.
fn instantiate_both(
    config: TarnConfig,
    fuel: Fuel,
    wasm: &[u8],
) -> Result<(TarnInstance, WasmiInstance), Verdict> {
    let theirs = WasmiInstance::new(fuel, wasm);
    let ours = TarnInstance::new(config, fuel, wasm);
    match (ours, theirs) {
        (Ok(ours), Ok(theirs)) => Ok((ours, theirs)),
        (ours, theirs) => {
            let expected = match theirs {
                Ok(_) => CallOutcome::Returned(Vec::new()),
                Err(e) => reference::outcome_of_instantiation_error(&e),
            };
            let actual = match ours {
                Ok(_) => CallOutcome::Returned(Vec::new()),
                Err(e) => tarn::outcome_of_error(&e),
            };
            let context = || format!("{config:?}, {fuel:?}: instantiating");
            if let Some(verdict) = judge_limits(&actual, &expected, fuel, &context) {
                return Err(verdict);
            }
            assert_eq!(actual, expected, "{} differs from wasmi", context());
            Err(Verdict::Checked)
        }
    }
}

/// The export names of a valid module in the order of its export section.
fn export_section_order(wasm: &[u8]) -> Vec<&str> {
    use environ::wasmparser::{Parser, Payload};
    let mut names = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Ok(Payload::ExportSection(section)) = payload {
            names.extend(section.into_iter().map(|e| e.expect("a valid export").name));
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::TrapKind;

    fn judge(actual: CallOutcome, expected: CallOutcome, fuel: Fuel) -> Option<Verdict> {
        judge_limits(&actual, &expected, fuel, &|| "test".to_owned())
    }

    const RETURNED: CallOutcome = CallOutcome::Returned(Vec::new());

    #[test]
    #[should_panic(expected = "epoch interrupt with epochs off")]
    fn an_interrupt_is_a_finding() {
        judge(
            CallOutcome::Limit(Limit::Interrupt),
            RETURNED,
            Fuel::Unmetered,
        );
    }

    #[test]
    fn a_stack_overflow_only_tarn_hit_is_left_to_the_comparison() {
        let tarn = CallOutcome::Limit(Limit::StackOverflow);
        assert_eq!(judge(tarn.clone(), RETURNED, Fuel::Unmetered), None);
        let trapped = CallOutcome::Trapped(TrapKind::Unreachable);
        assert_eq!(judge(tarn, trapped, Fuel::Unmetered), None);
    }

    #[test]
    fn running_out_of_fuel_is_excused_only_when_both_metered_engines_did() {
        let out = CallOutcome::Limit(Limit::OutOfFuel);
        assert_eq!(judge(out.clone(), RETURNED, Fuel::Metered), None);
        assert_eq!(judge(out.clone(), out.clone(), Fuel::Unmetered), None);
        assert!(matches!(
            judge(out.clone(), out, Fuel::Metered),
            Some(Verdict::Skipped(_))
        ));
    }

    #[test]
    fn a_limit_wasmi_hit_ends_the_comparison() {
        for limit in [Limit::StackOverflow, Limit::Resources] {
            assert!(matches!(
                judge(RETURNED, CallOutcome::Limit(limit), Fuel::Unmetered),
                Some(Verdict::Skipped(_))
            ));
        }
    }
}

//! The instantiation oracle: any generated module, even one that loops forever, can be
//! compiled, instantiated and have every export called under fuel without Tarn crashing,
//! hanging or failing with anything but a trap.

use arbitrary::Unstructured;

use crate::engines::{Fuel, TarnConfig, TarnInstance, tarn};
use crate::generators::{self, FUZZ_FEATURES};
use crate::values::{CallOutcome, ExportKind, Limit, Value};

use super::Verdict;

/// Instantiates one generated module (without termination instrumentation: Tarn's own
/// fuel bounds every call) and calls each exported function once.
///
/// # Panics
///
/// If a valid module fails to compile, if instantiation or a call fails with anything but
/// a trap, or if a call returns results that do not match the function's type.
pub fn instantiate(data: &[u8]) -> Verdict {
    let mut u = Unstructured::new(data);
    let Ok(wasm) = module(&mut u) else {
        return Verdict::Skipped("not enough bytes for a module");
    };
    let config = u.arbitrary().unwrap_or(TarnConfig::Default);
    run_module(&wasm, config, &mut u)
}

/// The module [`instantiate`] generates from the front of `u`.
pub(super) fn module(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let config = generators::module_config(u, FUZZ_FEATURES)?;
    generators::module(u, config)
}

/// Instantiates `wasm` with `config` under fuel and calls each export once with
/// arguments drawn from `u`.
///
/// # Panics
///
/// As [`instantiate`].
pub fn run_module(wasm: &[u8], config: TarnConfig, u: &mut Unstructured<'_>) -> Verdict {
    let mut instance = match TarnInstance::new(config, Fuel::Metered, wasm) {
        Ok(instance) => instance,
        Err(error) => {
            // A trap in a segment initialiser or the start function is fine; anything
            // else (a compile error, say) panics inside `outcome_of_error`.
            let outcome = tarn::outcome_of_error(&error);
            assert_ne!(
                outcome,
                CallOutcome::Limit(Limit::Interrupt),
                "{config:?}: instantiation was interrupted with epochs off"
            );
            return Verdict::Checked;
        }
    };
    for (name, kind) in instance.exports() {
        let ExportKind::Func { params, results } = kind else {
            continue;
        };
        let Ok(args) = generators::arguments(u, &params) else {
            continue;
        };
        match instance.call(&name, &args) {
            CallOutcome::Returned(values) => assert!(
                values.iter().zip(&results).all(|(v, ty)| has_type(*v, ty))
                    && values.len() == results.len(),
                "{config:?}: {name:?} returned {values:?}, not {results:?}"
            ),
            CallOutcome::Limit(Limit::Interrupt) => {
                panic!("{config:?}: {name:?} was interrupted with epochs off")
            }
            CallOutcome::Trapped(_) | CallOutcome::Limit(_) => {}
        }
    }
    Verdict::Checked
}

fn has_type(value: Value, ty: &::tarn::ValType) -> bool {
    use ::tarn::ValType as T;
    matches!(
        (value, ty),
        (Value::I32(_), T::I32)
            | (Value::I64(_), T::I64)
            | (Value::F32(_), T::F32)
            | (Value::F64(_), T::F64)
            | (Value::V128(_), T::V128)
            | (Value::NullRef | Value::Ref, T::Ref(_))
    )
}

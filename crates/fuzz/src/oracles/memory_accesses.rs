//! The memory-access oracle: generated loads, stores (scalar and SIMD: full, lane, splat,
//! zero-extending and widening), `memory.fill` and `memory.copy` at
//! addresses near the memory's end, under every bounds-check strategy Tarn has (guard
//! pages, explicit checks, a small reservation that moves on growth), on 32-bit and
//! 64-bit memories (whose addresses and offsets reach the top of the 64-bit range).
//! Each must trap exactly when address + offset + width exceeds the memory's size, which
//! the oracle computes itself without overflow, and loads must return what a byte-array
//! model of the memory holds.

mod plan;

use arbitrary::Unstructured;
use tarn::{Instance, Module, Store, Val};

use crate::engines::{Fuel, TarnConfig};

use self::plan::{Access, Plan, Step, plan_limit};
use super::Verdict;

/// Runs one access plan and compares every step, and the final memory, with the model.
///
/// # Panics
///
/// When a step traps and should not, does not trap and should, returns another value
/// than the model, or the final memory differs from the model.
pub fn memory_accesses(data: &[u8]) -> Verdict {
    let mut u = Unstructured::new(data);
    let Ok(config) = u.arbitrary::<TarnConfig>() else {
        return Verdict::Skipped("not enough bytes for a plan");
    };
    let Ok(plan) = Plan::arbitrary(&mut u) else {
        return Verdict::Skipped("not enough bytes for a plan");
    };
    let engine = config.engine(Fuel::Unmetered);
    let module = Module::new(engine, plan.to_wat()).expect("the plan's module is valid");
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("nothing can trap");
    let memory = instance.get_memory(&mut store, "memory").expect("exported");
    let mut model = vec![0u8; (plan.minimum as usize) << 16];
    if let Some((at, bytes)) = plan.initial_bytes() {
        model[at as usize..][..bytes.len()].copy_from_slice(&bytes);
    }
    for (index, step) in plan.steps.iter().enumerate() {
        let context = format!("{config:?}, step {index} {step:?} of {plan:?}");
        let expected = expect(&plan, &mut model, *step);
        let actual = run(&mut store, &instance, &plan, *step);
        assert_eq!(actual, expected, "{context}");
        assert_eq!(memory.data_size(&store), model.len(), "{context}: size");
    }
    assert!(
        memory.data(&store) == model.as_slice(),
        "{config:?}: final memory differs from the model after {plan:?}"
    );
    Verdict::Checked
}

/// The module [`memory_accesses`] runs, made from the front of `u`, as a binary.
pub(super) fn module(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    u.arbitrary::<TarnConfig>()?;
    let plan = Plan::arbitrary(u)?;
    wat::parse_str(plan.to_wat()).map_err(|_| arbitrary::Error::IncorrectFormat)
}

/// What a step returns: `Ok(value)` (0 for steps without a result) or `Err(())` for an
/// out-of-bounds trap.
type StepResult = Result<i64, ()>;

/// Applies `step` to the model and says what it must return.
fn expect(plan: &Plan, model: &mut Vec<u8>, step: Step) -> StepResult {
    let size = model.len() as u128;
    let in_bounds = |start: u128, len: u64| start + u128::from(len) <= size;
    match step {
        Step::Access {
            access,
            address,
            value,
        } => {
            let Access { kind, offset } = plan.accesses[access];
            let start = u128::from(address) + u128::from(offset);
            if !in_bounds(start, u64::from(kind.width)) {
                return Err(());
            }
            let range = start as usize..start as usize + usize::from(kind.width);
            if kind.store {
                // Stores write the value's bytes, repeated when wider (a SIMD splat).
                let bytes = value.to_le_bytes();
                for (i, slot) in model[range].iter_mut().enumerate() {
                    *slot = bytes[i % 8];
                }
                return Ok(0);
            }
            let returned =
                &model[range][usize::from(kind.value_at)..][..usize::from(kind.value_width)];
            let mut bytes = [0u8; 8];
            bytes[..returned.len()].copy_from_slice(returned);
            Ok(extend(
                u64::from_le_bytes(bytes),
                kind.value_width,
                kind.signed,
                kind.bits,
            ))
        }
        Step::Grow { delta } => {
            let pages = (size >> 16) as u64;
            if pages.saturating_add(delta) > plan_limit(plan.maximum) {
                return Ok(-1);
            }
            model.resize(model.len() + ((delta as usize) << 16), 0);
            Ok(pages as i64)
        }
        Step::Fill { dst, value, len } => {
            if !in_bounds(u128::from(dst), len) {
                return Err(());
            }
            model[dst as usize..][..len as usize].fill(value);
            Ok(0)
        }
        Step::Copy { dst, src, len } => {
            if !in_bounds(u128::from(dst), len) || !in_bounds(u128::from(src), len) {
                return Err(());
            }
            model.copy_within(src as usize..(src + len) as usize, dst as usize);
            Ok(0)
        }
    }
}

/// A loaded value as the exported function returns it: sign-extended into the
/// instruction's type when the load is signed, then zero-extended to 64 bits.
fn extend(raw: u64, width: u8, signed: bool, bits: u32) -> i64 {
    let value = if signed {
        let shift = 64 - 8 * u32::from(width);
        (((raw << shift) as i64) >> shift) as u64
    } else {
        raw
    };
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    (value & mask) as i64
}

/// Runs `step` on Tarn.
///
/// # Panics
///
/// If a call fails with anything but an out-of-bounds memory trap.
fn run(store: &mut Store<()>, instance: &Instance, plan: &Plan, step: Step) -> StepResult {
    // An address, length or delta in the memory's index type.
    let arg = |v: u64| {
        if plan.memory64 {
            Val::I64(v as i64)
        } else {
            Val::I32(v as u32 as i32)
        }
    };
    let (name, params, has_result) = match step {
        Step::Access {
            access,
            address,
            value,
        } => (
            format!("access{access}"),
            vec![arg(address), Val::I64(value as i64)],
            !plan.accesses[access].kind.store,
        ),
        Step::Grow { delta } => ("grow".to_owned(), vec![arg(delta)], true),
        Step::Fill { dst, value, len } => (
            "fill".to_owned(),
            vec![arg(dst), Val::I32(i32::from(value)), arg(len)],
            false,
        ),
        Step::Copy { dst, src, len } => {
            ("copy".to_owned(), vec![arg(dst), arg(src), arg(len)], false)
        }
    };
    let func = instance.get_func(&mut *store, &name).expect("exported");
    let mut results = vec![Val::I64(0); usize::from(has_result)];
    if let Step::Grow { .. } = step {
        results = vec![arg(0)];
    }
    match func.call(&mut *store, &params, &mut results) {
        Ok(()) => Ok(match results.first() {
            Some(Val::I64(v)) => *v,
            Some(Val::I32(v)) => i64::from(*v),
            _ => 0,
        }),
        Err(error) => {
            let trap = error.downcast_ref::<tarn::Trap>();
            assert!(
                trap.is_some_and(|t| t.code() == tarn::TrapCode::MemoryOutOfBounds),
                "{name} failed with {error}, not an out-of-bounds trap"
            );
            Err(())
        }
    }
}

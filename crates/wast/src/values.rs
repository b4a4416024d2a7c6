//! Converting `.wast` argument literals to [`Val`]s and matching results against expected
//! patterns, including `nan:canonical`, `nan:arithmetic` and per-lane `v128` patterns.

use tarn::{ExternRef, Store, Val};
use wast::core::{
    AbstractHeapType, HeapType, NanPattern, V128Const, V128Pattern, WastArgCore, WastRetCore,
};
use wast::{WastArg, WastRet};

/// The value of one `invoke` argument.
pub(crate) fn arg_to_val(store: &mut Store<()>, arg: &WastArg<'_>) -> Result<Val, String> {
    let WastArg::Core(arg) = arg else {
        return Err("component-model arguments are not supported".into());
    };
    Ok(match arg {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(v128_bits(v)),
        WastArgCore::RefNull(HeapType::Abstract { ty, .. }) => match ty {
            AbstractHeapType::Func => Val::FuncRef(None),
            AbstractHeapType::Extern => Val::ExternRef(None),
            other => return Err(format!("unsupported null reference type {other:?}")),
        },
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef::new(&mut *store, *n))),
        other => return Err(format!("unsupported argument {other:?}")),
    })
}

fn v128_bits(v: &V128Const) -> u128 {
    u128::from_le_bytes(v.to_le_bytes())
}

/// Checks one result against its expected pattern; the error says what differed.
pub(crate) fn match_result(
    store: &Store<()>,
    actual: &Val,
    expected: &WastRet<'_>,
) -> Result<(), String> {
    let WastRet::Core(expected) = expected else {
        return Err("component-model results are not supported".into());
    };
    if matches(store, actual, expected) {
        Ok(())
    } else {
        Err(format!("expected {expected:?}, got {actual:?}"))
    }
}

/// Whether `actual` fits the pattern `expected`.
fn matches(store: &Store<()>, actual: &Val, expected: &WastRetCore<'_>) -> bool {
    match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(e), Val::F32(a)) => f32_matches(e, *a),
        (WastRetCore::F64(e), Val::F64(a)) => f64_matches(e, *a),
        (WastRetCore::V128(e), Val::V128(a)) => v128_matches(e, *a),
        (WastRetCore::RefNull(heap_type), Val::FuncRef(None)) => {
            null_of(heap_type.as_ref(), AbstractHeapType::Func)
        }
        (WastRetCore::RefNull(heap_type), Val::ExternRef(None)) => {
            null_of(heap_type.as_ref(), AbstractHeapType::Extern)
        }
        (WastRetCore::RefExtern(None), Val::ExternRef(r)) => r.is_some(),
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
            r.data(store).downcast_ref::<u32>() == Some(n)
        }
        (WastRetCore::RefFunc(None), Val::FuncRef(r)) => r.is_some(),
        (WastRetCore::Either(options), _) => {
            options.iter().any(|option| matches(store, actual, option))
        }
        _ => false,
    }
}

/// Whether a null of the hierarchy whose top is `top` (`func` or `extern`) matches the
/// expected `ref.null` heap type: the top itself, its bottom, or no type given.
fn null_of(expected: Option<&HeapType<'_>>, top: AbstractHeapType) -> bool {
    let bottom = match top {
        AbstractHeapType::Func => AbstractHeapType::NoFunc,
        _ => AbstractHeapType::NoExtern,
    };
    match expected {
        None => true,
        Some(HeapType::Abstract { ty, .. }) => *ty == top || *ty == bottom,
        Some(_) => false,
    }
}

fn f32_matches(expected: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    let value = f32::from_bits(bits);
    match expected {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => value.is_nan() && bits & 0x0040_0000 != 0,
        NanPattern::Value(e) => e.bits == bits,
    }
}

fn f64_matches(expected: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    let value = f64::from_bits(bits);
    match expected {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => value.is_nan() && bits & 0x0008_0000_0000_0000 != 0,
        NanPattern::Value(e) => e.bits == bits,
    }
}

fn v128_matches(expected: &V128Pattern, bits: u128) -> bool {
    let bytes = bits.to_le_bytes();
    let lanes = |width: usize| bytes.chunks_exact(width);
    match expected {
        V128Pattern::I8x16(e) => e.iter().zip(bytes).all(|(e, a)| *e as u8 == a),
        V128Pattern::I16x8(e) => e.iter().zip(lanes(2)).all(|(e, a)| e.to_le_bytes() == a),
        V128Pattern::I32x4(e) => e.iter().zip(lanes(4)).all(|(e, a)| e.to_le_bytes() == a),
        V128Pattern::I64x2(e) => e.iter().zip(lanes(8)).all(|(e, a)| e.to_le_bytes() == a),
        V128Pattern::F32x4(e) => e
            .iter()
            .zip(lanes(4))
            .all(|(e, a)| f32_matches(e, u32::from_le_bytes(a.try_into().expect("4-byte lane")))),
        V128Pattern::F64x2(e) => e
            .iter()
            .zip(lanes(8))
            .all(|(e, a)| f64_matches(e, u64::from_le_bytes(a.try_into().expect("8-byte lane")))),
    }
}

//! Engine-neutral values, traps and outcomes, so the differential oracle can compare
//! Tarn with wasmi without either engine's types leaking into the other's side.

use std::collections::BTreeMap;

/// A WebAssembly value as both engines can report it.
///
/// Floats are bits with every NaN made canonical, and references only say whether they
/// are null: two engines' function handles cannot be compared.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as its bits.
    F32(u32),
    /// An `f64`, as its bits.
    F64(u64),
    /// A `v128`.
    V128(u128),
    /// A null `funcref` or `externref`.
    NullRef,
    /// A non-null reference.
    Ref,
}

impl Value {
    /// The value with NaNs replaced by the canonical NaN of their width, positive sign.
    ///
    /// wasm-smith's `canonicalize_nans` makes generated code produce canonical NaNs, but
    /// a NaN argument can still flow unchanged through `select` or a local, and the
    /// sign of a NaN is not specified, so results are compared in this form.
    pub fn canonical(self) -> Self {
        match self {
            Self::F32(bits) if f32::from_bits(bits).is_nan() => Self::F32(f32::NAN.to_bits()),
            Self::F64(bits) if f64::from_bits(bits).is_nan() => Self::F64(f64::NAN.to_bits()),
            other => other,
        }
    }

    /// The value as Tarn takes it, for a parameter of type `ty`.
    pub fn to_tarn(self, ty: tarn::ValType) -> tarn::Val {
        match self {
            Self::I32(v) => tarn::Val::I32(v),
            Self::I64(v) => tarn::Val::I64(v),
            Self::F32(bits) => tarn::Val::F32(bits),
            Self::F64(bits) => tarn::Val::F64(bits),
            Self::V128(bits) => tarn::Val::V128(bits),
            Self::NullRef | Self::Ref => tarn::Val::default_for(ty),
        }
    }

    /// Tarn's value in this form.
    pub fn from_tarn(value: &tarn::Val) -> Self {
        match value {
            tarn::Val::I32(v) => Self::I32(*v),
            tarn::Val::I64(v) => Self::I64(*v),
            tarn::Val::F32(bits) => Self::F32(*bits),
            tarn::Val::F64(bits) => Self::F64(*bits),
            tarn::Val::V128(bits) => Self::V128(*bits),
            tarn::Val::FuncRef(f) => Self::reference(f.is_none()),
            tarn::Val::ExternRef(r) => Self::reference(r.is_none()),
        }
    }

    fn reference(null: bool) -> Self {
        if null { Self::NullRef } else { Self::Ref }
    }
}

/// Why a call trapped, in terms both engines can express.
///
/// Tarn distinguishes a `call_indirect` past the table's end (`UndefinedElement`) from
/// a table access past it (`TableOutOfBounds`); wasmi reports both as
/// `TableOutOfBounds`, so they map to one kind here. Likewise for null entries.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TrapKind {
    /// `unreachable`, including running out of the generator's fuel counter.
    Unreachable,
    /// A memory access or bulk memory operation out of bounds.
    MemoryOutOfBounds,
    /// A table access out of bounds, or `call_indirect` past the table's end.
    TableOutOfBounds,
    /// `call_indirect` through a null entry.
    IndirectCallToNull,
    /// `call_indirect` to a function of another type.
    BadSignature,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// `INT_MIN / -1`.
    IntegerOverflow,
    /// A float-to-int truncation of NaN or of a value out of range.
    BadConversionToInteger,
    /// A trap the other engine cannot produce for scalar Wasm 2.0.
    Other(&'static str),
}

impl TrapKind {
    /// Tarn's trap code as a kind, or `None` for traps that depend on engine limits
    /// (stack and fuel), which make a comparison inconclusive.
    pub fn from_tarn(code: tarn::TrapCode) -> Option<Self> {
        use tarn::TrapCode as T;
        Some(match code {
            T::StackOverflow | T::OutOfFuel | T::Interrupt => return None,
            T::UnreachableCodeReached => Self::Unreachable,
            T::MemoryOutOfBounds => Self::MemoryOutOfBounds,
            T::TableOutOfBounds | T::UndefinedElement => Self::TableOutOfBounds,
            T::UninitializedElement => Self::IndirectCallToNull,
            T::BadSignature => Self::BadSignature,
            T::IntegerDivisionByZero => Self::IntegerDivisionByZero,
            T::IntegerOverflow => Self::IntegerOverflow,
            T::BadConversionToInteger => Self::BadConversionToInteger,
            T::HeapMisaligned => Self::Other("unaligned atomic"),
            T::NullReference => Self::Other("null reference"),
        })
    }
}

/// What one call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    /// It returned these results (canonical form).
    Returned(Vec<Value>),
    /// It trapped.
    Trapped(TrapKind),
    /// It hit an engine limit (stack depth, fuel): nothing can be compared from here on.
    Inconclusive,
}

/// The state a module leaves behind, read through its exports and keyed by export name
/// (the engines list exports in different orders).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// The bytes of each exported memory.
    pub memories: BTreeMap<String, Vec<u8>>,
    /// The value of each exported global (canonical form).
    pub globals: BTreeMap<String, Value>,
    /// The size of each exported table.
    pub table_sizes: BTreeMap<String, u64>,
}

/// What kind of export a name refers to; the oracles only call functions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// A function with these parameter and result types.
    Func {
        /// Parameter types.
        params: Vec<tarn::ValType>,
        /// Result types.
        results: Vec<tarn::ValType>,
    },
    /// A memory, global or table.
    Other,
}

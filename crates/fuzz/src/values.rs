//! Engine-neutral values, traps and outcomes, so the differential oracle can compare
//! Tarn with wasmi without either engine's types leaking into the other's side.

use std::collections::BTreeMap;

/// A WebAssembly value as both engines can report it.
///
/// Floats are their exact bits: wasm-smith's `canonicalize_nans` makes every float
/// operation of generated code give the canonical NaN, and the other NaNs a result can
/// hold come unchanged from an argument through operations the spec defines bit for bit
/// (locals, `select`, `neg`, `abs`, `copysign`, loads and stores), so both engines must
/// agree on every bit. References only say whether they are null; table snapshots say
/// which function an entry is.
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
    /// The value as Tarn takes it, for a parameter of type `ty`.
    pub fn to_tarn(self, ty: &tarn::ValType) -> tarn::Val {
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
            tarn::Val::ExnRef(r) => Self::reference(r.is_none()),
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
    /// Tarn's trap code as an outcome: a trap kind, or the engine limit it reports.
    pub fn from_tarn(code: tarn::TrapCode) -> CallOutcome {
        use tarn::TrapCode as T;
        CallOutcome::Trapped(match code {
            T::StackOverflow => return CallOutcome::Limit(Limit::StackOverflow),
            T::OutOfFuel => return CallOutcome::Limit(Limit::OutOfFuel),
            T::Interrupt => return CallOutcome::Limit(Limit::Interrupt),
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
            T::NullFunctionReference => Self::Other("null function reference"),
            T::NullExceptionReference => Self::Other("null exception reference"),
        })
    }
}

/// What one call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    /// It returned these results.
    Returned(Vec<Value>),
    /// It trapped.
    Trapped(TrapKind),
    /// It hit an engine limit. The oracle decides whether that is a finding (a limit
    /// only Tarn hit) or ends the comparison (a limit wasmi hit too).
    Limit(Limit),
}

/// An engine limit a call or instantiation can hit.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Limit {
    /// The engine's stack budget ran out.
    StackOverflow,
    /// Fuel metering ran out.
    OutOfFuel,
    /// An epoch deadline passed (never enabled by the oracles, so always a defect).
    Interrupt,
    /// A memory or table could not grow within the oracles' common limits, or the host
    /// refused memory.
    Resources,
}

/// One entry of a table: null, the exported function it is (named by its first export
/// name, in sorted order, so both engines name it alike), or an externref.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableEntry {
    /// A null reference.
    Null,
    /// A function, by its first export name; `None` for a function that is not
    /// exported (the generators export every function, so that would be a defect).
    Func(Option<String>),
    /// A non-null externref.
    Extern,
}

/// The state a module leaves behind, read through its exports and keyed by export name
/// (the engines list exports in different orders).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// The bytes of each exported memory.
    pub memories: BTreeMap<String, Vec<u8>>,
    /// The value of each exported global.
    pub globals: BTreeMap<String, Value>,
    /// The entries of each exported table.
    pub tables: BTreeMap<String, Vec<TableEntry>>,
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
    /// A memory.
    Memory,
    /// A global of this type.
    Global(tarn::ValType),
    /// A table of this element type.
    Table(tarn::ValType),
    /// An exception tag.
    Tag,
}

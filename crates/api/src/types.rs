//! The types users see: `ValType`, `RefType`, `FuncType`, `GlobalType`, `TableType`,
//! `MemoryType` and `ExternType`, with conversions to and from `tarn-environ`'s.

use core::fmt;

use environ::{Limits, WasmValType};

/// A reference type.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RefType {
    /// `funcref`.
    Func,
    /// `externref`.
    Extern,
}

/// The type of a WebAssembly value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// `funcref`.
    FuncRef,
    /// `externref`.
    ExternRef,
}

impl ValType {
    pub(crate) fn from_wasm(ty: WasmValType) -> Self {
        match ty {
            WasmValType::I32 => Self::I32,
            WasmValType::I64 => Self::I64,
            WasmValType::F32 => Self::F32,
            WasmValType::F64 => Self::F64,
            WasmValType::V128 => Self::V128,
            WasmValType::Ref(environ::RefType::Func) => Self::FuncRef,
            WasmValType::Ref(environ::RefType::Extern) => Self::ExternRef,
        }
    }

    pub(crate) fn to_wasm(self) -> WasmValType {
        match self {
            Self::I32 => WasmValType::I32,
            Self::I64 => WasmValType::I64,
            Self::F32 => WasmValType::F32,
            Self::F64 => WasmValType::F64,
            Self::V128 => WasmValType::V128,
            Self::FuncRef => WasmValType::Ref(environ::RefType::Func),
            Self::ExternRef => WasmValType::Ref(environ::RefType::Extern),
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_wasm().fmt(f)
    }
}

impl RefType {
    pub(crate) fn from_wasm(ty: environ::RefType) -> Self {
        match ty {
            environ::RefType::Func => Self::Func,
            environ::RefType::Extern => Self::Extern,
        }
    }

    pub(crate) fn to_wasm(self) -> environ::RefType {
        match self {
            Self::Func => environ::RefType::Func,
            Self::Extern => environ::RefType::Extern,
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_wasm().fmt(f)
    }
}

/// A function signature. Cloning is cheap: the type lists are shared.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    params: std::sync::Arc<[ValType]>,
    results: std::sync::Arc<[ValType]>,
}

impl FuncType {
    /// A signature from parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        Self {
            params: params.into_iter().collect(),
            results: results.into_iter().collect(),
        }
    }

    /// Parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.params
    }

    /// Result types.
    pub fn results(&self) -> &[ValType] {
        &self.results
    }

    pub(crate) fn from_wasm(ty: &environ::FuncType) -> Self {
        Self::new(
            ty.params.iter().map(|&t| ValType::from_wasm(t)),
            ty.results.iter().map(|&t| ValType::from_wasm(t)),
        )
    }

    pub(crate) fn to_wasm(&self) -> environ::FuncType {
        environ::FuncType::new(
            self.params.iter().map(|t| t.to_wasm()),
            self.results.iter().map(|t| t.to_wasm()),
        )
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_wasm().fmt(f)
    }
}

/// Whether a global can be changed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

/// The type of a global.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    content: ValType,
    mutability: Mutability,
}

impl GlobalType {
    /// A global type.
    pub fn new(content: ValType, mutability: Mutability) -> Self {
        Self {
            content,
            mutability,
        }
    }

    /// The type of the value.
    pub fn content(&self) -> ValType {
        self.content
    }

    /// Whether the global is mutable.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    pub(crate) fn from_wasm(ty: environ::GlobalType) -> Self {
        let mutability = if ty.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        };
        Self::new(ValType::from_wasm(ty.content), mutability)
    }

    pub(crate) fn to_wasm(self) -> environ::GlobalType {
        environ::GlobalType {
            content: self.content.to_wasm(),
            mutable: self.mutability == Mutability::Var,
        }
    }
}

impl fmt::Display for GlobalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_wasm().fmt(f)
    }
}

/// The type of a table: its element type, index type and limits in elements.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    element: RefType,
    minimum: u64,
    maximum: Option<u64>,
    table64: bool,
}

impl TableType {
    /// A table type with 32-bit indices and sizes in elements.
    pub fn new(element: RefType, minimum: u32, maximum: Option<u32>) -> Self {
        Self {
            element,
            minimum: minimum.into(),
            maximum: maximum.map(u64::from),
            table64: false,
        }
    }

    /// A table type with 64-bit indices (the memory64 proposal's `table64`).
    pub fn new64(element: RefType, minimum: u64, maximum: Option<u64>) -> Self {
        Self {
            element,
            minimum,
            maximum,
            table64: true,
        }
    }

    /// What the table holds.
    pub fn element(&self) -> RefType {
        self.element
    }

    /// Initial size in elements.
    pub fn minimum(&self) -> u64 {
        self.minimum
    }

    /// Maximum size in elements, if bounded.
    pub fn maximum(&self) -> Option<u64> {
        self.maximum
    }

    /// Whether indices are 64-bit.
    pub fn is_64(&self) -> bool {
        self.table64
    }

    pub(crate) fn from_wasm(ty: environ::TableType) -> Self {
        Self {
            element: RefType::from_wasm(ty.element),
            minimum: ty.limits.minimum,
            maximum: ty.limits.maximum,
            table64: ty.table64,
        }
    }

    pub(crate) fn to_wasm(self) -> environ::TableType {
        environ::TableType {
            element: self.element.to_wasm(),
            limits: Limits {
                minimum: self.minimum,
                maximum: self.maximum,
            },
            table64: self.table64,
        }
    }
}

impl fmt::Display for TableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_wasm().fmt(f)
    }
}

/// The type of a linear memory: its index type and limits in 64 KiB pages.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    minimum: u64,
    maximum: Option<u64>,
    memory64: bool,
}

impl MemoryType {
    /// A 32-bit memory type with sizes in pages.
    pub fn new(minimum: u32, maximum: Option<u32>) -> Self {
        Self {
            minimum: minimum.into(),
            maximum: maximum.map(u64::from),
            memory64: false,
        }
    }

    /// A 64-bit memory type (the memory64 proposal) with sizes in pages.
    pub fn new64(minimum: u64, maximum: Option<u64>) -> Self {
        Self {
            minimum,
            maximum,
            memory64: true,
        }
    }

    /// Initial size in pages.
    pub fn minimum(&self) -> u64 {
        self.minimum
    }

    /// Maximum size in pages, if bounded.
    pub fn maximum(&self) -> Option<u64> {
        self.maximum
    }

    /// Whether addresses are 64-bit.
    pub fn is_64(&self) -> bool {
        self.memory64
    }

    pub(crate) fn from_wasm(ty: environ::MemoryType) -> Self {
        Self {
            minimum: ty.limits.minimum,
            maximum: ty.limits.maximum,
            memory64: ty.memory64,
        }
    }

    pub(crate) fn to_wasm(self) -> environ::MemoryType {
        environ::MemoryType {
            limits: Limits {
                minimum: self.minimum,
                maximum: self.maximum,
            },
            shared: false,
            memory64: self.memory64,
        }
    }
}

impl fmt::Display for MemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_wasm().fmt(f)
    }
}

/// The type of an import or export.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A table.
    Table(TableType),
    /// A linear memory.
    Memory(MemoryType),
}

impl ExternType {
    pub(crate) fn from_wasm(module: &environ::Module, ty: &environ::EntityType) -> Self {
        match ty {
            environ::EntityType::Function(t) => Self::Func(FuncType::from_wasm(&module.types[*t])),
            environ::EntityType::Global(g) => Self::Global(GlobalType::from_wasm(*g)),
            environ::EntityType::Table(t) => Self::Table(TableType::from_wasm(*t)),
            environ::EntityType::Memory(m) => Self::Memory(MemoryType::from_wasm(*m)),
        }
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Func(t) => t.fmt(f),
            Self::Global(t) => t.fmt(f),
            Self::Table(t) => t.fmt(f),
            Self::Memory(t) => t.fmt(f),
        }
    }
}

/// Whether an entity of type `actual` may satisfy an import of type `expected`: the same
/// kind and value types, and for tables and memories the same index type and limits at
/// least as tight.
pub(crate) fn matches(actual: &ExternType, expected: &ExternType) -> bool {
    let limits_match = |min: u64, max: Option<u64>, emin: u64, emax: Option<u64>| {
        min >= emin
            && match (max, emax) {
                (_, None) => true,
                (Some(max), Some(emax)) => max <= emax,
                (None, Some(_)) => false,
            }
    };
    match (actual, expected) {
        (ExternType::Func(a), ExternType::Func(e)) => a == e,
        (ExternType::Global(a), ExternType::Global(e)) => a == e,
        (ExternType::Table(a), ExternType::Table(e)) => {
            a.element == e.element
                && a.table64 == e.table64
                && limits_match(a.minimum, a.maximum, e.minimum, e.maximum)
        }
        (ExternType::Memory(a), ExternType::Memory(e)) => {
            a.memory64 == e.memory64 && limits_match(a.minimum, a.maximum, e.minimum, e.maximum)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_match_when_at_least_as_tight() {
        let memory = |min, max| ExternType::Memory(MemoryType::new(min, max));
        assert!(matches(&memory(2, Some(3)), &memory(1, Some(4))));
        assert!(matches(&memory(2, None), &memory(1, None)));
        assert!(!matches(&memory(2, None), &memory(1, Some(4))));
        assert!(!matches(&memory(0, Some(3)), &memory(1, None)));
        let memory64 = ExternType::Memory(MemoryType::new64(2, Some(3)));
        assert!(!matches(&memory64, &memory(1, Some(4))));
        assert!(!matches(&memory(2, Some(3)), &memory64));
        let table = |ty, min| ExternType::Table(TableType::new(ty, min, None));
        assert!(matches(&table(RefType::Func, 3), &table(RefType::Func, 3)));
        assert!(!matches(
            &table(RefType::Extern, 3),
            &table(RefType::Func, 3)
        ));
    }

    #[test]
    fn globals_and_functions_match_exactly() {
        let global = |m| ExternType::Global(GlobalType::new(ValType::I32, m));
        assert!(matches(&global(Mutability::Var), &global(Mutability::Var)));
        assert!(!matches(
            &global(Mutability::Var),
            &global(Mutability::Const)
        ));
        let func = |p: Vec<ValType>| ExternType::Func(FuncType::new(p, []));
        assert!(matches(
            &func(vec![ValType::I32]),
            &func(vec![ValType::I32])
        ));
        assert!(!matches(
            &func(vec![ValType::I64]),
            &func(vec![ValType::I32])
        ));
        assert!(!matches(&func(vec![]), &global(Mutability::Var)));
    }
}

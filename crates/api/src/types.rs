//! The types users see: `ValType`, `RefType`, `FuncType`, `GlobalType`, `TableType`,
//! `MemoryType` and `ExternType`, with conversions to and from `tarn-environ`'s.

use core::fmt;

use environ::{Limits, WasmValType};

mod intern;

/// What a reference points to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function (`func`).
    Func,
    /// No function (`nofunc`): only null has this type.
    NoFunc,
    /// A function of exactly this signature (`$t` in `(ref $t)`). Signatures compare
    /// structurally, so equal types from different modules are the same type.
    Concrete(FuncType),
    /// Any host reference (`extern`).
    Extern,
    /// No host reference (`noextern`).
    NoExtern,
    /// Any exception (`exn`).
    Exn,
    /// No exception (`noexn`).
    NoExn,
}

impl HeapType {
    /// Whether every reference of this heap type is also one of `other`: equal types,
    /// a concrete function type below `func`, and a bottom type below everything of its
    /// hierarchy.
    pub fn matches(&self, other: &HeapType) -> bool {
        use HeapType as H;
        match (self, other) {
            (a, b) if a == b => true,
            (H::Concrete(_) | H::NoFunc, H::Func) | (H::NoFunc, H::Concrete(_)) => true,
            (H::NoExtern, H::Extern) | (H::NoExn, H::Exn) => true,
            _ => false,
        }
    }

    /// The top of this type's hierarchy: `func`, `extern` or `exn`.
    pub fn top(&self) -> HeapType {
        match self {
            Self::Func | Self::NoFunc | Self::Concrete(_) => Self::Func,
            Self::Extern | Self::NoExtern => Self::Extern,
            Self::Exn | Self::NoExn => Self::Exn,
        }
    }

    fn from_wasm(types: &ModuleTypes, ty: environ::HeapType) -> Self {
        match ty {
            environ::HeapType::Func => Self::Func,
            environ::HeapType::NoFunc => Self::NoFunc,
            environ::HeapType::Concrete(index) => Self::Concrete(FuncType::from_wasm(types, index)),
            environ::HeapType::Extern => Self::Extern,
            environ::HeapType::NoExtern => Self::NoExtern,
            environ::HeapType::Exn => Self::Exn,
            environ::HeapType::NoExn => Self::NoExn,
        }
    }

    /// The environ heap type with concrete types replaced by `func`, which has the
    /// same run-time representation.
    fn to_wasm_erased(&self) -> environ::HeapType {
        match self {
            Self::Func | Self::Concrete(_) => environ::HeapType::Func,
            Self::NoFunc => environ::HeapType::NoFunc,
            Self::Extern => environ::HeapType::Extern,
            Self::NoExtern => environ::HeapType::NoExtern,
            Self::Exn => environ::HeapType::Exn,
            Self::NoExn => environ::HeapType::NoExn,
        }
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Concrete(ty) => ty.fmt(f),
            other => other.to_wasm_erased().fmt(f),
        }
    }
}

/// A reference type: a heap type, and whether null is one of its values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RefType {
    nullable: bool,
    heap: HeapType,
}

impl RefType {
    /// `funcref`: any function, or null.
    pub const FUNCREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Func,
    };
    /// `externref`: any host reference, or null.
    pub const EXTERNREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Extern,
    };
    /// `exnref`: any exception, or null.
    pub const EXNREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Exn,
    };

    /// `(ref null heap)` when `nullable`, `(ref heap)` otherwise.
    pub fn new(nullable: bool, heap: HeapType) -> Self {
        Self { nullable, heap }
    }

    /// Whether null is a value of this type.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }

    /// What a non-null reference of this type points to.
    pub fn heap_type(&self) -> &HeapType {
        &self.heap
    }

    /// Whether every value of this type is also one of `other` (subtyping).
    pub fn matches(&self, other: &RefType) -> bool {
        (!self.nullable || other.nullable) && self.heap.matches(&other.heap)
    }

    pub(crate) fn from_wasm(types: &ModuleTypes, ty: environ::RefType) -> Self {
        Self::new(ty.nullable, HeapType::from_wasm(types, ty.heap))
    }

    /// The environ type with concrete heap types erased to `func`.
    pub(crate) fn to_wasm_erased(&self) -> environ::RefType {
        environ::RefType {
            nullable: self.nullable,
            heap: self.heap.to_wasm_erased(),
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.heap, self.nullable) {
            (HeapType::Concrete(_), true) => write!(f, "(ref null {})", self.heap),
            (HeapType::Concrete(_), false) => write!(f, "(ref {})", self.heap),
            _ => self.to_wasm_erased().fmt(f),
        }
    }
}

/// The type of a WebAssembly value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
    /// A reference.
    Ref(RefType),
}

/// A module's types as the API sees them, by `TypeIndex`: what concrete reference
/// types in its other types resolve to.
pub(crate) type ModuleTypes = [FuncType];

impl ValType {
    /// `funcref`.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `externref`.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);
    /// `exnref`.
    pub const EXNREF: ValType = ValType::Ref(RefType::EXNREF);

    /// Whether every value of this type is also one of `other` (subtyping; only
    /// references have proper subtypes).
    pub fn matches(&self, other: &ValType) -> bool {
        match (self, other) {
            (Self::Ref(a), Self::Ref(b)) => a.matches(b),
            (a, b) => a == b,
        }
    }

    /// The reference type, for reference value types.
    pub fn as_ref(&self) -> Option<&RefType> {
        match self {
            Self::Ref(r) => Some(r),
            _ => None,
        }
    }

    pub(crate) fn from_wasm(types: &ModuleTypes, ty: WasmValType) -> Self {
        match ty {
            WasmValType::I32 => Self::I32,
            WasmValType::I64 => Self::I64,
            WasmValType::F32 => Self::F32,
            WasmValType::F64 => Self::F64,
            WasmValType::V128 => Self::V128,
            WasmValType::Ref(r) => Self::Ref(RefType::from_wasm(types, r)),
        }
    }

    /// The environ type with concrete heap types erased to `func` (the same
    /// representation at run time).
    pub(crate) fn to_wasm_erased(&self) -> WasmValType {
        match self {
            Self::I32 => WasmValType::I32,
            Self::I64 => WasmValType::I64,
            Self::F32 => WasmValType::F32,
            Self::F64 => WasmValType::F64,
            Self::V128 => WasmValType::V128,
            Self::Ref(r) => WasmValType::Ref(r.to_wasm_erased()),
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ref(r) => r.fmt(f),
            other => other.to_wasm_erased().fmt(f),
        }
    }
}

/// A function signature. Cloning is cheap, and so are hashing and comparing: equal
/// signatures, whichever modules they come from, are one shared (interned) value.
#[derive(Clone)]
pub struct FuncType(std::sync::Arc<intern::FuncTypeData>);

impl PartialEq for FuncType {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for FuncType {}

impl core::hash::Hash for FuncType {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        std::sync::Arc::as_ptr(&self.0).hash(state);
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FuncType({self})")
    }
}

impl FuncType {
    /// A signature from parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        Self(intern::intern(
            params.into_iter().collect(),
            results.into_iter().collect(),
        ))
    }

    /// Parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.0.params
    }

    /// Result types.
    pub fn results(&self) -> &[ValType] {
        &self.0.results
    }

    /// Whether a function of this type may stand where one of `other` is expected.
    /// Without GC's declared subtypes, function types match only when equal.
    pub fn matches(&self, other: &FuncType) -> bool {
        self == other
    }

    /// The module's type `index`, from the module's converted types.
    pub(crate) fn from_wasm(types: &ModuleTypes, index: environ::TypeIndex) -> Self {
        types[index.as_u32() as usize].clone()
    }

    /// Converts a module's type whose concrete references name only `earlier` types:
    /// without GC, validation guarantees a type names only types before it, so a
    /// module's types convert in index order.
    pub(crate) fn convert(ty: &environ::FuncType, earlier: &ModuleTypes) -> Self {
        Self::new(
            ty.params.iter().map(|&t| ValType::from_wasm(earlier, t)),
            ty.results.iter().map(|&t| ValType::from_wasm(earlier, t)),
        )
    }

    /// The environ signature with concrete heap types erased to `func`: what
    /// trampolines need, since every function reference is the same pointer.
    pub(crate) fn to_wasm_erased(&self) -> environ::FuncType {
        environ::FuncType::new(
            self.params().iter().map(ValType::to_wasm_erased),
            self.results().iter().map(ValType::to_wasm_erased),
        )
    }
}

/// How deeply `Display` spells out the signatures concrete reference types name; deeper
/// ones print as `(func ...)`, so a message about a type stays short however deeply
/// its types nest.
const DISPLAY_DEPTH: usize = 3;

std::thread_local! {
    static DISPLAY_NESTING: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nesting = DISPLAY_NESTING.with(|n| n.get());
        if nesting >= DISPLAY_DEPTH {
            return f.write_str("(func ...)");
        }
        DISPLAY_NESTING.with(|n| n.set(nesting + 1));
        let result = self.write_lists(f);
        DISPLAY_NESTING.with(|n| n.set(nesting));
        result
    }
}

impl FuncType {
    fn write_lists(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        for (name, types) in [("param", self.params()), ("result", self.results())] {
            if types.is_empty() {
                continue;
            }
            write!(f, " ({name}")?;
            for ty in types.iter() {
                write!(f, " {ty}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
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
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
    pub fn content(&self) -> &ValType {
        &self.content
    }

    /// Whether the global is mutable.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    pub(crate) fn from_wasm(types: &ModuleTypes, ty: environ::GlobalType) -> Self {
        let mutability = if ty.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        };
        Self::new(ValType::from_wasm(types, ty.content), mutability)
    }
}

impl fmt::Display for GlobalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mutability {
            Mutability::Var => write!(f, "(global (mut {}))", self.content),
            Mutability::Const => write!(f, "(global {})", self.content),
        }
    }
}

/// The type of a table: its element type, index type and limits in elements.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
    pub fn element(&self) -> &RefType {
        &self.element
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

    pub(crate) fn from_wasm(types: &ModuleTypes, ty: environ::TableType) -> Self {
        Self {
            element: RefType::from_wasm(types, ty.element),
            minimum: ty.limits.minimum,
            maximum: ty.limits.maximum,
            table64: ty.table64,
        }
    }
}

impl fmt::Display for TableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let index = if self.table64 { "i64 " } else { "" };
        let limits = Limits {
            minimum: self.minimum,
            maximum: self.maximum,
        };
        write!(f, "(table {index}{limits} {})", self.element)
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
    /// An exception tag.
    Tag(crate::tag::TagType),
}

impl ExternType {
    pub(crate) fn from_wasm(types: &ModuleTypes, ty: &environ::EntityType) -> Self {
        match ty {
            environ::EntityType::Function(t) => Self::Func(FuncType::from_wasm(types, *t)),
            environ::EntityType::Global(g) => Self::Global(GlobalType::from_wasm(types, *g)),
            environ::EntityType::Table(t) => Self::Table(TableType::from_wasm(types, *t)),
            environ::EntityType::Memory(m) => Self::Memory(MemoryType::from_wasm(*m)),
            environ::EntityType::Tag(t) => Self::Tag(crate::tag::TagType::from_wasm(types, *t)),
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
            Self::Tag(t) => t.fmt(f),
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
        (ExternType::Func(a), ExternType::Func(e)) => a.matches(e),
        // An immutable global may be of a subtype; a mutable one is read and written
        // through the import, so its type must be the same.
        (ExternType::Global(a), ExternType::Global(e)) => {
            a.mutability == e.mutability
                && match a.mutability {
                    Mutability::Const => a.content.matches(&e.content),
                    Mutability::Var => a.content == e.content,
                }
        }
        (ExternType::Table(a), ExternType::Table(e)) => {
            a.element == e.element
                && a.table64 == e.table64
                && limits_match(a.minimum, a.maximum, e.minimum, e.maximum)
        }
        (ExternType::Tag(a), ExternType::Tag(e)) => a == e,
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
        assert!(matches(
            &table(RefType::FUNCREF, 3),
            &table(RefType::FUNCREF, 3)
        ));
        assert!(!matches(
            &table(RefType::EXTERNREF, 3),
            &table(RefType::FUNCREF, 3)
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

    #[test]
    fn immutable_globals_match_subtypes() {
        let sig = FuncType::new([ValType::I32], []);
        let concrete =
            |nullable| ValType::Ref(RefType::new(nullable, HeapType::Concrete(sig.clone())));
        let global = |ty: ValType, m| ExternType::Global(GlobalType::new(ty, m));
        assert!(matches(
            &global(concrete(false), Mutability::Const),
            &global(ValType::FUNCREF, Mutability::Const)
        ));
        assert!(matches(
            &global(concrete(false), Mutability::Const),
            &global(concrete(true), Mutability::Const)
        ));
        assert!(!matches(
            &global(concrete(true), Mutability::Const),
            &global(concrete(false), Mutability::Const)
        ));
        assert!(!matches(
            &global(concrete(false), Mutability::Var),
            &global(ValType::FUNCREF, Mutability::Var)
        ));
        let other = HeapType::Concrete(FuncType::new([ValType::I64], []));
        assert!(!HeapType::Concrete(sig.clone()).matches(&other));
        assert!(HeapType::NoFunc.matches(&other));
        assert!(!HeapType::NoExtern.matches(&HeapType::Func));
    }
}

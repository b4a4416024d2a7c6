//! WebAssembly types as Tarn sees them, converted from wasmparser's once at translation so
//! that no other crate needs wasmparser's type representation.

use core::fmt;

use crate::error::CompileError;

/// The size of a WebAssembly page in bytes.
pub const WASM_PAGE_SIZE: u64 = 0x1_0000;

/// The heap type of a reference: what it may point to.
///
/// Function references bring concrete types (`(ref $t)`, a function of the module's
/// type `$t`) and bottom types (`nofunc`, `noextern`, `noexn`: only null), exception
/// handling brings `exn`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum HeapType {
    /// Any function.
    Func,
    /// No function: the bottom of the function hierarchy (only null has this type).
    NoFunc,
    /// A function of this type, by its index in the module's type section.
    Concrete(crate::TypeIndex),
    /// Any host reference.
    Extern,
    /// No host reference (only null).
    NoExtern,
    /// Any exception.
    Exn,
    /// No exception (only null).
    NoExn,
}

/// The three hierarchies of references. References of one family share a
/// representation at run time: a `VMFuncRef` pointer, an externref handle, or an
/// exception handle.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum RefFamily {
    /// `func`, its concrete types and `nofunc`.
    Func,
    /// `extern` and `noextern`.
    Extern,
    /// `exn` and `noexn`.
    Exn,
}

impl HeapType {
    /// The hierarchy this heap type belongs to.
    pub fn family(self) -> RefFamily {
        match self {
            Self::Func | Self::NoFunc | Self::Concrete(_) => RefFamily::Func,
            Self::Extern | Self::NoExtern => RefFamily::Extern,
            Self::Exn | Self::NoExn => RefFamily::Exn,
        }
    }

    /// Whether this is one of the bottom types, inhabited only by null.
    pub fn is_bottom(self) -> bool {
        matches!(self, Self::NoFunc | Self::NoExtern | Self::NoExn)
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Func => f.write_str("func"),
            Self::NoFunc => f.write_str("nofunc"),
            Self::Concrete(index) => write!(f, "{}", index.as_u32()),
            Self::Extern => f.write_str("extern"),
            Self::NoExtern => f.write_str("noextern"),
            Self::Exn => f.write_str("exn"),
            Self::NoExn => f.write_str("noexn"),
        }
    }
}

/// A reference type: a heap type and whether null is a value of it.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct RefType {
    /// Whether null is a value of this type.
    pub nullable: bool,
    /// What a non-null reference points to.
    pub heap: HeapType,
}

impl RefType {
    /// `funcref`, that is `(ref null func)`.
    pub const FUNCREF: RefType = RefType::nullable(HeapType::Func);
    /// `externref`, that is `(ref null extern)`.
    pub const EXTERNREF: RefType = RefType::nullable(HeapType::Extern);
    /// `exnref`, that is `(ref null exn)`.
    pub const EXNREF: RefType = RefType::nullable(HeapType::Exn);

    /// `(ref null heap)`.
    pub const fn nullable(heap: HeapType) -> Self {
        Self {
            nullable: true,
            heap,
        }
    }

    /// The hierarchy of the heap type, which decides the run-time representation.
    pub fn family(self) -> RefFamily {
        self.heap.family()
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap) {
            (true, HeapType::Func) => f.write_str("funcref"),
            (true, HeapType::Extern) => f.write_str("externref"),
            (true, HeapType::Exn) => f.write_str("exnref"),
            (true, heap) => write!(f, "(ref null {heap})"),
            (false, heap) => write!(f, "(ref {heap})"),
        }
    }
}

/// A value type.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum WasmValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
    /// 128-bit SIMD vector.
    V128,
    /// A reference.
    Ref(RefType),
}

impl WasmValType {
    /// Converts wasmparser's value type (of a validated module), rejecting the types of
    /// proposals Tarn does not implement.
    ///
    /// # Errors
    ///
    /// [`CompileError::Unsupported`] for GC reference types.
    pub fn from_wasmparser(ty: wasmparser::ValType, offset: usize) -> Result<Self, CompileError> {
        convert::val_type(ty, offset)
    }
}

impl fmt::Display for WasmValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::I32 => f.write_str("i32"),
            Self::I64 => f.write_str("i64"),
            Self::F32 => f.write_str("f32"),
            Self::F64 => f.write_str("f64"),
            Self::V128 => f.write_str("v128"),
            Self::Ref(r) => r.fmt(f),
        }
    }
}

/// A function signature.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct FuncType {
    /// Parameter types, in order.
    pub params: Box<[WasmValType]>,
    /// Result types, in order.
    pub results: Box<[WasmValType]>,
}

impl FuncType {
    /// A signature from its parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = WasmValType>,
        results: impl IntoIterator<Item = WasmValType>,
    ) -> Self {
        Self {
            params: params.into_iter().collect(),
            results: results.into_iter().collect(),
        }
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(
            f,
            "func",
            &[("param", &self.params), ("result", &self.results)],
        )
    }
}

fn write_list(
    f: &mut fmt::Formatter<'_>,
    head: &str,
    groups: &[(&str, &[WasmValType])],
) -> fmt::Result {
    write!(f, "({head}")?;
    for (name, types) in groups.iter().filter(|(_, types)| !types.is_empty()) {
        write!(f, " ({name}")?;
        for ty in *types {
            write!(f, " {ty}")?;
        }
        f.write_str(")")?;
    }
    f.write_str(")")
}

/// Size limits shared by memories (in pages) and tables (in elements).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Limits {
    /// Initial size.
    pub minimum: u64,
    /// Largest size growth may reach, if bounded.
    pub maximum: Option<u64>,
}

impl fmt::Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.maximum {
            Some(max) => write!(f, "{} {max}", self.minimum),
            None => write!(f, "{}", self.minimum),
        }
    }
}

/// The type of a linear memory.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct MemoryType {
    /// Size limits in 64 KiB pages.
    pub limits: Limits,
    /// Whether the memory is shared between threads (threads proposal).
    pub shared: bool,
    /// Whether addresses are 64-bit (memory64 proposal).
    pub memory64: bool,
}

impl MemoryType {
    /// The largest size in pages this memory may ever have: its declared maximum, or the
    /// limit of its address space.
    pub fn maximum_pages(&self) -> u64 {
        let address_space_pages = if self.memory64 { 1 << 48 } else { 1 << 16 };
        self.limits.maximum.unwrap_or(address_space_pages)
    }
}

impl fmt::Display for MemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let index = if self.memory64 { "i64 " } else { "" };
        let shared = if self.shared { " shared" } else { "" };
        write!(f, "(memory {index}{}{shared})", self.limits)
    }
}

/// The type of a table.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct TableType {
    /// What the table holds.
    pub element: RefType,
    /// Size limits in elements.
    pub limits: Limits,
    /// Whether indices are 64-bit (memory64 proposal's `table64`).
    pub table64: bool,
}

impl TableType {
    /// The largest size in elements this table may ever have: its declared maximum, or
    /// the limit of its index type.
    pub fn maximum_elements(&self) -> u64 {
        let index_limit = if self.table64 {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        };
        self.limits.maximum.unwrap_or(index_limit)
    }
}

impl fmt::Display for TableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let index = if self.table64 { "i64 " } else { "" };
        write!(f, "(table {index}{} {})", self.limits, self.element)
    }
}

/// The type of a global.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct GlobalType {
    /// The type of the value it holds.
    pub content: WasmValType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
}

impl fmt::Display for GlobalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mutable {
            write!(f, "(global (mut {}))", self.content)
        } else {
            write!(f, "(global {})", self.content)
        }
    }
}

/// The type of an imported or exported entity.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum EntityType {
    /// A function with this signature (index into the module's types).
    Function(crate::TypeIndex),
    /// A table.
    Table(TableType),
    /// A linear memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// An exception tag whose payload is the parameters of this function type (index
    /// into the module's types).
    Tag(crate::TypeIndex),
}

impl EntityType {
    /// The kind of entity, as a word for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Function(_) => "function",
            Self::Table(_) => "table",
            Self::Memory(_) => "memory",
            Self::Global(_) => "global",
            Self::Tag(_) => "tag",
        }
    }
}

/// Conversions from wasmparser's types; they fail only for types of proposals Tarn does
/// not implement (GC), which validation lets through only when those features are
/// enabled.
pub(crate) mod convert {
    use super::*;

    pub(crate) fn ref_type(
        ty: wasmparser::RefType,
        offset: usize,
    ) -> Result<RefType, CompileError> {
        Ok(RefType {
            nullable: ty.is_nullable(),
            heap: heap_type(ty.heap_type(), offset)?,
        })
    }

    pub(crate) fn heap_type(
        ty: wasmparser::HeapType,
        offset: usize,
    ) -> Result<HeapType, CompileError> {
        use wasmparser::{AbstractHeapType as A, HeapType as H, UnpackedIndex};
        let unsupported = || CompileError::Unsupported {
            feature: "GC reference types",
            offset,
        };
        Ok(match ty {
            H::Abstract { shared: false, ty } => match ty {
                A::Func => HeapType::Func,
                A::NoFunc => HeapType::NoFunc,
                A::Extern => HeapType::Extern,
                A::NoExtern => HeapType::NoExtern,
                A::Exn => HeapType::Exn,
                A::NoExn => HeapType::NoExn,
                _ => return Err(unsupported()),
            },
            H::Concrete(UnpackedIndex::Module(index)) => {
                HeapType::Concrete(crate::TypeIndex::from_u32(index))
            }
            _ => return Err(unsupported()),
        })
    }

    pub(crate) fn val_type(
        ty: wasmparser::ValType,
        offset: usize,
    ) -> Result<WasmValType, CompileError> {
        Ok(match ty {
            wasmparser::ValType::I32 => WasmValType::I32,
            wasmparser::ValType::I64 => WasmValType::I64,
            wasmparser::ValType::F32 => WasmValType::F32,
            wasmparser::ValType::F64 => WasmValType::F64,
            wasmparser::ValType::V128 => WasmValType::V128,
            wasmparser::ValType::Ref(r) => WasmValType::Ref(ref_type(r, offset)?),
        })
    }

    pub(crate) fn func_type(
        ty: &wasmparser::FuncType,
        offset: usize,
    ) -> Result<FuncType, CompileError> {
        let params = ty
            .params()
            .iter()
            .map(|&p| val_type(p, offset))
            .collect::<Result<_, _>>()?;
        let results = ty
            .results()
            .iter()
            .map(|&r| val_type(r, offset))
            .collect::<Result<_, _>>()?;
        Ok(FuncType { params, results })
    }

    pub(crate) fn memory_type(
        ty: wasmparser::MemoryType,
        offset: usize,
    ) -> Result<MemoryType, CompileError> {
        if ty.page_size_log2.is_some() {
            return Err(CompileError::Unsupported {
                feature: "custom page sizes",
                offset,
            });
        }
        Ok(MemoryType {
            limits: Limits {
                minimum: ty.initial,
                maximum: ty.maximum,
            },
            shared: ty.shared,
            memory64: ty.memory64,
        })
    }

    pub(crate) fn table_type(
        ty: wasmparser::TableType,
        offset: usize,
    ) -> Result<TableType, CompileError> {
        if ty.shared {
            return Err(CompileError::Unsupported {
                feature: "shared tables",
                offset,
            });
        }
        Ok(TableType {
            element: ref_type(ty.element_type, offset)?,
            limits: Limits {
                minimum: ty.initial,
                maximum: ty.maximum,
            },
            table64: ty.table64,
        })
    }

    pub(crate) fn global_type(
        ty: wasmparser::GlobalType,
        offset: usize,
    ) -> Result<GlobalType, CompileError> {
        if ty.shared {
            return Err(CompileError::Unsupported {
                feature: "shared globals",
                offset,
            });
        }
        Ok(GlobalType {
            content: val_type(ty.content_type, offset)?,
            mutable: ty.mutable,
        })
    }
}

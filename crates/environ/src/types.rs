//! WebAssembly types as Tarn sees them, converted from wasmparser's once at translation so
//! that no other crate needs wasmparser's type representation.

use core::fmt;

use crate::error::CompileError;

/// The size of a WebAssembly page in bytes.
pub const WASM_PAGE_SIZE: u64 = 0x1_0000;

/// A reference type. Wasm 2.0 has exactly two, both nullable.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum RefType {
    /// `funcref`: a function, or null.
    Func,
    /// `externref`: an opaque host reference, or null.
    Extern,
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Func => "funcref",
            Self::Extern => "externref",
        })
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
}

impl EntityType {
    /// The kind of entity, as a word for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Function(_) => "function",
            Self::Table(_) => "table",
            Self::Memory(_) => "memory",
            Self::Global(_) => "global",
        }
    }
}

/// Conversions from wasmparser's types; they fail only for types of proposals Tarn does
/// not implement (GC and typed function references), which validation lets through only
/// when those features are enabled.
pub(crate) mod convert {
    use super::*;

    pub(crate) fn ref_type(
        ty: wasmparser::RefType,
        offset: usize,
    ) -> Result<RefType, CompileError> {
        use wasmparser::{AbstractHeapType, HeapType};
        match ty.heap_type() {
            HeapType::Abstract {
                shared: false,
                ty: AbstractHeapType::Func,
            } if ty.is_nullable() => Ok(RefType::Func),
            HeapType::Abstract {
                shared: false,
                ty: AbstractHeapType::Extern,
            } if ty.is_nullable() => Ok(RefType::Extern),
            _ => Err(CompileError::Unsupported {
                feature: "typed function references and GC reference types",
                offset,
            }),
        }
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

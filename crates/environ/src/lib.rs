//! What a WebAssembly module is, as plain data: the translation of a binary into a
//! [`Module`] with typed index spaces, the [`VMOffsets`] layout of the `VMContext` that
//! compiled code and the runtime share, [`TrapCode`]s, the [`BuiltinFunction`] list and the
//! [`Tunables`] that shape generated code.
//!
//! This crate knows nothing of Cranelift, the operating system or running code, so tools
//! can depend on it alone.
//!
//! ```
//! let wasm = wat::parse_str(r#"(module (func (export "answer") (result i32) i32.const 42))"#)?;
//! let translation = tarn_environ::translate_module(&wasm, tarn_environ::Features::default())?;
//! let module = &translation.module;
//! assert_eq!(module.exports[0].name, "answer");
//! assert_eq!(translation.function_bodies.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod builtins;
mod codec;
mod compiled;
mod const_expr;
mod entity;
mod error;
mod features;
mod index;
mod module;
mod static_init;
mod translate;
mod trap_code;
mod tunables;
mod types;
mod vmoffsets;

pub use builtins::{BuiltinFunction, BuiltinSignature, BuiltinType, GROW_FAILED, GROW_TRAPPED};
pub use codec::{Decode, DecodeError, Encode, Reader, Writer, checksum};
pub use compiled::{
    AddressMapEntry, CompiledFunction, CompiledModuleInfo, FunctionLoc, HandlerSite, Relocation,
    TrapSite,
};
pub use const_expr::{ConstExpr, ConstOp};
pub use entity::{EntityVec, TypedIndex};
pub use error::CompileError;
pub use features::Features;
pub use index::{
    DataIndex, DefinedFuncIndex, DefinedGlobalIndex, DefinedMemoryIndex, DefinedTableIndex,
    DefinedTagIndex, ElemIndex, EntityIndex, FuncIndex, FuncRefIndex, GlobalIndex, MemoryIndex,
    OwnedMemoryIndex, TableIndex, TagIndex, TypeIndex,
};
pub use module::{
    DataMode, DataSegment, ElementItems, ElementMode, ElementSegment, Export, FunctionDecl,
    FunctionNames, Import, Module, Names,
};
pub use static_init::{MemoryImageLayout, StaticInit};
pub use translate::{FunctionBodyData, ModuleTranslation, translate_module};
pub use trap_code::TrapCode;
pub use tunables::Tunables;
pub use types::{
    EntityType, FuncType, GlobalType, HeapType, Limits, MemoryType, RefFamily, RefType, TableType,
    WASM_PAGE_SIZE, WasmValType,
};
pub use vmoffsets::{
    FUNCREF_INIT_BIT, HOST_POINTER_SIZE, VMCONTEXT_ALIGN, VMCONTEXT_MAGIC, VMContextCounts,
    VMContextRegion, VMOffsets,
};

/// wasmparser, re-exported so the jit validates and reads bodies with the same version.
pub use wasmparser;

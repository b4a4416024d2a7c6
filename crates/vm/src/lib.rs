//! Tarn's runtime: everything compiled code touches while it runs, and the machinery
//! that turns a fault in compiled code into a [`Trap`].
//!
//! - [`Instance`]s live in one allocation with their trailing [`VMContext`], whose layout
//!   `environ::VMOffsets` defines; the `VM*` types here are that layout's fields.
//! - [`LinearMemory`] reserves address space with guard pages; [`Table`] holds funcref
//!   and externref slots.
//! - Builtins (libcalls) are `extern "C"` functions in one table the `VMContext` points
//!   at; [`CodeMemory`] publishes compiled code and registers its trap sites.
//! - [`catch_traps`] is the only way into compiled code: signal handlers and the `Raise`
//!   builtin return to it.
//!
//! This crate holds nearly all of Tarn's unsafe code. Every `unsafe` block says why it
//! is sound, every `unsafe fn` states its contract, and every libc call goes through the
//! `sys` module. It never depends on Cranelift.
//!
//! ```
//! use tarn_vm::{LinearMemory, ValRaw};
//! let ty = environ::MemoryType {
//!     limits: environ::Limits { minimum: 1, maximum: Some(2) },
//!     shared: false,
//!     memory64: false,
//! };
//! let mut memory = LinearMemory::new(ty, &environ::Tunables::default(), None, None)?;
//! assert_eq!(memory.grow(1, None)?, Some(1));
//! assert_eq!(memory.grow(1, None)?, None);
//! assert_eq!(ValRaw::i32(7).get_i32(), 7);
//! # Ok::<(), tarn_vm::Error>(())
//! ```
// Sizes and offsets cross between u64 (wasm), usize (host) and u32 (VMOffsets); a
// silent truncation there is a memory-safety bug, so every such cast must be explicit.
#![warn(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

mod code_memory;
mod code_registry;
mod error;
mod exceptions;
mod instance;
mod lazy_code;
mod libcalls;
mod mapped_file;
mod memory;
mod memory_image;
mod mmap;
mod pool;
mod reservations;
mod store;
mod sys;
mod table;
#[cfg(test)]
mod test_support;
mod trap;
mod traphandlers;
mod val_raw;
mod vmcontext;

pub use code_memory::{CodeMemory, PublishError};
pub use code_registry::BacktraceFrame;
pub use error::Error;
pub use exceptions::{ExceptionHeap, ExceptionObject};
pub use instance::{
    DefinedFunctionCode, Export, Instance, InstanceAllocationRequest, InstanceAllocator,
    InstanceHandle, InstantiationError, OnDemandInstanceAllocator, ResolvedImports,
};
pub use lazy_code::{LazyCodeTable, LazyCompiler, VMLazySlot};
pub use mapped_file::MappedFile;
pub use memory::LinearMemory;
pub use memory_image::{MemoryImage, MemoryImages};
pub use pool::{PoolingConfig, PoolingInstanceAllocator};
pub use store::{HostError, ResourceLimiter, StoreHooks};
pub use table::{MAX_TABLE_ELEMENTS, Table, TableElement, TableError};
pub use trap::{Trap, TrapReason};
pub use traphandlers::{
    ArrayCall, catch_traps, init_traps, raise, record_host_error, record_panic, throw_from_host,
};
pub use val_raw::ValRaw;
pub use vmcontext::{
    OwnedHostFuncContext, VM_HOST_FUNC_MAGIC, VMArrayCallFunction, VMContext, VMFuncRef,
    VMFunctionImport, VMGlobalDefinition, VMGlobalImport, VMHostFuncContext, VMMemoryDefinition,
    VMMemoryImport, VMSharedTypeIndex, VMStoreContext, VMTableDefinition, VMTableImport, VMTag,
    VMWasmCallFunction,
};

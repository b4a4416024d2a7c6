//! Tarn: compile WebAssembly to native code with Cranelift and run it safely.
//!
//! The API follows Wasmtime's, so code ports by renaming: an [`Engine`] compiles
//! [`Module`]s; a [`Store`] owns instances and everything they create; a [`Linker`]
//! resolves imports by name; [`Func`], [`Memory`], [`Table`] and [`Global`] are handles into
//! a store. Every failure is an [`Error`]; a WebAssembly trap is an `Error` that downcasts
//! to [`Trap`].
//!
//! ```
//! use tarn::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"
//!     (module
//!       (import "host" "double" (func $double (param i32) (result i32)))
//!       (func (export "run") (param i32) (result i32)
//!         (i32.add (call $double (local.get 0)) (i32.const 1))))
//! "#)?;
//! let mut linker = Linker::new(&engine);
//! linker.func_wrap("host", "double", |x: i32| x * 2)?;
//! let mut store = Store::new(&engine, ());
//! let instance = linker.instantiate(&mut store, &module)?;
//! let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
//! assert_eq!(run.call(&mut store, 20)?, 41);
//! # Ok::<(), tarn::Error>(())
//! ```
#![deny(unsafe_code)]

mod config;
mod engine;
mod error;
mod externals;
mod func;
mod global;
mod instance;
mod linker;
mod memory;
mod module;
mod signatures;
mod store;
mod table;
mod tag;
mod types;
mod values;

pub use config::{
    CompilationStrategy, Config, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig,
};
pub use engine::Engine;
pub use environ::{CompileError, TrapCode};
pub use error::{Error, FrameInfo, Result, Trap};
pub use externals::Extern;
pub use func::{
    Caller, Func, HostFunc, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy,
    WasmTyList,
};
pub use global::Global;
pub use instance::Instance;
pub use linker::{InstancePre, Linker};
pub use memory::Memory;
pub use module::{ExportType, ImportType, Module};
pub use store::{
    AsContext, AsContextMut, ResourceLimiter, Store, StoreContext, StoreContextMut, StoreInner,
    StoreOpaque,
};
pub use table::Table;
pub use tag::{ExnRef, Tag, TagType, ThrownException};
pub use types::{
    ExternType, FuncType, GlobalType, HeapType, MemoryType, Mutability, RefType, TableType, ValType,
};
pub use values::{ExternRef, V128, Val};

//! WASI preview1 (`wasi_snapshot_preview1`) for Tarn: what programs built by clang
//! (`wasm32-wasi`), Rust (`wasm32-wasip1`), TinyGo or AssemblyScript import to print,
//! read files and ask for the time.
//!
//! The guest gets only what the embedder grants through [`WasiCtxBuilder`]: arguments,
//! environment variables, stdio, and preopened directories. Every path is resolved
//! beneath a preopened directory by cap-std (no `..`, absolute path or symbolic link
//! leads outside), rights restrict what each descriptor may do, and every pointer the
//! guest passes is checked against its memory (`EFAULT`, never a host crash). The crate
//! is built on the `tarn` API alone and has no unsafe code.
//!
//! ```no_run
//! use tarn::{Engine, Linker, Module, Store};
//! use tarn_wasi::{I32Exit, WasiCtx};
//!
//! let engine = Engine::default();
//! let module = Module::from_binary(&engine, &std::fs::read("hello.wasm")?)?;
//! let mut linker = Linker::new(&engine);
//! tarn_wasi::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx)?;
//! let wasi = WasiCtx::builder().arg("hello.wasm").inherit_stdio().build();
//! let mut store = Store::new(&engine, wasi);
//! let instance = linker.instantiate(&mut store, &module)?;
//! let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
//! match start.call(&mut store, ()) {
//!     Ok(()) => {}
//!     Err(e) if e.is::<I32Exit>() => println!("{e}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), tarn::Error>(())
//! ```

#![forbid(unsafe_code)]

mod abi;
mod ctx;
mod errno;
mod linker;
mod memory;
mod ops;
mod streams;
mod table;

pub use abi::{FdFlags, LookupFlags, OFlags, Rights};
pub use ctx::{DirPerms, FilePerms, WasiCtx, WasiCtxBuilder};
pub use errno::Errno;
pub use linker::{I32Exit, add_to_linker};
pub use streams::{MemoryInputPipe, MemoryOutputPipe};

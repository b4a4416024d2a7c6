//! Tarn's translator from WebAssembly to machine code with Cranelift.
//!
//! It produces code bytes plus plain-data metadata and never maps memory or runs code.
//!
//! The pipeline, per module:
//! 1. `environ::translate_module` gives a `ModuleTranslation` (metadata + bodies).
//! 2. Each body is validated and translated to CLIF (`translate`), operator by operator.
//! 3. Cranelift compiles each function for the host ISA, in parallel (`compiler`).
//! 4. Trampolines between the array and wasm calling conventions are added (`trampolines`).
//! 5. Everything is laid out in one linked text section with a trap table and an address
//!    map (`artifacts`), ready for the vm to publish.
//!
//! ```
//! use tarn_jit::{Compiler, OptLevel};
//! let wasm = wat::parse_str(r#"(module (func (export "add") (param i32 i32) (result i32)
//!     local.get 0 local.get 1 i32.add))"#)?;
//! let translation = environ::translate_module(&wasm, Default::default())?;
//! let compiler = Compiler::new(environ::Tunables::default(), OptLevel::Speed)?;
//! let compiled = compiler.compile_module(translation)?;
//! let add = compiled.info.functions.values().next().unwrap();
//! assert!(add.wasm_call.length > 0 && add.array_call.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod artifacts;
mod compiler;
mod func_env;
mod isa;
mod lazy;
mod trampolines;
mod translate;

pub use artifacts::CompiledModule;
pub use compiler::Compiler;
pub use isa::OptLevel;
pub use lazy::{LazyBody, LazyCode, LazyModule};

/// The feature an `Unsupported` error names for a SIMD operator on a host without what
/// Cranelift needs to compile SIMD (SSE4.1 on x86-64): never wrong code, a clear error.
pub const SIMD_WITHOUT_SSE41: &str = "SIMD on a host without SSE4.1";

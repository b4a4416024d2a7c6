//! Tarn's translator from WebAssembly to machine code with Cranelift.
//!
//! It produces code bytes plus plain-data metadata and never maps memory or runs code.
#![forbid(unsafe_code)]

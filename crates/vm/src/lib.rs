//! Tarn's runtime machinery: instances and their `VMContext`, linear memories, tables,
//! globals, libcalls, published code and signal-based traps.
//!
//! This crate will hold nearly all of Tarn's unsafe code; it never depends on Cranelift.

//! Each engine's side of every row, behind the same four constructors so the rows treat
//! Tarn and Wasmtime alike. Both engines run with their default configuration: optimised
//! code (`speed`), signal-based traps and guard pages, parallel compilation, no fuel and
//! no epochs.

pub mod tarn;
pub mod wasmtime;

/// One timed operation; it returns a checksum that every engine must agree on.
pub type Op = Box<dyn FnMut() -> i64>;

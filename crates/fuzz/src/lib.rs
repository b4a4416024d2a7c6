//! Fuzz generators and oracles for Tarn, as an ordinary library that builds on stable.
//!
//! Each oracle in [`oracles`] is a function from the fuzzer's bytes to a [`Verdict`]
//! that panics when Tarn misbehaves. The `cargo fuzz` targets in `fuzz_targets/` are
//! one-line wrappers around them, and `tests/all/smoke.rs` runs every oracle on seeded
//! inputs in `cargo test`, so the oracles are checked on every CI run.
//!
//! - [`generators`]: wasm-smith configurations limited to what Tarn implements.
//! - [`engines`]: Tarn and the wasmi reference interpreter behind one small interface.
//! - [`values`]: engine-neutral values, traps and final states that the oracles compare.
// Only `oracles/deserialize.rs` may load artifacts, which is unsafe by contract.
#![deny(unsafe_code)]

pub mod engines;
pub mod generators;
pub mod oracles;
pub mod values;

pub use oracles::Verdict;

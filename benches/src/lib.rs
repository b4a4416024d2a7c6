//! Benchmarks comparing Tarn with Wasmtime (from crates.io) and with native Rust.
//!
//! The `compare` bench (`cargo bench --manifest-path benches/Cargo.toml`) builds one row
//! per benchmark from these modules and prints a Markdown table of medians and ratios.
//! See `benches/README.md`.

pub mod engines;
pub mod kernels;
pub mod measure;
pub mod modules;
pub mod npm;
pub mod report;
pub mod simd_kernels;
pub mod wasi;

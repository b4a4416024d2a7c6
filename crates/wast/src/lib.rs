//! Runs `.wast` scripts (the format of the WebAssembly spec tests) against the `tarn` API.
//!
//! Both the workspace's spec-test runner and `tarn wast` use this crate, so a script passes
//! or fails the same way in either. Every directive counts as one check; a failed check is
//! recorded with its line and the script goes on, so one report shows every failure.

#![forbid(unsafe_code)]

mod context;
mod legacy_syntax;
mod spectest;
mod values;

pub use context::{Report, run_script};

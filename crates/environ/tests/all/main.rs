//! Integration tests of `tarn-environ`: translation of hand-written modules, `VMOffsets`
//! properties, and robustness against malformed input.

mod robustness;
mod translate;
mod vmoffsets;

use tarn_environ::{Features, Module, ModuleTranslation, translate_module};

/// Translates `wat` text with the default (Wasm 2.0) features, panicking on failure.
fn translate(wat: &str) -> Module {
    translate_bytes(&wat::parse_str(wat).expect("test wat parses")).module
}

/// Translates bytes that must be valid.
fn translate_bytes(wasm: &[u8]) -> ModuleTranslation<'_> {
    translate_module(wasm, Features::default()).expect("test module translates")
}

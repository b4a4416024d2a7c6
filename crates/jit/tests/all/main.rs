//! The jit's integration tests, one module per topic, in one binary.

mod compile;
mod lazy;
mod spec;

use environ::{CompileError, Features, Tunables, translate_module};
use tarn_jit::{CompiledModule, Compiler, OptLevel};

/// Compiles a module from wat text with the given tunables.
pub(crate) fn compile_with(wat: &str, tunables: Tunables) -> Result<CompiledModule, CompileError> {
    let wasm = wat::parse_str(wat).expect("test modules are well-formed text");
    compile_bytes(&wasm, Features::default(), tunables, OptLevel::Speed)
}

/// Compiles a binary module that may use `features`.
pub(crate) fn compile_bytes(
    wasm: &[u8],
    features: Features,
    tunables: Tunables,
    opt: OptLevel,
) -> Result<CompiledModule, CompileError> {
    let translation = translate_module(wasm, features)?;
    Compiler::new(tunables, opt)?.compile_module(translation)
}

/// Compiles a module from wat text with the host's default tunables.
pub(crate) fn compile(wat: &str) -> Result<CompiledModule, CompileError> {
    compile_with(wat, Tunables::default())
}

/// A compiler for a host without SSE4.1, where SIMD is unsupported.
pub(crate) fn compiler_without_sse41() -> Result<Compiler, CompileError> {
    Compiler::new_with_isa_flags(
        Tunables::default(),
        OptLevel::Speed,
        &[("has_sse41", "false")],
    )
}

/// Panics unless `err` is the error SIMD gets on a host without SSE4.1.
pub(crate) fn assert_simd_unsupported(err: &CompileError) {
    assert!(
        matches!(
            err,
            CompileError::Unsupported {
                feature: tarn_jit::SIMD_WITHOUT_SSE41,
                ..
            }
        ),
        "{err}"
    );
}

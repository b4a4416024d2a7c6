//! Loading an artifact of `tarn compile` for `tarn run --allow-precompiled`: the one
//! place the command trusts code it did not compile, because the user asked it to.
#![expect(
    unsafe_code,
    reason = "loading a precompiled module trusts its code, which --allow-precompiled grants"
)]

use std::path::Path;

use tarn::{Engine, Error, Module};

/// Loads the module at `path`, compiled (`.wasm`, `.wat`) or, when `allow_precompiled`,
/// an artifact.
///
/// # Errors
///
/// An unreadable or invalid file, or an artifact when artifacts are not allowed or do
/// not fit `engine`.
pub(crate) fn load_module(
    engine: &Engine,
    path: &Path,
    allow_precompiled: bool,
) -> Result<Module, Error> {
    let mut magic = [0u8; 8];
    let is_artifact = std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut magic))
        .is_ok()
        && Engine::is_precompiled(&magic);
    if !is_artifact {
        let wasm = crate::input::read_module(path).map_err(Error::msg)?;
        return Module::new(engine, &wasm);
    }
    if !allow_precompiled {
        return Err(Error::msg(format!(
            "{} is a precompiled module: running one executes its machine code unchecked, \
             so it needs --allow-precompiled",
            path.display()
        )));
    }
    // SAFETY: the user vouched for the file with --allow-precompiled (as with
    // `wasmtime run --allow-precompiled`); the artifact's checksum and header are still
    // checked, so a damaged file or one for other settings is an error.
    unsafe { Module::deserialize_file(engine, path) }
        .map_err(|e| Error::msg(format!("{}: {e}", path.display())))
}

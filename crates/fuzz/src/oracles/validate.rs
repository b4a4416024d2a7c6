//! The validation oracle: on any bytes, Tarn never panics, and it accepts a binary module
//! exactly when wasmparser's validator accepts it with the same features (Tarn's
//! default: Wasm 2.0 and the Wasm 3.0 proposals it implements), and compiles every
//! module it accepts.
//!
//! `Module::new` also accepts the text format when the bytes do not start with `\0asm`,
//! so the comparison is made only on inputs that start with the binary magic; other
//! inputs go through the text parser and are checked only for not panicking.

use std::sync::OnceLock;

use arbitrary::Unstructured;
use environ::{Features, wasmparser};
use tarn::{Config, Engine, Module};

use crate::generators;

use super::Verdict;

const MAGIC_AND_VERSION: &[u8] = b"\0asm\x01\0\0\0";

/// Validates bytes that are raw, raw behind a binary header, or a generated module
/// (possibly using proposals Tarn rejects) with a few bytes mutated.
///
/// # Panics
///
/// If Tarn panics, if `Module::validate` and wasmparser disagree, or if `Module::new`
/// fails on a module `Module::validate` accepts.
pub fn validate(data: &[u8]) -> Verdict {
    match module(&mut Unstructured::new(data)) {
        Ok(wasm) => check(&wasm),
        Err(_) => Verdict::Skipped("not enough bytes for a module"),
    }
}

/// The bytes [`validate`] checks, made from the front of `u`.
pub(super) fn module(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    Ok(match u.int_in_range(0..=2).unwrap_or(0) {
        0 => u.bytes(u.len())?.to_vec(),
        1 => [MAGIC_AND_VERSION, u.bytes(u.len())?].concat(),
        _ => mutated_module(u)?,
    })
}

/// Checks one candidate module as [`validate`] does.
///
/// # Panics
///
/// As [`validate`].
pub fn check(wasm: &[u8]) -> Verdict {
    let engine = engine();
    if !wasm.starts_with(b"\0asm") {
        // `Module::new` reads these bytes as text.
        drop(Module::new(engine, wasm));
        return Verdict::Skipped("text input: only checked for panics");
    }
    let accepted = Module::validate(engine, wasm);
    let mut validator =
        wasmparser::Validator::new_with_features(Features::default().to_wasmparser());
    let expected = validator.validate_all(wasm).map(drop);
    assert_eq!(
        accepted.is_ok(),
        expected.is_ok(),
        "Tarn says {accepted:?}, wasmparser says {expected:?}"
    );
    match Module::new(engine, wasm) {
        Ok(_) => assert!(accepted.is_ok(), "Module::new accepted an invalid module"),
        Err(error) if accepted.is_ok() => panic!("Module::new rejected a valid module: {error}"),
        Err(_) => {}
    }
    Verdict::Checked
}

/// A generated module, sometimes using proposals Tarn does not accept, with up to four
/// bytes overwritten, inserted or removed.
fn mutated_module(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let mut features = Features::WASM1;
    for name in Features::NAMES {
        features.set(name, u.arbitrary()?);
    }
    let mut config = generators::module_config(u, features)?;
    config.threads_enabled = u.ratio(1, 8)?;
    config.exceptions_enabled = u.ratio(1, 8)?;
    let mut wasm = generators::module(u, config)?;
    for _ in 0..u.int_in_range(0..=4)? {
        let at = u.int_in_range(0..=wasm.len())?;
        match u.int_in_range(0..=2)? {
            0 if at < wasm.len() => wasm[at] = u.arbitrary()?,
            1 => wasm.insert(at, u.arbitrary()?),
            _ if at < wasm.len() => {
                wasm.remove(at);
            }
            _ => {}
        }
    }
    Ok(wasm)
}

/// The default engine, built once.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.parallel_compilation(false);
        Engine::new(&config).expect("Cranelift supports the host")
    })
}

//! The artifact oracle: an artifact with any bytes changed, removed or added is
//! rejected with an error, never loaded, never a crash; with its checksum recomputed
//! after the damage (so the header and metadata decoders see it), loading may fail or
//! succeed but never panics or crashes. Loaded code is never run.
//!
//! Loading is unsafe by contract (an artifact's code is trusted); this is the one
//! module of the crate that does it, and it only publishes the code.
#![expect(
    unsafe_code,
    reason = "the oracle loads damaged artifacts on purpose and never runs their code"
)]

use std::sync::OnceLock;

use arbitrary::Unstructured;
use tarn::{Engine, Module};

use super::Verdict;

/// A module with an entity of every kind, so the metadata has every section.
const MODULE: &str = r#"(module $artifact
    (import "env" "f" (func $f (param i32) (result i32)))
    (import "env" "g" (global i64))
    (type $t (func (param i32) (result i32)))
    (memory (export "memory") 1 2)
    (table 3 funcref)
    (global $counter (mut i32) (i32.const 0))
    (tag $e (param i32))
    (data (i32.const 8) "fuzzing artifacts")
    (data "passive")
    (elem (i32.const 0) $double $f)
    (func $double (type $t) (i32.mul (local.get 0) (i32.const 2)))
    (func (export "run") (param i32) (result i32)
        (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
        (try_table (result i32) (catch $e 0)
            (call_indirect (type $t) (local.get 0) (i32.const 1)))))"#;

/// Where the checksum lies in an artifact, and what it covers (everything after it).
const CHECKSUM: core::ops::Range<usize> = 12..20;

fn engine_and_artifact() -> &'static (Engine, Vec<u8>) {
    static ARTIFACT: OnceLock<(Engine, Vec<u8>)> = OnceLock::new();
    ARTIFACT.get_or_init(|| {
        let engine = Engine::default();
        let bytes = engine
            .precompile_module(MODULE)
            .expect("the oracle's module compiles");
        (engine, bytes)
    })
}

/// Damages the artifact as the input says and loads it.
///
/// # Panics
///
/// If a damaged artifact without a recomputed checksum loads, or the undamaged one does
/// not, or loading panics.
pub fn deserialize(data: &[u8]) -> Verdict {
    let (engine, original) = engine_and_artifact();
    let mut u = Unstructured::new(data);
    let mut bytes = original.clone();
    let edits = u.int_in_range(1..=4u8).unwrap_or(1);
    for _ in 0..edits {
        if damage(&mut u, &mut bytes).is_err() {
            break;
        }
    }
    let recompute_checksum = u.arbitrary::<bool>().unwrap_or(false);
    if recompute_checksum && bytes.len() >= CHECKSUM.end {
        let checksum = environ::checksum(&bytes[CHECKSUM.end..]);
        bytes[CHECKSUM].copy_from_slice(&checksum.to_le_bytes());
    }
    // SAFETY: the loaded module's code is never run: it is dropped right away, and only
    // publishing it is exercised (the module's contract is about running it).
    let loaded = unsafe { Module::deserialize(engine, &bytes) };
    if bytes == *original {
        let module = loaded.expect("the undamaged artifact loads");
        assert_eq!(
            module.exports().len(),
            2,
            "the undamaged artifact's exports"
        );
    } else if let (false, Ok(module)) = (recompute_checksum, loaded) {
        panic!(
            "a damaged artifact ({} bytes, {} originally) loaded: {:?}",
            bytes.len(),
            original.len(),
            module.name()
        );
    }
    Verdict::Checked
}

/// One edit: flip bits of a byte, truncate, insert a byte, or overwrite a run of bytes,
/// mostly near the front where the header and metadata lie.
fn damage(u: &mut Unstructured<'_>, bytes: &mut Vec<u8>) -> arbitrary::Result<()> {
    if bytes.is_empty() {
        bytes.push(u.arbitrary()?);
        return Ok(());
    }
    let near_front = u.arbitrary::<bool>()?;
    let limit = if near_front {
        bytes.len().min(512)
    } else {
        bytes.len()
    };
    let at = u.choose_index(limit)?;
    match u.int_in_range(0..=3u8)? {
        0 => bytes[at] ^= u.int_in_range(1..=255u8)?,
        1 => bytes.truncate(at),
        2 => bytes.insert(at, u.arbitrary()?),
        _ => {
            let run = u.int_in_range(1..=16usize)?.min(bytes.len() - at);
            for byte in &mut bytes[at..at + run] {
                *byte = u.arbitrary()?;
            }
        }
    }
    Ok(())
}

//! Translation never panics: random bytes, and truncated or mutated valid modules, each
//! give `Ok` or `Err`.

use proptest::prelude::*;
use tarn_environ::{Features, translate_module};

const SEED_MODULE: &str = r#"
(module
  (type (func (param i32 i64) (result f32)))
  (import "a" "b" (func))
  (memory 1 3)
  (table 3 funcref)
  (global (mut i32) (i32.const 1))
  (func (type 0) f32.const 1)
  (func (export "run") (result i32)
    (block (result i32) (i32.const 7) (br 0)))
  (elem (i32.const 0) func 1 2)
  (elem func 2)
  (data (i32.const 0) "abc")
  (data "def")
  (start 0)
)"#;

fn seed() -> Vec<u8> {
    wat::parse_str(SEED_MODULE).unwrap()
}

fn translate_and_validate_bodies(bytes: &[u8]) {
    if let Ok(translation) = translate_module(bytes, Features::default()) {
        for body in translation.function_bodies {
            let mut validator = body.validator.into_validator(Default::default());
            let _verdict = validator.validate(&body.body);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        translate_and_validate_bodies(&bytes);
        let mut with_header = b"\0asm\x01\0\0\0".to_vec();
        with_header.extend_from_slice(&bytes);
        translate_and_validate_bodies(&with_header);
    }

    #[test]
    fn mutated_modules_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = seed();
        for (index, byte) in edits {
            let i = index.index(bytes.len());
            bytes[i] = byte;
        }
        translate_and_validate_bodies(&bytes);
    }
}

#[test]
fn every_truncation_inside_a_section_is_an_error_with_an_offset() {
    let bytes = seed();
    assert!(translate_module(&bytes, Features::default()).is_ok());
    // A module cut exactly between sections is a shorter valid module (or one missing its
    // code section, which is invalid); a cut anywhere else must be an error.
    let section_ends: Vec<usize> = tarn_environ::wasmparser::Parser::new(0)
        .parse_all(&bytes)
        .filter_map(|payload| payload.ok()?.as_section().map(|(_, r)| r.end as usize))
        .collect();
    let mut errors = 0;
    for len in 0..bytes.len() {
        match translate_module(&bytes[..len], Features::default()) {
            Ok(_) => assert!(
                len == 8 || section_ends.contains(&len),
                "a module cut inside a section at {len} bytes was accepted"
            ),
            Err(error) => {
                errors += 1;
                let offset = error.offset().expect("truncation errors carry an offset");
                assert!(
                    offset <= len,
                    "offset {offset} past the end at length {len}"
                );
            }
        }
    }
    assert!(errors > bytes.len() / 2, "only {errors} truncations failed");
}

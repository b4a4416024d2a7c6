//! `cargo fuzz run --fuzz-dir crates/fuzz validate`: the `validate` oracle on libFuzzer's inputs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tarn_fuzz::oracles::validate(data);
});

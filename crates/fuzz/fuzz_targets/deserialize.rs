//! `cargo fuzz run --fuzz-dir crates/fuzz deserialize`: the `deserialize` oracle on libFuzzer's inputs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tarn_fuzz::oracles::deserialize(data);
});

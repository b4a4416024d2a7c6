//! `cargo fuzz run --fuzz-dir crates/fuzz memory_accesses`: the `memory_accesses` oracle on libFuzzer's inputs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tarn_fuzz::oracles::memory_accesses(data);
});

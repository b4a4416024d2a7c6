//! Generators: wasm-smith configurations limited to what Tarn implements, and call
//! arguments, all derived from the fuzzer's bytes through `arbitrary`.
//!
//! Every oracle that runs code starts here, so the limits below (sizes, proposals,
//! termination) hold for the smoke test and for every `cargo fuzz` target alike.

use arbitrary::{Result, Unstructured};

use environ::Features;

use crate::values::Value;

/// The proposals generated modules use in the oracles that run code: every proposal
/// Tarn implements except relaxed SIMD, whose results may differ between hosts and
/// engines by design (the spec suite and `tests/all/simd.rs` cover it).
///
/// The switches are environ's [`Features`], the ones the engine itself validates with:
/// when Tarn implements another proposal, it becomes part of this set by default.
pub const FUZZ_FEATURES: Features = Features {
    relaxed_simd: false,
    ..Features::DEFAULT
};

/// What the differential oracle generates: [`FUZZ_FEATURES`] without exception
/// handling, which wasmi does not implement. (Typed function references have no
/// wasm-smith switch of their own: it generates them only with GC, which Tarn does not
/// implement, so no generator produces them.)
pub const DIFFERENTIAL_FEATURES: Features = Features {
    exceptions: false,
    ..FUZZ_FEATURES
};

/// Fuel that `ensure_termination` gives a module: every loop iteration and call costs
/// one, and running out executes `unreachable`.
pub const TERMINATION_FUEL: u32 = 1000;

/// A wasm-smith configuration for one module: sizes come from `u`, proposals from
/// `features`, and everything else wasm-smith knows is switched off.
///
/// Modules are small (a few functions, at most 400 instructions, at most four pages of
/// memory, or two memories with multi-memory), have no imports, and export everything so
/// every function, memory and global can be reached from the host.
///
/// # Errors
///
/// When `u` runs out of bytes in a way `arbitrary` reports.
pub fn module_config(u: &mut Unstructured<'_>, features: Features) -> Result<wasm_smith::Config> {
    let mut config = wasm_smith::Config {
        max_types: u.int_in_range(1..=8)?,
        max_funcs: u.int_in_range(1..=8)?,
        max_globals: u.int_in_range(0..=8)?,
        max_tables: u.int_in_range(0..=2)?,
        max_table_elements: 64,
        max_elements: 32,
        max_element_segments: 4,
        max_data_segments: 4,
        max_instructions: u.int_in_range(10..=400)?,
        max_nesting_depth: 8,
        max_memories: u.int_in_range(0..=if features.multi_memory { 2 } else { 1 })?,
        max_memory32_bytes: 4 << 16,
        max_memory64_bytes: 4 << 16,
        min_funcs: 1,
        max_imports: 0,
        max_exports: 32,
        max_type_size: 100,
        allow_start_export: u.arbitrary()?,
        canonicalize_nans: true,
        export_everything: true,
        ..wasm_smith::Config::default()
    };
    apply_features(&mut config, features);
    Ok(config)
}

/// Sets wasm-smith's proposal switches from `features`, and switches off every proposal
/// `Features` has no switch for (wasm-smith enables several of them by default).
pub fn apply_features(config: &mut wasm_smith::Config, features: Features) {
    config.sign_extension_ops_enabled = features.sign_extension;
    config.saturating_float_to_int_enabled = features.saturating_float_to_int;
    config.multi_value_enabled = features.multi_value;
    config.bulk_memory_enabled = features.bulk_memory;
    config.reference_types_enabled = features.reference_types;
    config.simd_enabled = features.simd;
    config.relaxed_simd_enabled = features.relaxed_simd;
    config.tail_call_enabled = features.tail_call;
    config.extended_const_enabled = features.extended_const;
    config.memory64_enabled = features.memory64;
    if !features.multi_memory {
        config.max_memories = config.max_memories.min(1);
    }
    config.exceptions_enabled = features.exceptions;
    config.gc_enabled = false;
    config.threads_enabled = false;
    config.shared_everything_threads_enabled = false;
    config.wide_arithmetic_enabled = false;
    config.custom_page_sizes_enabled = false;
    config.compact_imports_enabled = false;
    config.custom_descriptors_enabled = false;
    config.acquire_release_atomics_enabled = false;
    config.multibyte_array_access_enabled = false;
}

/// A valid module for `config`, as bytes.
///
/// # Errors
///
/// When `u` runs out of bytes in a way `arbitrary` reports.
pub fn module(u: &mut Unstructured<'_>, config: wasm_smith::Config) -> Result<Vec<u8>> {
    Ok(wasm_smith::Module::new(config, u)?.to_bytes())
}

/// A valid module for `config` whose every loop and call draws from a fuel counter of
/// [`TERMINATION_FUEL`], so it stops (with `unreachable`) on every engine alike.
///
/// # Errors
///
/// When `u` runs out of bytes in a way `arbitrary` reports.
pub fn terminating_module(u: &mut Unstructured<'_>, config: wasm_smith::Config) -> Result<Vec<u8>> {
    let mut module = wasm_smith::Module::new(config, u)?;
    module
        .ensure_termination(TERMINATION_FUEL)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    Ok(module.to_bytes())
}

/// Arguments for a function with parameters `params`: numbers are often boundary values,
/// floats may be any bit pattern, and references are null (the host has none to give).
///
/// # Errors
///
/// When `u` runs out of bytes in a way `arbitrary` reports.
pub fn arguments(u: &mut Unstructured<'_>, params: &[tarn::ValType]) -> Result<Vec<Value>> {
    params.iter().map(|ty| argument(u, ty)).collect()
}

/// Floats at the edges of conversions and arithmetic.
const F32_EDGES: [f32; 6] = [
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MAX,
    -0.0,
    2_147_483_648.0,
    -2_147_483_904.0,
];
const F64_EDGES: [f64; 6] = [
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    -0.0,
    9_223_372_036_854_775_808.0,
    -1.0e-300,
];

fn argument(u: &mut Unstructured<'_>, ty: &tarn::ValType) -> Result<Value> {
    use tarn::ValType as T;
    Ok(match ty {
        T::I32 => Value::I32(interesting_u64(u)? as i32),
        T::I64 => Value::I64(interesting_u64(u)? as i64),
        T::F32 => Value::F32(match u.int_in_range(0..=3)? {
            0 => u.arbitrary()?,
            1 => f32::from(u.int_in_range::<i16>(-16..=16)?).to_bits(),
            2 => u.choose(&F32_EDGES)?.to_bits(),
            _ => f32::NAN.to_bits(),
        }),
        T::F64 => Value::F64(match u.int_in_range(0..=3)? {
            0 => u.arbitrary()?,
            1 => f64::from(u.int_in_range::<i16>(-16..=16)?).to_bits(),
            2 => u.choose(&F64_EDGES)?.to_bits(),
            _ => f64::NAN.to_bits(),
        }),
        T::V128 => Value::V128(u.arbitrary()?),
        T::Ref(_) => Value::NullRef,
    })
}

/// A number that is often 0, ±1, a power of two or near one, and sometimes anything.
fn interesting_u64(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0..=3)? {
        0 => u.int_in_range(0..=16)?,
        1 => 1u64 << u.int_in_range(0..=63)?,
        2 => (1u64 << u.int_in_range(0..=63)?).wrapping_sub(1),
        _ => u.arbitrary()?,
    })
}

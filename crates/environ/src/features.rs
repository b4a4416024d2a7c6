//! `Features`: the WebAssembly proposals an engine accepts, and their mapping to
//! wasmparser's feature flags so validation rejects everything else.

/// The WebAssembly proposals a module may use.
///
/// The default is Wasm 2.0: the MVP plus mutable globals, sign extension, non-trapping
/// float-to-int, multi-value, bulk memory, reference types and fixed-width SIMD.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Features {
    /// Importing and exporting mutable globals.
    pub mutable_global: bool,
    /// `i32.extend8_s` and friends.
    pub sign_extension: bool,
    /// `i32.trunc_sat_f32_s` and friends.
    pub saturating_float_to_int: bool,
    /// Multiple results and block parameters.
    pub multi_value: bool,
    /// `memory.copy`, `memory.fill`, passive segments and friends.
    pub bulk_memory: bool,
    /// `funcref`/`externref` values, multiple tables, `table.*` instructions.
    pub reference_types: bool,
    /// 128-bit SIMD.
    pub simd: bool,
    /// Relaxed SIMD (Wasm 3.0): operators whose results may depend on the host.
    pub relaxed_simd: bool,
}

impl Features {
    /// The Wasm 2.0 feature set (the default).
    pub const WASM2: Features = Features {
        mutable_global: true,
        sign_extension: true,
        saturating_float_to_int: true,
        multi_value: true,
        bulk_memory: true,
        reference_types: true,
        simd: true,
        relaxed_simd: false,
    };

    /// The Wasm 1.0 (MVP) feature set: only mutable globals beyond the MVP.
    pub const WASM1: Features = Features {
        mutable_global: true,
        sign_extension: false,
        saturating_float_to_int: false,
        multi_value: false,
        bulk_memory: false,
        reference_types: false,
        simd: false,
        relaxed_simd: false,
    };

    /// The equivalent wasmparser feature flags.
    pub fn to_wasmparser(self) -> wasmparser::WasmFeatures {
        use wasmparser::WasmFeatures as W;
        let mut flags = W::MVP;
        let pairs = [
            (self.mutable_global, W::MUTABLE_GLOBAL),
            (self.sign_extension, W::SIGN_EXTENSION),
            (self.saturating_float_to_int, W::SATURATING_FLOAT_TO_INT),
            (self.multi_value, W::MULTI_VALUE),
            (self.bulk_memory, W::BULK_MEMORY),
            (self.reference_types, W::REFERENCE_TYPES),
            (self.simd, W::SIMD),
            (self.relaxed_simd, W::RELAXED_SIMD),
        ];
        for (enabled, flag) in pairs {
            flags.set(flag, enabled);
        }
        flags
    }
}

impl Default for Features {
    fn default() -> Self {
        Self::WASM2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasm2_matches_wasmparsers_wasm2() {
        assert_eq!(
            Features::WASM2.to_wasmparser(),
            wasmparser::WasmFeatures::WASM2
        );
        assert_eq!(
            Features::WASM1.to_wasmparser(),
            wasmparser::WasmFeatures::WASM1
        );
    }
}

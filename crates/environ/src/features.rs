//! `Features`: the WebAssembly proposals an engine accepts, and their mapping to
//! wasmparser's feature flags so validation rejects everything else.
//!
//! Every proposal is declared once, in the `proposals!` invocation below: its field, its
//! command-line name (`-W NAME`), its wasmparser flag and whether Wasm 1.0, Wasm 2.0 and
//! Tarn's default enable it. The struct, the presets, the name lookup and the
//! wasmparser mapping are all generated from that list.

macro_rules! proposals {
    ($(
        $(#[$doc:meta])*
        $field:ident = $name:literal, $flag:ident, wasm1: $w1:literal, wasm2: $w2:literal, default: $def:literal;
    )*) => {
        /// The WebAssembly proposals a module may use.
        ///
        /// The default is every Wasm 3.0 proposal Tarn implements: Wasm 2.0 plus tail
        /// calls, extended constant expressions, multiple memories, 64-bit memories and
        /// tables, and relaxed SIMD.
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        pub struct Features {
            $( $(#[$doc])* pub $field: bool, )*
        }

        impl Features {
            /// The Wasm 1.0 (MVP) feature set: only mutable globals beyond the MVP.
            pub const WASM1: Features = Features { $( $field: $w1, )* };

            /// The Wasm 2.0 feature set.
            pub const WASM2: Features = Features { $( $field: $w2, )* };

            /// Wasm 2.0 plus the Wasm 3.0 proposals Tarn implements (the default).
            pub const DEFAULT: Features = Features { $( $field: $def, )* };

            /// Every proposal's command-line name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$( $name, )*];

            /// Switches the proposal called `name` (as in [`Features::NAMES`]) on or off.
            /// Returns `false`, changing nothing, when no proposal has that name.
            pub fn set(&mut self, name: &str, enable: bool) -> bool {
                match name {
                    $( $name => self.$field = enable, )*
                    _ => return false,
                }
                true
            }

            /// Whether the proposal called `name` is on; `None` for an unknown name.
            pub fn get(&self, name: &str) -> Option<bool> {
                match name {
                    $( $name => Some(self.$field), )*
                    _ => None,
                }
            }

            /// The equivalent wasmparser feature flags.
            pub fn to_wasmparser(self) -> wasmparser::WasmFeatures {
                use wasmparser::WasmFeatures as W;
                let mut flags = W::MVP;
                $( flags.set(W::$flag, self.$field); )*
                flags
            }
        }
    };
}

proposals! {
    /// Importing and exporting mutable globals.
    mutable_global = "mutable-global", MUTABLE_GLOBAL, wasm1: true, wasm2: true, default: true;
    /// `i32.extend8_s` and friends.
    sign_extension = "sign-extension", SIGN_EXTENSION, wasm1: false, wasm2: true, default: true;
    /// `i32.trunc_sat_f32_s` and friends.
    saturating_float_to_int = "saturating-float-to-int", SATURATING_FLOAT_TO_INT,
        wasm1: false, wasm2: true, default: true;
    /// Multiple results and block parameters.
    multi_value = "multi-value", MULTI_VALUE, wasm1: false, wasm2: true, default: true;
    /// `memory.copy`, `memory.fill`, passive segments and friends.
    bulk_memory = "bulk-memory", BULK_MEMORY, wasm1: false, wasm2: true, default: true;
    /// `funcref`/`externref` values, multiple tables, `table.*` instructions.
    reference_types = "reference-types", REFERENCE_TYPES, wasm1: false, wasm2: true, default: true;
    /// 128-bit SIMD.
    simd = "simd", SIMD, wasm1: false, wasm2: true, default: true;
    /// Relaxed SIMD (Wasm 3.0): operators whose results may depend on the host.
    relaxed_simd = "relaxed-simd", RELAXED_SIMD, wasm1: false, wasm2: false, default: true;
    /// Tail calls (Wasm 3.0): `return_call` and `return_call_indirect`.
    tail_call = "tail-call", TAIL_CALL, wasm1: false, wasm2: false, default: true;
    /// Extended constant expressions (Wasm 3.0): `i32/i64.add/sub/mul` in initialisers.
    extended_const = "extended-const", EXTENDED_CONST, wasm1: false, wasm2: false, default: true;
    /// Multiple memories (Wasm 3.0): any number of memories, every memory instruction
    /// with a memory index.
    multi_memory = "multi-memory", MULTI_MEMORY, wasm1: false, wasm2: false, default: true;
    /// 64-bit memories and tables (Wasm 3.0): `i64` addresses and indices.
    memory64 = "memory64", MEMORY64, wasm1: false, wasm2: false, default: true;
    /// Typed function references (Wasm 3.0): `(ref $t)`, non-nullable references,
    /// `call_ref`, `br_on_null` and friends, tables with initialisers.
    function_references = "function-references", FUNCTION_REFERENCES,
        wasm1: false, wasm2: false, default: true;
    /// Exception handling (Wasm 3.0): tags, `throw`, `throw_ref`, `try_table` and
    /// `exnref`.
    exceptions = "exceptions", EXCEPTIONS, wasm1: false, wasm2: false, default: true;
    /// Legacy exception handling (not part of any Wasm version, but what many C++
    /// toolchains emit): `try`, `catch`, `catch_all`, `delegate` and `rethrow`.
    legacy_exceptions = "legacy-exceptions", LEGACY_EXCEPTIONS,
        wasm1: false, wasm2: false, default: true;
}

impl Default for Features {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_match_wasmparsers() {
        assert_eq!(
            Features::WASM2.to_wasmparser(),
            wasmparser::WasmFeatures::WASM2
        );
        assert_eq!(
            Features::WASM1.to_wasmparser(),
            wasmparser::WasmFeatures::WASM1
        );
    }

    #[test]
    fn names_round_trip() {
        for name in Features::NAMES {
            let mut features = Features::WASM1;
            assert!(features.set(name, true));
            assert_eq!(features.get(name), Some(true));
            assert!(features.set(name, false));
            assert_eq!(features.get(name), Some(false));
        }
        assert!(!Features::default().set("threads", true));
        assert_eq!(Features::default().get("gc"), None);
    }
}

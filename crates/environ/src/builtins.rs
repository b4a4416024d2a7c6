//! `BuiltinFunction`: the libcalls compiled code may call, listed once.
//!
//! The jit derives each call's signature from this list, and the vm fills the builtin
//! function table (which the `VMContext` points at) in exactly this order, so the two can
//! never disagree about an index or a parameter.
//!
//! Every builtin takes the calling instance's `vmctx` first. A builtin that can fail
//! records the trap for the current call into wasm and reports it through its result;
//! compiled code then calls [`BuiltinFunction::Raise`], which never returns. Builtins never
//! unwind into compiled code.

use core::fmt;

/// The type of one builtin parameter or result, as compiled code passes it.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum BuiltinType {
    /// The calling instance's `*mut VMContext`.
    VmCtx,
    /// A 32-bit integer (indices and booleans).
    I32,
    /// A 64-bit integer (addresses, lengths, deltas).
    I64,
    /// A 32-bit float.
    F32,
    /// A 64-bit float.
    F64,
    /// A host pointer: a `*const VMFuncRef`, or an externref's raw value.
    Pointer,
}

/// A builtin's signature: parameters in order, and its result if it has one.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct BuiltinSignature {
    /// Parameter types; the first is always `VmCtx`.
    pub params: &'static [BuiltinType],
    /// Result type, if any.
    pub result: Option<BuiltinType>,
}

/// Result of a builtin returning a size (`memory_grow`, `table_grow`) when growth failed
/// in the ordinary way; wasm sees it as `-1`.
pub const GROW_FAILED: i64 = -1;
/// Result of a builtin returning a size when a trap is pending and compiled code must
/// call [`BuiltinFunction::Raise`].
pub const GROW_TRAPPED: i64 = -2;

/// Invokes `$mac!` with the list of every builtin, in table order: the one declaration
/// from which `BuiltinFunction` (here), the vm's table of `extern "C"` entry points and
/// their Rust signatures (`tarn-vm`), and through `BuiltinFunction::signature` the jit's
/// declarations are all generated.
///
/// Each entry is `snake_name = CamelName(params) -> result;` with its doc comment; the
/// types are [`BuiltinType`] names, without the leading `VmCtx` every builtin takes.
#[macro_export]
macro_rules! foreach_builtin {
    ($mac:ident) => {
        $mac! {
            /// `memory.grow`: `(memory, delta_pages) -> old_pages`, or [`GROW_FAILED`], or
            /// [`GROW_TRAPPED`].
            memory_grow = MemoryGrow(I32, I64) -> I64;
            /// `memory.fill`: `(memory, dst, byte, len) -> ok`.
            memory_fill = MemoryFill(I32, I64, I32, I64) -> I32;
            /// `memory.copy`: `(dst_memory, dst, src_memory, src, len) -> ok`.
            memory_copy = MemoryCopy(I32, I64, I32, I64, I64) -> I32;
            /// `memory.init`: `(memory, data, dst, src, len) -> ok`.
            memory_init = MemoryInit(I32, I32, I64, I32, I32) -> I32;
            /// `data.drop`: `(data)`.
            data_drop = DataDrop(I32);
            /// `table.grow`: `(table, delta, init) -> old_size`, or [`GROW_FAILED`], or
            /// [`GROW_TRAPPED`].
            table_grow = TableGrow(I32, I64, Pointer) -> I64;
            /// `table.fill`: `(table, dst, value, len) -> ok`.
            table_fill = TableFill(I32, I64, Pointer, I64) -> I32;
            /// `table.copy`: `(dst_table, src_table, dst, src, len) -> ok`.
            table_copy = TableCopy(I32, I32, I64, I64, I64) -> I32;
            /// `table.init`: `(table, elem, dst, src, len) -> ok`.
            table_init = TableInit(I32, I32, I64, I32, I32) -> I32;
            /// `elem.drop`: `(elem)`.
            elem_drop = ElemDrop(I32);
            /// Fills a funcref table slot that lazy initialisation has not reached yet:
            /// `(table, index) -> *const VMFuncRef`. The index is already bounds-checked.
            table_get_lazy_init_func_ref = TableGetLazyInitFuncRef(I32, I64) -> Pointer;
            /// A lazily compiled module's function was called before it was compiled:
            /// `(defined_function) -> code`, the function's wasm-call entry, or null
            /// with the failure recorded.
            lazy_compile = LazyCompile(I32) -> Pointer;
            /// Fuel ran out: refuel from the store or trap. `() -> ok`.
            out_of_gas = OutOfGas() -> I32;
            /// The epoch deadline passed: extend it or trap. `() -> ok`.
            new_epoch = NewEpoch() -> I32;
            /// Unwinds to the host with the trap recorded for this call. Never returns.
            raise = Raise();
            /// `throw`'s allocation: a new exception of `tag` whose payload is the tag's
            /// parameters, read from `ValRaw` slots at `payload`:
            /// `(tag, payload) -> exnref`.
            exception_new = ExceptionNew(I32, Pointer) -> Pointer;
            /// `throw_ref`, and `throw` with no handler in the throwing function:
            /// `(exnref, frame_pointer)`. Unwinds to the nearest handler in a caller of
            /// the frame, or to the host; never returns (null traps).
            throw_ref = ThrowRef(Pointer, Pointer);
            /// Whether an exception is of the caller's `tag`: `(exnref, tag) -> bool`.
            exception_matches = ExceptionMatches(Pointer, I32) -> I32;
            /// Copies an exception's payload into `ValRaw` slots: `(exnref, out)`.
            exception_payload = ExceptionPayload(Pointer, Pointer);
            /// A `catch_ref`-style clause hands the exception to wasm as a value:
            /// `(exnref)`.
            exception_escaped = ExceptionEscaped(Pointer);
            /// A clause caught the exception and does not keep it: `(exnref)`.
            exception_release = ExceptionRelease(Pointer);
            /// `f32.ceil` on hosts without native rounding.
            ceil_f32 = CeilF32(F32) -> F32;
            /// `f64.ceil` on hosts without native rounding.
            ceil_f64 = CeilF64(F64) -> F64;
            /// `f32.floor` on hosts without native rounding.
            floor_f32 = FloorF32(F32) -> F32;
            /// `f64.floor` on hosts without native rounding.
            floor_f64 = FloorF64(F64) -> F64;
            /// `f32.trunc` on hosts without native rounding.
            trunc_f32 = TruncF32(F32) -> F32;
            /// `f64.trunc` on hosts without native rounding.
            trunc_f64 = TruncF64(F64) -> F64;
            /// `f32.nearest` on hosts without native rounding.
            nearest_f32 = NearestF32(F32) -> F32;
            /// `f64.nearest` on hosts without native rounding.
            nearest_f64 = NearestF64(F64) -> F64;
        }
    };
}

macro_rules! builtins {
    ($(
        $(#[$doc:meta])*
        $field:ident = $name:ident($($param:ident),*) $(-> $result:ident)?;
    )*) => {
        /// A libcall compiled code may call through the builtin function table.
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        #[repr(u32)]
        pub enum BuiltinFunction {
            $($(#[$doc])* $name,)*
        }

        impl BuiltinFunction {
            /// Every builtin, in table order.
            pub const ALL: &'static [BuiltinFunction] = &[$(Self::$name,)*];

            /// How many builtins there are (the length of the builtin function table).
            pub const COUNT: usize = Self::ALL.len();

            /// This builtin's signature.
            pub fn signature(self) -> BuiltinSignature {
                match self {
                    $(Self::$name => BuiltinSignature {
                        params: &[BuiltinType::VmCtx, $(BuiltinType::$param),*],
                        result: builtins!(@result $($result)?),
                    },)*
                }
            }

            /// The builtin's name in `snake_case` (its vm entry point's name), for
            /// disassembly and messages.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$name => stringify!($field),)*
                }
            }
        }
    };
    (@result) => { None };
    (@result $ty:ident) => { Some(BuiltinType::$ty) };
}

foreach_builtin!(builtins);

impl BuiltinFunction {
    /// This builtin's slot in the builtin function table.
    pub fn index(self) -> u32 {
        self as u32
    }
}

impl fmt::Display for BuiltinFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_matches_discriminants() {
        for (slot, builtin) in BuiltinFunction::ALL.iter().enumerate() {
            assert_eq!(builtin.index() as usize, slot, "{builtin}");
        }
    }

    #[test]
    fn every_signature_starts_with_vmctx() {
        for builtin in BuiltinFunction::ALL {
            assert_eq!(
                builtin.signature().params[0],
                BuiltinType::VmCtx,
                "{builtin}"
            );
        }
        assert_eq!(
            BuiltinFunction::MemoryCopy.signature().params,
            &[
                BuiltinType::VmCtx,
                BuiltinType::I32,
                BuiltinType::I64,
                BuiltinType::I32,
                BuiltinType::I64,
                BuiltinType::I64
            ]
        );
        assert_eq!(BuiltinFunction::Raise.signature().result, None);
    }
}

//! Conversions between wasm's operand types and what addresses and builtins take: `i32`
//! (or 64-bit) indices widened to pointers or to the builtins' `i64`, and sizes narrowed
//! back to the memory's or table's index type.

use cranelift_codegen::ir::{self, InstBuilder, Value, types};

use super::FuncTranslator;

impl FuncTranslator<'_, '_> {
    /// A wasm `i32` widened to a pointer-sized integer.
    pub(crate) fn widen_to_pointer(&mut self, value: Value) -> Value {
        let ty = self.builder.func.dfg.value_type(value);
        if ty == self.env.ptr {
            value
        } else if ty.bits() < self.env.ptr.bits() {
            self.builder.ins().uextend(self.env.ptr, value)
        } else {
            // A 64-bit index on a 32-bit host: an index above the address space is out
            // of bounds of anything the host could hold.
            let high = self.builder.ins().ushr_imm_u(value, 32);
            self.builder
                .ins()
                .trapnz(high, ir::TrapCode::HEAP_OUT_OF_BOUNDS);
            self.builder.ins().ireduce(self.env.ptr, value)
        }
    }

    /// A wasm `i32` (or an already 64-bit index of a 64-bit memory or table) as the
    /// `i64` builtins take.
    pub(crate) fn widen_to_i64(&mut self, value: Value) -> Value {
        if self.builder.func.dfg.value_type(value) == types::I64 {
            value
        } else {
            self.builder.ins().uextend(types::I64, value)
        }
    }

    /// A size or old size from a builtin or a definition (pointer-sized or `i64`) as
    /// wasm sees it: `i64` for a 64-bit memory or table, `i32` otherwise.
    pub(crate) fn index_result(&mut self, value: Value, index64: bool) -> Value {
        if index64 {
            match self.builder.func.dfg.value_type(value) {
                types::I64 => value,
                _ => self.builder.ins().uextend(types::I64, value),
            }
        } else {
            self.narrow_to_i32(value)
        }
    }

    /// A pointer-sized or `i64` value as a wasm `i32`.
    pub(crate) fn narrow_to_i32(&mut self, value: Value) -> Value {
        if self.builder.func.dfg.value_type(value) == types::I32 {
            value
        } else {
            self.builder.ins().ireduce(types::I32, value)
        }
    }
}

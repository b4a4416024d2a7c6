//! Integer and float arithmetic, comparisons and conversions.
//!
//! Cranelift's instructions already have Wasm's semantics where it matters: `sdiv`/`udiv`/
//! `srem`/`urem` trap on a zero divisor and `sdiv` on `INT_MIN / -1` while `srem` gives 0
//! there; `fcvt_to_*int` trap on NaN and out-of-range input and the `_sat` forms saturate;
//! `fmin`/`fmax` propagate NaN and order `-0 < +0`; `nearest` rounds ties to even.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::FuncInstBuilder;
use environ::BuiltinFunction;

use super::FuncTranslator;

/// The four float rounding operators.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Rounding {
    /// Towards positive infinity.
    Ceil,
    /// Towards negative infinity.
    Floor,
    /// Towards zero.
    Trunc,
    /// To nearest, ties to even.
    Nearest,
}

impl FuncTranslator<'_, '_> {
    /// Pushes a constant.
    pub(crate) fn constant(&mut self, f: impl FnOnce(FuncInstBuilder<'_, '_>) -> Value) {
        let v = f(self.builder.ins());
        self.push(v);
    }

    /// Replaces the top value with `f(x)`.
    pub(crate) fn unary(&mut self, f: impl FnOnce(FuncInstBuilder<'_, '_>, Value) -> Value) {
        let x = self.pop();
        let v = f(self.builder.ins(), x);
        self.push(v);
    }

    /// Replaces the top two values `x, y` with `f(x, y)`.
    pub(crate) fn binary(
        &mut self,
        f: impl FnOnce(FuncInstBuilder<'_, '_>, Value, Value) -> Value,
    ) {
        let y = self.pop();
        let x = self.pop();
        let v = f(self.builder.ins(), x, y);
        self.push(v);
    }

    /// Replaces the top float `x` with `f(x)`, canonicalising a NaN result when the engine
    /// asks for it.
    pub(crate) fn float_unary(&mut self, f: impl FnOnce(FuncInstBuilder<'_, '_>, Value) -> Value) {
        self.unary(f);
        self.canonicalize_top();
    }

    /// Replaces the top two floats `x, y` with `f(x, y)`, canonicalising a NaN result when
    /// the engine asks for it.
    pub(crate) fn float_binary(
        &mut self,
        f: impl FnOnce(FuncInstBuilder<'_, '_>, Value, Value) -> Value,
    ) {
        self.binary(f);
        self.canonicalize_top();
    }

    /// With NaN canonicalisation on, replaces a NaN on top of the stack (a scalar float,
    /// or a `v128` of shape `shape`'s float lanes) with the canonical NaN.
    pub(crate) fn canonicalize_top(&mut self) {
        if !self.env.tunables.nan_canonicalization {
            return;
        }
        let v = self.pop();
        let v = self.canonicalize_nan(v);
        self.push(v);
    }

    /// `v` with every NaN lane replaced by the canonical (positive, quiet, zero payload)
    /// NaN of its type.
    pub(crate) fn canonicalize_nan(&mut self, v: Value) -> Value {
        let ty = self.builder.func.dfg.value_type(v);
        let is_nan = self.builder.ins().fcmp(FloatCC::Unordered, v, v);
        if ty.is_vector() {
            let canonical = match ty.lane_type() {
                types::F32 => self.builder.ins().f32const(f32::from_bits(0x7fc0_0000)),
                _ => self
                    .builder
                    .ins()
                    .f64const(f64::from_bits(0x7ff8_0000_0000_0000)),
            };
            let canonical = self.builder.ins().splat(ty, canonical);
            let mask = self.builder.ins().bitcast(
                ty,
                MemFlagsData::new().with_endianness(cranelift_codegen::ir::Endianness::Little),
                is_nan,
            );
            self.builder.ins().bitselect(mask, canonical, v)
        } else {
            let canonical = if ty == types::F32 {
                self.builder.ins().f32const(f32::from_bits(0x7fc0_0000))
            } else {
                self.builder
                    .ins()
                    .f64const(f64::from_bits(0x7ff8_0000_0000_0000))
            };
            self.builder.ins().select(is_nan, canonical, v)
        }
    }

    /// A Cranelift boolean (`i8`) as a wasm `i32`.
    fn push_bool(&mut self, flag: Value) {
        let v = self.builder.ins().uextend(types::I32, flag);
        self.push(v);
    }

    /// `eqz`.
    pub(crate) fn eqz(&mut self) {
        let x = self.pop();
        let flag = self.builder.ins().icmp_imm_s(IntCC::Equal, x, 0);
        self.push_bool(flag);
    }

    /// Integer comparisons.
    pub(crate) fn icmp(&mut self, cc: IntCC) {
        let y = self.pop();
        let x = self.pop();
        let flag = self.builder.ins().icmp(cc, x, y);
        self.push_bool(flag);
    }

    /// Float comparisons; every one but `ne` is false on NaN, as Wasm requires.
    pub(crate) fn fcmp(&mut self, cc: FloatCC) {
        let y = self.pop();
        let x = self.pop();
        let flag = self.builder.ins().fcmp(cc, x, y);
        self.push_bool(flag);
    }

    /// `extendN_s`: sign-extends the low `narrow` bits in place.
    pub(crate) fn sign_extend(&mut self, narrow: Type, wide: Type) {
        let x = self.pop();
        let low = self.builder.ins().ireduce(narrow, x);
        let v = self.builder.ins().sextend(wide, low);
        self.push(v);
    }

    /// The `reinterpret` operators: the same bits as another type.
    pub(crate) fn reinterpret(&mut self, to: Type) {
        let x = self.pop();
        let v = self.builder.ins().bitcast(to, MemFlagsData::new(), x);
        self.push(v);
    }

    /// `ceil`, `floor`, `trunc` and `nearest`: in hardware when the ISA rounds natively,
    /// otherwise through the rounding builtins (never through a libcall relocation).
    pub(crate) fn round(&mut self, rounding: Rounding) {
        let x = self.pop();
        let is_f32 = self.builder.func.dfg.value_type(x) == types::F32;
        let v = if self.env.native_rounding {
            let ins = self.builder.ins();
            match rounding {
                Rounding::Ceil => ins.ceil(x),
                Rounding::Floor => ins.floor(x),
                Rounding::Trunc => ins.trunc(x),
                Rounding::Nearest => ins.nearest(x),
            }
        } else {
            let builtin = match (rounding, is_f32) {
                (Rounding::Ceil, true) => BuiltinFunction::CeilF32,
                (Rounding::Ceil, false) => BuiltinFunction::CeilF64,
                (Rounding::Floor, true) => BuiltinFunction::FloorF32,
                (Rounding::Floor, false) => BuiltinFunction::FloorF64,
                (Rounding::Trunc, true) => BuiltinFunction::TruncF32,
                (Rounding::Trunc, false) => BuiltinFunction::TruncF64,
                (Rounding::Nearest, true) => BuiltinFunction::NearestF32,
                (Rounding::Nearest, false) => BuiltinFunction::NearestF64,
            };
            self.call_builtin(builtin, &[x])
                .expect("rounding builtins return a value")
        };
        self.push(v);
        self.canonicalize_top();
    }
}

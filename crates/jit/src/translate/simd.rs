//! 128-bit SIMD: the helpers `simd_dispatch.rs` calls.
//!
//! A `v128` is always an `i8x16` on the operand stack, in locals, globals and block
//! parameters, so values flow between operators of different lane shapes without care.
//! Each operator bitcasts its operands to the lane shape it works on and its result back
//! to `i8x16`; bitcasts between vector shapes generate no code.
//!
//! Most operators are one Cranelift instruction with Wasm's semantics already:
//! `fmin`/`fmax` propagate NaN and order `-0 < +0`, shifts take their amount modulo the
//! lane width, `swizzle` gives 0 for out-of-range indices, the saturating conversions
//! saturate. The others are built from a few: pseudo-min/max from a compare and a
//! `bitselect`, dot products and extending multiplies from widening, multiplying and
//! pairwise adds.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::Uimm8;
use cranelift_codegen::ir::types::{self, I8X16, I32};
use cranelift_codegen::ir::{ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;
use environ::CompileError;
use environ::wasmparser::MemArg;

use super::FuncTranslator;

/// How the scalar result of a lane extraction widens to a Wasm `i32`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Extend {
    /// The lane is already a Wasm value (`i32`, `i64`, `f32`, `f64` lanes).
    None,
    /// Sign-extend a narrow lane.
    Signed,
    /// Zero-extend a narrow lane.
    Unsigned,
}

/// The shape of a vector load that reads less than 16 bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum VectorLoad {
    /// Eight bytes widened lane by lane (`v128.load8x8_s` and friends).
    Extend { lanes: Type, signed: bool },
    /// One lane read and copied to every lane.
    Splat(Type),
    /// One lane read into lane 0, the rest zero.
    Zero(Type),
}

/// Flags of a bitcast between vector shapes.
fn lane_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

impl FuncTranslator<'_, '_> {
    /// Pops a `v128` as a vector of shape `ty`.
    pub(crate) fn pop_vector(&mut self, ty: Type) -> Value {
        let v = self.pop();
        self.as_shape(v, ty)
    }

    fn as_shape(&mut self, v: Value, ty: Type) -> Value {
        if self.builder.func.dfg.value_type(v) == ty {
            v
        } else {
            self.builder.ins().bitcast(ty, lane_flags(), v)
        }
    }

    /// Pushes a vector of any shape as a `v128`.
    pub(crate) fn push_vector(&mut self, v: Value) {
        let v = self.as_shape(v, I8X16);
        self.push(v);
    }

    /// Replaces the top `v128` with `f(x)`, working on shape `ty`.
    pub(crate) fn vector_unary(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value,
    ) {
        let x = self.pop_vector(ty);
        let v = f(&mut self.builder, x);
        self.push_vector(v);
    }

    /// Replaces the top two `v128`s `x, y` with `f(x, y)`, working on shape `ty`.
    pub(crate) fn vector_binary(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
    ) {
        let y = self.pop_vector(ty);
        self.vector_unary(ty, |b, x| f(b, x, y));
    }

    /// [`Self::vector_unary`] for a float result, canonicalising NaN lanes when asked.
    pub(crate) fn vector_float_unary(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value,
    ) {
        let x = self.pop_vector(ty);
        let v = f(&mut self.builder, x);
        self.push_float_vector(v);
    }

    /// [`Self::vector_binary`] for a float result, canonicalising NaN lanes when asked.
    pub(crate) fn vector_float_binary(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
    ) {
        let y = self.pop_vector(ty);
        self.vector_float_unary(ty, |b, x| f(b, x, y));
    }

    fn push_float_vector(&mut self, v: Value) {
        let v = if self.env.tunables.nan_canonicalization {
            self.canonicalize_nan(v)
        } else {
            v
        };
        self.push_vector(v);
    }

    /// Replaces the top three `v128`s `x, y, z` with `f(x, y, z)`, working on shape `ty`.
    pub(crate) fn vector_ternary(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value, Value) -> Value,
    ) {
        let z = self.pop_vector(ty);
        self.vector_binary(ty, |b, x, y| f(b, x, y, z));
    }

    /// `v128.const`.
    pub(crate) fn vector_const(&mut self, bytes: &[u8; 16]) {
        let v = self.vconst(I8X16, bytes);
        self.push(v);
    }

    fn vconst(&mut self, ty: Type, bytes: &[u8; 16]) -> Value {
        let constant = self
            .builder
            .func
            .dfg
            .constants
            .insert(ConstantData::from(bytes.to_vec()));
        self.builder.ins().vconst(ty, constant)
    }

    /// `i8x16.shuffle`: lanes 0-15 pick from the first operand, 16-31 from the second.
    pub(crate) fn shuffle(&mut self, lanes: &[u8; 16]) {
        let y = self.pop_vector(I8X16);
        let x = self.pop_vector(I8X16);
        let mask = self
            .builder
            .func
            .dfg
            .immediates
            .push(ConstantData::from(lanes.to_vec()));
        let v = self.builder.ins().shuffle(x, y, mask);
        self.push(v);
    }

    /// `*.splat`: the scalar on top (narrowed for `i8`/`i16` lanes) in every lane.
    pub(crate) fn splat(&mut self, ty: Type) {
        let x = self.pop();
        let x = self.scalar_as_lane(x, ty.lane_type());
        let v = self.builder.ins().splat(ty, x);
        self.push_vector(v);
    }

    /// A Wasm scalar as a lane of type `lane`: `i32` narrowed for `i8`/`i16` lanes.
    fn scalar_as_lane(&mut self, x: Value, lane: Type) -> Value {
        if self.builder.func.dfg.value_type(x) == lane {
            x
        } else {
            self.builder.ins().ireduce(lane, x)
        }
    }

    /// `*.extract_lane*`.
    pub(crate) fn extract_lane(&mut self, ty: Type, lane: u8, extend: Extend) {
        let x = self.pop_vector(ty);
        let v = self.builder.ins().extractlane(x, lane);
        let v = match extend {
            Extend::None => v,
            Extend::Signed => self.builder.ins().sextend(I32, v),
            Extend::Unsigned => self.builder.ins().uextend(I32, v),
        };
        self.push(v);
    }

    /// `*.replace_lane`.
    pub(crate) fn replace_lane(&mut self, ty: Type, lane: u8) {
        let y = self.pop();
        let y = self.scalar_as_lane(y, ty.lane_type());
        let x = self.pop_vector(ty);
        let v = self.builder.ins().insertlane(x, y, lane);
        self.push_vector(v);
    }

    /// Shifts: the vector, then an `i32` amount taken modulo the lane width.
    pub(crate) fn vector_shift(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
    ) {
        let amount = self.pop();
        let x = self.pop_vector(ty);
        let v = f(&mut self.builder, x, amount);
        self.push_vector(v);
    }

    /// Lane-wise integer comparisons: all ones where true.
    pub(crate) fn vector_icmp(&mut self, ty: Type, cc: IntCC) {
        self.vector_binary(ty, |b, x, y| b.ins().icmp(cc, x, y));
    }

    /// Lane-wise float comparisons: all ones where true.
    pub(crate) fn vector_fcmp(&mut self, ty: Type, cc: FloatCC) {
        self.vector_binary(ty, |b, x, y| b.ins().fcmp(cc, x, y));
    }

    /// `v128.any_true` and `*.all_true`, as an `i32`.
    pub(crate) fn vector_test(&mut self, ty: Type, all: bool) {
        let x = self.pop_vector(ty);
        let flag = if all {
            self.builder.ins().vall_true(x)
        } else {
            self.builder.ins().vany_true(x)
        };
        let v = self.builder.ins().uextend(I32, flag);
        self.push(v);
    }

    /// `*.bitmask`: each lane's top bit, lane 0 in bit 0.
    pub(crate) fn bitmask(&mut self, ty: Type) {
        let x = self.pop_vector(ty);
        let v = self.builder.ins().vhigh_bits(I32, x);
        self.push(v);
    }

    /// `f32x4.pmin`/`f64x2.pmin` (`y < x ? y : x`) and `pmax` (`x < y ? y : x`), which
    /// differ from `min`/`max` on NaN and signed zeros.
    pub(crate) fn pseudo_min_max(&mut self, ty: Type, max: bool) {
        self.vector_binary(ty, |b, x, y| {
            let take_y = if max {
                b.ins().fcmp(FloatCC::LessThan, x, y)
            } else {
                b.ins().fcmp(FloatCC::LessThan, y, x)
            };
            let mask = b.ins().bitcast(ty, lane_flags(), take_y);
            b.ins().bitselect(mask, y, x)
        });
    }

    /// Extending multiplies: `low` or high halves of both operands widened, then
    /// multiplied in the wide shape.
    pub(crate) fn extending_multiply(&mut self, narrow: Type, low: bool, signed: bool) {
        self.vector_binary(narrow, |b, x, y| {
            let (x, y) = (widen(b, x, low, signed), widen(b, y, low, signed));
            b.ins().imul(x, y)
        });
    }

    /// `extadd_pairwise`: adjacent lanes widened and added.
    pub(crate) fn extending_pairwise_add(&mut self, narrow: Type, signed: bool) {
        self.vector_unary(narrow, |b, x| {
            let low = widen(b, x, true, signed);
            let high = widen(b, x, false, signed);
            b.ins().iadd_pairwise(low, high)
        });
    }

    /// `*.extend_{low,high}_*`.
    pub(crate) fn extend_half(&mut self, narrow: Type, low: bool, signed: bool) {
        self.vector_unary(narrow, |b, x| widen(b, x, low, signed));
    }

    /// Dot products of signed lanes: products of widened lanes, adjacent pairs added
    /// (wrapping), as `i32x4.dot_i16x8_s` and the deterministic relaxed `i16x8` dot.
    pub(crate) fn dot(&mut self, narrow: Type) {
        self.vector_binary(narrow, dot_of);
    }

    /// `i32x4.relaxed_dot_i8x16_i7x16_add_s`, deterministically: the `i16x8` dot of
    /// signed lanes, adjacent pairs widened and added, plus the accumulator.
    pub(crate) fn dot_add(&mut self) {
        let acc = self.pop_vector(types::I32X4);
        let y = self.pop_vector(types::I8X16);
        let x = self.pop_vector(types::I8X16);
        let dot = dot_of(&mut self.builder, x, y);
        let low = self.builder.ins().swiden_low(dot);
        let high = self.builder.ins().swiden_high(dot);
        let sums = self.builder.ins().iadd_pairwise(low, high);
        let v = self.builder.ins().iadd(sums, acc);
        self.push_vector(v);
    }

    /// `i32x4.trunc_sat_f64x2_{s,u}_zero`: two lanes converted, two zero lanes.
    pub(crate) fn trunc_sat_f64x2_zero(&mut self, signed: bool) {
        let x = self.pop_vector(types::F64X2);
        let zero = self.vconst(types::I64X2, &[0; 16]);
        let v = if signed {
            let wide = self.builder.ins().fcvt_to_sint_sat(types::I64X2, x);
            self.builder.ins().snarrow(wide, zero)
        } else {
            let wide = self.builder.ins().fcvt_to_uint_sat(types::I64X2, x);
            self.builder.ins().uunarrow(wide, zero)
        };
        self.push_vector(v);
    }

    /// `f64x2.convert_low_i32x4_{s,u}`.
    pub(crate) fn convert_low_i32x4(&mut self, signed: bool) {
        self.vector_unary(types::I32X4, |b, x| {
            let wide = widen(b, x, true, signed);
            if signed {
                b.ins().fcvt_from_sint(types::F64X2, wide)
            } else {
                b.ins().fcvt_from_uint(types::F64X2, wide)
            }
        });
    }

    /// `relaxed_madd` (`x * y + z`) and `relaxed_nmadd` (`-(x * y) + z`): fused where the
    /// host has a fused multiply-add and results need not be deterministic, unfused (the
    /// same bits on every host) otherwise.
    pub(crate) fn multiply_add(&mut self, ty: Type, negate: bool) {
        let fused = self.env.native_fma && !self.env.tunables.relaxed_simd_deterministic;
        let z = self.pop_vector(ty);
        let y = self.pop_vector(ty);
        let x = self.pop_vector(ty);
        // -(x * y) is exactly (-x) * y.
        let x = if negate {
            self.builder.ins().fneg(x)
        } else {
            x
        };
        let v = if fused {
            self.builder.ins().fma(x, y, z)
        } else {
            let product = self.builder.ins().fmul(x, y);
            self.builder.ins().fadd(product, z)
        };
        self.push_float_vector(v);
    }

    /// Vector loads of all 16 bytes.
    pub(crate) fn vector_load(
        &mut self,
        memarg: &MemArg,
        offset: usize,
    ) -> Result<(), CompileError> {
        self.op_load(memarg, I8X16, 16, super::memory::Extension::Zero, offset)
    }

    /// Vector loads of fewer bytes.
    pub(crate) fn vector_load_partial(
        &mut self,
        memarg: &MemArg,
        load: VectorLoad,
        offset: usize,
    ) -> Result<(), CompileError> {
        let width = match load {
            VectorLoad::Extend { .. } => 8,
            VectorLoad::Splat(lane) | VectorLoad::Zero(lane) => lane.bytes() as u8,
        };
        let addr = self.heap_address(memarg, width, offset)?;
        let flags = super::memory::heap_flags();
        let v = match load {
            VectorLoad::Extend { lanes, signed } => {
                let ins = self.builder.ins();
                match (lanes, signed) {
                    (types::I16X8, true) => ins.sload8x8(flags, addr, 0),
                    (types::I16X8, false) => ins.uload8x8(flags, addr, 0),
                    (types::I32X4, true) => ins.sload16x4(flags, addr, 0),
                    (types::I32X4, false) => ins.uload16x4(flags, addr, 0),
                    (_, true) => ins.sload32x2(flags, addr, 0),
                    (_, false) => ins.uload32x2(flags, addr, 0),
                }
            }
            VectorLoad::Splat(lane) => {
                let scalar = self.builder.ins().load(lane, flags, addr, 0);
                self.builder
                    .ins()
                    .splat(lane.by(16 / lane.bytes()).unwrap(), scalar)
            }
            VectorLoad::Zero(lane) => {
                let scalar = self.builder.ins().load(lane, flags, addr, 0);
                self.builder
                    .ins()
                    .scalar_to_vector(lane.by(16 / lane.bytes()).unwrap(), scalar)
            }
        };
        self.push_vector(v);
        Ok(())
    }

    /// `v128.load*_lane`: the vector on top, the address under it.
    pub(crate) fn vector_load_lane(
        &mut self,
        memarg: &MemArg,
        ty: Type,
        lane: u8,
        offset: usize,
    ) -> Result<(), CompileError> {
        let x = self.pop_vector(ty);
        let lane_ty = ty.lane_type();
        let addr = self.heap_address(memarg, lane_ty.bytes() as u8, offset)?;
        let scalar = self
            .builder
            .ins()
            .load(lane_ty, super::memory::heap_flags(), addr, 0);
        let v = self.builder.ins().insertlane(x, scalar, Uimm8::from(lane));
        self.push_vector(v);
        Ok(())
    }

    /// `v128.store*_lane`: the vector on top, the address under it.
    pub(crate) fn vector_store_lane(
        &mut self,
        memarg: &MemArg,
        ty: Type,
        lane: u8,
        offset: usize,
    ) -> Result<(), CompileError> {
        let x = self.pop_vector(ty);
        let lane_ty = ty.lane_type();
        let addr = self.heap_address(memarg, lane_ty.bytes() as u8, offset)?;
        let scalar = self.builder.ins().extractlane(x, lane);
        self.builder
            .ins()
            .store(super::memory::heap_flags(), scalar, addr, 0);
        Ok(())
    }
}

/// The low or high half of `x`'s lanes, widened to twice their width.
fn widen(b: &mut FunctionBuilder<'_>, x: Value, low: bool, signed: bool) -> Value {
    match (low, signed) {
        (true, true) => b.ins().swiden_low(x),
        (false, true) => b.ins().swiden_high(x),
        (true, false) => b.ins().uwiden_low(x),
        (false, false) => b.ins().uwiden_high(x),
    }
}

/// Products of signed lanes widened, adjacent pairs added.
fn dot_of(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> Value {
    let xl = widen(b, x, true, true);
    let yl = widen(b, y, true, true);
    let xh = widen(b, x, false, true);
    let yh = widen(b, y, false, true);
    let low = b.ins().imul(xl, yl);
    let high = b.ins().imul(xh, yh);
    b.ins().iadd_pairwise(low, high)
}

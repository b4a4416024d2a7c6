//! The SIMD operator dispatch: one `match` over the fixed-width and relaxed SIMD
//! operators, each arm one call into `simd.rs` (relaxed operators take their
//! deterministic meaning, so every host computes the same bits).

use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I8, I8X16, I16, I16X8, I32, I32X4, I64, I64X2};
use environ::CompileError;
use environ::wasmparser::Operator;

use super::FuncTranslator;
use super::simd::{Extend as E, VectorLoad as L};

impl FuncTranslator<'_, '_> {
    /// Translates one validated SIMD operator; `Ok(false)` when `op` is not one.
    pub(crate) fn translate_simd_operator(
        &mut self,
        op: &Operator<'_>,
        offset: usize,
    ) -> Result<bool, CompileError> {
        use Operator as O;
        if !self.env.native_rounding && super::dispatch::is_simd(op) {
            return Err(CompileError::Unsupported {
                feature: crate::SIMD_WITHOUT_SSE41,
                offset,
            });
        }
        match op {
            O::V128Load { memarg } => self.vector_load(memarg, offset)?,
            O::V128Load8x8S { memarg } => self.vector_load_partial(
                memarg,
                L::Extend {
                    lanes: I16X8,
                    signed: true,
                },
                offset,
            )?,
            O::V128Load8x8U { memarg } => self.vector_load_partial(
                memarg,
                L::Extend {
                    lanes: I16X8,
                    signed: false,
                },
                offset,
            )?,
            O::V128Load16x4S { memarg } => self.vector_load_partial(
                memarg,
                L::Extend {
                    lanes: I32X4,
                    signed: true,
                },
                offset,
            )?,
            O::V128Load16x4U { memarg } => self.vector_load_partial(
                memarg,
                L::Extend {
                    lanes: I32X4,
                    signed: false,
                },
                offset,
            )?,
            O::V128Load32x2S { memarg } => self.vector_load_partial(
                memarg,
                L::Extend {
                    lanes: I64X2,
                    signed: true,
                },
                offset,
            )?,
            O::V128Load32x2U { memarg } => self.vector_load_partial(
                memarg,
                L::Extend {
                    lanes: I64X2,
                    signed: false,
                },
                offset,
            )?,
            O::V128Load8Splat { memarg } => {
                self.vector_load_partial(memarg, L::Splat(I8), offset)?
            }
            O::V128Load16Splat { memarg } => {
                self.vector_load_partial(memarg, L::Splat(I16), offset)?
            }
            O::V128Load32Splat { memarg } => {
                self.vector_load_partial(memarg, L::Splat(I32), offset)?
            }
            O::V128Load64Splat { memarg } => {
                self.vector_load_partial(memarg, L::Splat(I64), offset)?
            }
            O::V128Load32Zero { memarg } => {
                self.vector_load_partial(memarg, L::Zero(I32), offset)?
            }
            O::V128Load64Zero { memarg } => {
                self.vector_load_partial(memarg, L::Zero(I64), offset)?
            }
            O::V128Store { memarg } => self.op_store(memarg, 16, offset)?,
            O::V128Load8Lane { memarg, lane } => {
                self.vector_load_lane(memarg, I8X16, *lane, offset)?
            }
            O::V128Store8Lane { memarg, lane } => {
                self.vector_store_lane(memarg, I8X16, *lane, offset)?
            }
            O::V128Load16Lane { memarg, lane } => {
                self.vector_load_lane(memarg, I16X8, *lane, offset)?
            }
            O::V128Store16Lane { memarg, lane } => {
                self.vector_store_lane(memarg, I16X8, *lane, offset)?
            }
            O::V128Load32Lane { memarg, lane } => {
                self.vector_load_lane(memarg, I32X4, *lane, offset)?
            }
            O::V128Store32Lane { memarg, lane } => {
                self.vector_store_lane(memarg, I32X4, *lane, offset)?
            }
            O::V128Load64Lane { memarg, lane } => {
                self.vector_load_lane(memarg, I64X2, *lane, offset)?
            }
            O::V128Store64Lane { memarg, lane } => {
                self.vector_store_lane(memarg, I64X2, *lane, offset)?
            }
            O::V128Const { value } => self.vector_const(value.bytes()),
            O::I8x16Shuffle { lanes } => self.shuffle(lanes),
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, *lane, E::Signed),
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, *lane, E::Unsigned),
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, *lane, E::Signed),
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, *lane, E::Unsigned),
            O::I32x4ExtractLane { lane } => self.extract_lane(I32X4, *lane, E::None),
            O::I64x2ExtractLane { lane } => self.extract_lane(I64X2, *lane, E::None),
            O::F32x4ExtractLane { lane } => self.extract_lane(F32X4, *lane, E::None),
            O::F64x2ExtractLane { lane } => self.extract_lane(F64X2, *lane, E::None),
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, *lane),
            O::I8x16Splat => self.splat(I8X16),
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, *lane),
            O::I16x8Splat => self.splat(I16X8),
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, *lane),
            O::I32x4Splat => self.splat(I32X4),
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, *lane),
            O::I64x2Splat => self.splat(I64X2),
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32X4, *lane),
            O::F32x4Splat => self.splat(F32X4),
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64X2, *lane),
            O::F64x2Splat => self.splat(F64X2),
            O::I8x16Swizzle | O::I8x16RelaxedSwizzle => {
                self.vector_binary(I8X16, |b, x, y| b.ins().swizzle(x, y))
            }
            O::I8x16Eq => self.vector_icmp(I8X16, IntCC::Equal),
            O::I8x16Ne => self.vector_icmp(I8X16, IntCC::NotEqual),
            O::I8x16LtS => self.vector_icmp(I8X16, IntCC::SignedLessThan),
            O::I8x16LtU => self.vector_icmp(I8X16, IntCC::UnsignedLessThan),
            O::I8x16GtS => self.vector_icmp(I8X16, IntCC::SignedGreaterThan),
            O::I8x16GtU => self.vector_icmp(I8X16, IntCC::UnsignedGreaterThan),
            O::I8x16LeS => self.vector_icmp(I8X16, IntCC::SignedLessThanOrEqual),
            O::I8x16LeU => self.vector_icmp(I8X16, IntCC::UnsignedLessThanOrEqual),
            O::I8x16GeS => self.vector_icmp(I8X16, IntCC::SignedGreaterThanOrEqual),
            O::I8x16GeU => self.vector_icmp(I8X16, IntCC::UnsignedGreaterThanOrEqual),
            O::I16x8Eq => self.vector_icmp(I16X8, IntCC::Equal),
            O::I16x8Ne => self.vector_icmp(I16X8, IntCC::NotEqual),
            O::I16x8LtS => self.vector_icmp(I16X8, IntCC::SignedLessThan),
            O::I16x8LtU => self.vector_icmp(I16X8, IntCC::UnsignedLessThan),
            O::I16x8GtS => self.vector_icmp(I16X8, IntCC::SignedGreaterThan),
            O::I16x8GtU => self.vector_icmp(I16X8, IntCC::UnsignedGreaterThan),
            O::I16x8LeS => self.vector_icmp(I16X8, IntCC::SignedLessThanOrEqual),
            O::I16x8LeU => self.vector_icmp(I16X8, IntCC::UnsignedLessThanOrEqual),
            O::I16x8GeS => self.vector_icmp(I16X8, IntCC::SignedGreaterThanOrEqual),
            O::I16x8GeU => self.vector_icmp(I16X8, IntCC::UnsignedGreaterThanOrEqual),
            O::I32x4Eq => self.vector_icmp(I32X4, IntCC::Equal),
            O::I32x4Ne => self.vector_icmp(I32X4, IntCC::NotEqual),
            O::I32x4LtS => self.vector_icmp(I32X4, IntCC::SignedLessThan),
            O::I32x4LtU => self.vector_icmp(I32X4, IntCC::UnsignedLessThan),
            O::I32x4GtS => self.vector_icmp(I32X4, IntCC::SignedGreaterThan),
            O::I32x4GtU => self.vector_icmp(I32X4, IntCC::UnsignedGreaterThan),
            O::I32x4LeS => self.vector_icmp(I32X4, IntCC::SignedLessThanOrEqual),
            O::I32x4LeU => self.vector_icmp(I32X4, IntCC::UnsignedLessThanOrEqual),
            O::I32x4GeS => self.vector_icmp(I32X4, IntCC::SignedGreaterThanOrEqual),
            O::I32x4GeU => self.vector_icmp(I32X4, IntCC::UnsignedGreaterThanOrEqual),
            O::I64x2Eq => self.vector_icmp(I64X2, IntCC::Equal),
            O::I64x2Ne => self.vector_icmp(I64X2, IntCC::NotEqual),
            O::I64x2LtS => self.vector_icmp(I64X2, IntCC::SignedLessThan),
            O::I64x2GtS => self.vector_icmp(I64X2, IntCC::SignedGreaterThan),
            O::I64x2LeS => self.vector_icmp(I64X2, IntCC::SignedLessThanOrEqual),
            O::I64x2GeS => self.vector_icmp(I64X2, IntCC::SignedGreaterThanOrEqual),
            O::F32x4Eq => self.vector_fcmp(F32X4, FloatCC::Equal),
            O::F32x4Ne => self.vector_fcmp(F32X4, FloatCC::NotEqual),
            O::F32x4Lt => self.vector_fcmp(F32X4, FloatCC::LessThan),
            O::F32x4Gt => self.vector_fcmp(F32X4, FloatCC::GreaterThan),
            O::F32x4Le => self.vector_fcmp(F32X4, FloatCC::LessThanOrEqual),
            O::F32x4Ge => self.vector_fcmp(F32X4, FloatCC::GreaterThanOrEqual),
            O::F64x2Eq => self.vector_fcmp(F64X2, FloatCC::Equal),
            O::F64x2Ne => self.vector_fcmp(F64X2, FloatCC::NotEqual),
            O::F64x2Lt => self.vector_fcmp(F64X2, FloatCC::LessThan),
            O::F64x2Gt => self.vector_fcmp(F64X2, FloatCC::GreaterThan),
            O::F64x2Le => self.vector_fcmp(F64X2, FloatCC::LessThanOrEqual),
            O::F64x2Ge => self.vector_fcmp(F64X2, FloatCC::GreaterThanOrEqual),
            O::V128Not => self.vector_unary(I8X16, |b, x| b.ins().bnot(x)),
            O::V128And => self.vector_binary(I8X16, |b, x, y| b.ins().band(x, y)),
            O::V128AndNot => self.vector_binary(I8X16, |b, x, y| b.ins().band_not(x, y)),
            O::V128Or => self.vector_binary(I8X16, |b, x, y| b.ins().bor(x, y)),
            O::V128Xor => self.vector_binary(I8X16, |b, x, y| b.ins().bxor(x, y)),
            O::V128Bitselect => self.vector_ternary(I8X16, |b, x, y, c| b.ins().bitselect(c, x, y)),
            O::I8x16RelaxedLaneselect => {
                self.vector_ternary(I8X16, |b, x, y, c| b.ins().bitselect(c, x, y))
            }
            O::I16x8RelaxedLaneselect => {
                self.vector_ternary(I16X8, |b, x, y, c| b.ins().bitselect(c, x, y))
            }
            O::I32x4RelaxedLaneselect => {
                self.vector_ternary(I32X4, |b, x, y, c| b.ins().bitselect(c, x, y))
            }
            O::I64x2RelaxedLaneselect => {
                self.vector_ternary(I64X2, |b, x, y, c| b.ins().bitselect(c, x, y))
            }
            O::V128AnyTrue => self.vector_test(I8X16, false),
            O::I8x16Abs => self.vector_unary(I8X16, |b, x| b.ins().iabs(x)),
            O::I8x16Neg => self.vector_unary(I8X16, |b, x| b.ins().ineg(x)),
            O::I8x16AllTrue => self.vector_test(I8X16, true),
            O::I8x16Bitmask => self.bitmask(I8X16),
            O::I8x16Shl => self.vector_shift(I8X16, |b, x, n| b.ins().ishl(x, n)),
            O::I8x16ShrS => self.vector_shift(I8X16, |b, x, n| b.ins().sshr(x, n)),
            O::I8x16ShrU => self.vector_shift(I8X16, |b, x, n| b.ins().ushr(x, n)),
            O::I8x16Add => self.vector_binary(I8X16, |b, x, y| b.ins().iadd(x, y)),
            O::I8x16Sub => self.vector_binary(I8X16, |b, x, y| b.ins().isub(x, y)),
            O::I8x16MinS => self.vector_binary(I8X16, |b, x, y| b.ins().smin(x, y)),
            O::I8x16MinU => self.vector_binary(I8X16, |b, x, y| b.ins().umin(x, y)),
            O::I8x16MaxS => self.vector_binary(I8X16, |b, x, y| b.ins().smax(x, y)),
            O::I8x16MaxU => self.vector_binary(I8X16, |b, x, y| b.ins().umax(x, y)),
            O::I8x16AddSatS => self.vector_binary(I8X16, |b, x, y| b.ins().sadd_sat(x, y)),
            O::I8x16AddSatU => self.vector_binary(I8X16, |b, x, y| b.ins().uadd_sat(x, y)),
            O::I8x16SubSatS => self.vector_binary(I8X16, |b, x, y| b.ins().ssub_sat(x, y)),
            O::I8x16SubSatU => self.vector_binary(I8X16, |b, x, y| b.ins().usub_sat(x, y)),
            O::I8x16AvgrU => self.vector_binary(I8X16, |b, x, y| b.ins().avg_round(x, y)),
            O::I16x8Abs => self.vector_unary(I16X8, |b, x| b.ins().iabs(x)),
            O::I16x8Neg => self.vector_unary(I16X8, |b, x| b.ins().ineg(x)),
            O::I16x8AllTrue => self.vector_test(I16X8, true),
            O::I16x8Bitmask => self.bitmask(I16X8),
            O::I16x8Shl => self.vector_shift(I16X8, |b, x, n| b.ins().ishl(x, n)),
            O::I16x8ShrS => self.vector_shift(I16X8, |b, x, n| b.ins().sshr(x, n)),
            O::I16x8ShrU => self.vector_shift(I16X8, |b, x, n| b.ins().ushr(x, n)),
            O::I16x8Add => self.vector_binary(I16X8, |b, x, y| b.ins().iadd(x, y)),
            O::I16x8Sub => self.vector_binary(I16X8, |b, x, y| b.ins().isub(x, y)),
            O::I16x8MinS => self.vector_binary(I16X8, |b, x, y| b.ins().smin(x, y)),
            O::I16x8MinU => self.vector_binary(I16X8, |b, x, y| b.ins().umin(x, y)),
            O::I16x8MaxS => self.vector_binary(I16X8, |b, x, y| b.ins().smax(x, y)),
            O::I16x8MaxU => self.vector_binary(I16X8, |b, x, y| b.ins().umax(x, y)),
            O::I16x8AddSatS => self.vector_binary(I16X8, |b, x, y| b.ins().sadd_sat(x, y)),
            O::I16x8AddSatU => self.vector_binary(I16X8, |b, x, y| b.ins().uadd_sat(x, y)),
            O::I16x8SubSatS => self.vector_binary(I16X8, |b, x, y| b.ins().ssub_sat(x, y)),
            O::I16x8SubSatU => self.vector_binary(I16X8, |b, x, y| b.ins().usub_sat(x, y)),
            O::I16x8AvgrU => self.vector_binary(I16X8, |b, x, y| b.ins().avg_round(x, y)),
            O::I16x8Mul => self.vector_binary(I16X8, |b, x, y| b.ins().imul(x, y)),
            O::I32x4Abs => self.vector_unary(I32X4, |b, x| b.ins().iabs(x)),
            O::I32x4Neg => self.vector_unary(I32X4, |b, x| b.ins().ineg(x)),
            O::I32x4AllTrue => self.vector_test(I32X4, true),
            O::I32x4Bitmask => self.bitmask(I32X4),
            O::I32x4Shl => self.vector_shift(I32X4, |b, x, n| b.ins().ishl(x, n)),
            O::I32x4ShrS => self.vector_shift(I32X4, |b, x, n| b.ins().sshr(x, n)),
            O::I32x4ShrU => self.vector_shift(I32X4, |b, x, n| b.ins().ushr(x, n)),
            O::I32x4Add => self.vector_binary(I32X4, |b, x, y| b.ins().iadd(x, y)),
            O::I32x4Sub => self.vector_binary(I32X4, |b, x, y| b.ins().isub(x, y)),
            O::I32x4MinS => self.vector_binary(I32X4, |b, x, y| b.ins().smin(x, y)),
            O::I32x4MinU => self.vector_binary(I32X4, |b, x, y| b.ins().umin(x, y)),
            O::I32x4MaxS => self.vector_binary(I32X4, |b, x, y| b.ins().smax(x, y)),
            O::I32x4MaxU => self.vector_binary(I32X4, |b, x, y| b.ins().umax(x, y)),
            O::I32x4Mul => self.vector_binary(I32X4, |b, x, y| b.ins().imul(x, y)),
            O::I64x2Abs => self.vector_unary(I64X2, |b, x| b.ins().iabs(x)),
            O::I64x2Neg => self.vector_unary(I64X2, |b, x| b.ins().ineg(x)),
            O::I64x2AllTrue => self.vector_test(I64X2, true),
            O::I64x2Bitmask => self.bitmask(I64X2),
            O::I64x2Shl => self.vector_shift(I64X2, |b, x, n| b.ins().ishl(x, n)),
            O::I64x2ShrS => self.vector_shift(I64X2, |b, x, n| b.ins().sshr(x, n)),
            O::I64x2ShrU => self.vector_shift(I64X2, |b, x, n| b.ins().ushr(x, n)),
            O::I64x2Add => self.vector_binary(I64X2, |b, x, y| b.ins().iadd(x, y)),
            O::I64x2Sub => self.vector_binary(I64X2, |b, x, y| b.ins().isub(x, y)),
            O::I64x2Mul => self.vector_binary(I64X2, |b, x, y| b.ins().imul(x, y)),
            O::I8x16Popcnt => self.vector_unary(I8X16, |b, x| b.ins().popcnt(x)),
            O::I8x16NarrowI16x8S => self.vector_binary(I16X8, |b, x, y| b.ins().snarrow(x, y)),
            O::I8x16NarrowI16x8U => self.vector_binary(I16X8, |b, x, y| b.ins().unarrow(x, y)),
            O::I16x8NarrowI32x4S => self.vector_binary(I32X4, |b, x, y| b.ins().snarrow(x, y)),
            O::I16x8NarrowI32x4U => self.vector_binary(I32X4, |b, x, y| b.ins().unarrow(x, y)),
            O::I16x8Q15MulrSatS | O::I16x8RelaxedQ15mulrS => {
                self.vector_binary(I16X8, |b, x, y| b.ins().sqmul_round_sat(x, y))
            }
            O::I16x8ExtendLowI8x16S => self.extend_half(I8X16, true, true),
            O::I16x8ExtMulLowI8x16S => self.extending_multiply(I8X16, true, true),
            O::I16x8ExtendLowI8x16U => self.extend_half(I8X16, true, false),
            O::I16x8ExtMulLowI8x16U => self.extending_multiply(I8X16, true, false),
            O::I16x8ExtendHighI8x16S => self.extend_half(I8X16, false, true),
            O::I16x8ExtMulHighI8x16S => self.extending_multiply(I8X16, false, true),
            O::I16x8ExtendHighI8x16U => self.extend_half(I8X16, false, false),
            O::I16x8ExtMulHighI8x16U => self.extending_multiply(I8X16, false, false),
            O::I16x8ExtAddPairwiseI8x16S => self.extending_pairwise_add(I8X16, true),
            O::I16x8ExtAddPairwiseI8x16U => self.extending_pairwise_add(I8X16, false),
            O::I32x4ExtendLowI16x8S => self.extend_half(I16X8, true, true),
            O::I32x4ExtMulLowI16x8S => self.extending_multiply(I16X8, true, true),
            O::I32x4ExtendLowI16x8U => self.extend_half(I16X8, true, false),
            O::I32x4ExtMulLowI16x8U => self.extending_multiply(I16X8, true, false),
            O::I32x4ExtendHighI16x8S => self.extend_half(I16X8, false, true),
            O::I32x4ExtMulHighI16x8S => self.extending_multiply(I16X8, false, true),
            O::I32x4ExtendHighI16x8U => self.extend_half(I16X8, false, false),
            O::I32x4ExtMulHighI16x8U => self.extending_multiply(I16X8, false, false),
            O::I32x4ExtAddPairwiseI16x8S => self.extending_pairwise_add(I16X8, true),
            O::I32x4ExtAddPairwiseI16x8U => self.extending_pairwise_add(I16X8, false),
            O::I64x2ExtendLowI32x4S => self.extend_half(I32X4, true, true),
            O::I64x2ExtMulLowI32x4S => self.extending_multiply(I32X4, true, true),
            O::I64x2ExtendLowI32x4U => self.extend_half(I32X4, true, false),
            O::I64x2ExtMulLowI32x4U => self.extending_multiply(I32X4, true, false),
            O::I64x2ExtendHighI32x4S => self.extend_half(I32X4, false, true),
            O::I64x2ExtMulHighI32x4S => self.extending_multiply(I32X4, false, true),
            O::I64x2ExtendHighI32x4U => self.extend_half(I32X4, false, false),
            O::I64x2ExtMulHighI32x4U => self.extending_multiply(I32X4, false, false),
            O::I32x4DotI16x8S => self.dot(I16X8),
            O::I16x8RelaxedDotI8x16I7x16S => self.dot(I8X16),
            O::I32x4RelaxedDotI8x16I7x16AddS => self.dot_add(),
            O::F32x4Ceil => self.vector_float_unary(F32X4, |b, x| b.ins().ceil(x)),
            O::F32x4Floor => self.vector_float_unary(F32X4, |b, x| b.ins().floor(x)),
            O::F32x4Trunc => self.vector_float_unary(F32X4, |b, x| b.ins().trunc(x)),
            O::F32x4Nearest => self.vector_float_unary(F32X4, |b, x| b.ins().nearest(x)),
            O::F32x4Abs => self.vector_unary(F32X4, |b, x| b.ins().fabs(x)),
            O::F32x4Neg => self.vector_unary(F32X4, |b, x| b.ins().fneg(x)),
            O::F32x4Sqrt => self.vector_float_unary(F32X4, |b, x| b.ins().sqrt(x)),
            O::F32x4Add => self.vector_float_binary(F32X4, |b, x, y| b.ins().fadd(x, y)),
            O::F32x4Sub => self.vector_float_binary(F32X4, |b, x, y| b.ins().fsub(x, y)),
            O::F32x4Mul => self.vector_float_binary(F32X4, |b, x, y| b.ins().fmul(x, y)),
            O::F32x4Div => self.vector_float_binary(F32X4, |b, x, y| b.ins().fdiv(x, y)),
            O::F32x4Min | O::F32x4RelaxedMin => {
                self.vector_binary(F32X4, |b, x, y| b.ins().fmin(x, y))
            }
            O::F32x4Max | O::F32x4RelaxedMax => {
                self.vector_binary(F32X4, |b, x, y| b.ins().fmax(x, y))
            }
            O::F32x4PMin => self.pseudo_min_max(F32X4, false),
            O::F32x4PMax => self.pseudo_min_max(F32X4, true),
            O::F32x4RelaxedMadd => self.multiply_add(F32X4, false),
            O::F32x4RelaxedNmadd => self.multiply_add(F32X4, true),
            O::F64x2Ceil => self.vector_float_unary(F64X2, |b, x| b.ins().ceil(x)),
            O::F64x2Floor => self.vector_float_unary(F64X2, |b, x| b.ins().floor(x)),
            O::F64x2Trunc => self.vector_float_unary(F64X2, |b, x| b.ins().trunc(x)),
            O::F64x2Nearest => self.vector_float_unary(F64X2, |b, x| b.ins().nearest(x)),
            O::F64x2Abs => self.vector_unary(F64X2, |b, x| b.ins().fabs(x)),
            O::F64x2Neg => self.vector_unary(F64X2, |b, x| b.ins().fneg(x)),
            O::F64x2Sqrt => self.vector_float_unary(F64X2, |b, x| b.ins().sqrt(x)),
            O::F64x2Add => self.vector_float_binary(F64X2, |b, x, y| b.ins().fadd(x, y)),
            O::F64x2Sub => self.vector_float_binary(F64X2, |b, x, y| b.ins().fsub(x, y)),
            O::F64x2Mul => self.vector_float_binary(F64X2, |b, x, y| b.ins().fmul(x, y)),
            O::F64x2Div => self.vector_float_binary(F64X2, |b, x, y| b.ins().fdiv(x, y)),
            O::F64x2Min | O::F64x2RelaxedMin => {
                self.vector_binary(F64X2, |b, x, y| b.ins().fmin(x, y))
            }
            O::F64x2Max | O::F64x2RelaxedMax => {
                self.vector_binary(F64X2, |b, x, y| b.ins().fmax(x, y))
            }
            O::F64x2PMin => self.pseudo_min_max(F64X2, false),
            O::F64x2PMax => self.pseudo_min_max(F64X2, true),
            O::F64x2RelaxedMadd => self.multiply_add(F64X2, false),
            O::F64x2RelaxedNmadd => self.multiply_add(F64X2, true),
            O::I32x4TruncSatF32x4S | O::I32x4RelaxedTruncF32x4S => {
                self.vector_unary(F32X4, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x))
            }
            O::I32x4TruncSatF32x4U | O::I32x4RelaxedTruncF32x4U => {
                self.vector_unary(F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))
            }
            O::F32x4ConvertI32x4S => {
                self.vector_unary(I32X4, |b, x| b.ins().fcvt_from_sint(F32X4, x))
            }
            O::F32x4ConvertI32x4U => {
                self.vector_unary(I32X4, |b, x| b.ins().fcvt_from_uint(F32X4, x))
            }
            O::I32x4TruncSatF64x2SZero | O::I32x4RelaxedTruncF64x2SZero => {
                self.trunc_sat_f64x2_zero(true)
            }
            O::I32x4TruncSatF64x2UZero | O::I32x4RelaxedTruncF64x2UZero => {
                self.trunc_sat_f64x2_zero(false)
            }
            O::F64x2ConvertLowI32x4S => self.convert_low_i32x4(true),
            O::F64x2ConvertLowI32x4U => self.convert_low_i32x4(false),
            O::F32x4DemoteF64x2Zero => self.vector_float_unary(F64X2, |b, x| b.ins().fvdemote(x)),
            O::F64x2PromoteLowF32x4 => {
                self.vector_float_unary(F32X4, |b, x| b.ins().fvpromote_low(x))
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

//! The operator dispatch: one `match` whose arms each call into one operator family.

use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I8, I16, I32, I64};
use environ::wasmparser::Operator;
use environ::{
    CompileError, DataIndex, ElemIndex, FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TagIndex,
    TypeIndex,
};

use super::FuncTranslator;
use super::call::CallKind;
use super::memory::Extension;
use super::numeric::Rounding;

impl FuncTranslator<'_, '_> {
    /// Translates one validated operator.
    pub(crate) fn translate_operator(
        &mut self,
        op: &Operator<'_>,
        offset: usize,
    ) -> Result<(), CompileError> {
        if !self.reachable {
            self.skip_unreachable(op);
            return Ok(());
        }
        self.pending_fuel += fuel_cost(op);
        use Operator as O;
        match op {
            // Control.
            O::Unreachable => self.op_unreachable(),
            O::Nop => {}
            O::Block { blockty } => self.op_block(*blockty, offset)?,
            O::Loop { blockty } => self.op_loop(*blockty, offset)?,
            O::If { blockty } => self.op_if(*blockty, offset)?,
            O::Else => self.op_else(),
            O::End => self.op_end(),
            O::Br { relative_depth } => self.op_br(*relative_depth),
            O::BrIf { relative_depth } => self.op_br_if(*relative_depth),
            O::BrTable { targets } => self.op_br_table(targets)?,
            O::Return => self.op_return(),
            O::Drop => self.op_drop(),
            O::Select | O::TypedSelect { .. } => self.op_select(),
            // Exceptions.
            O::TryTable { try_table } => self.op_try_table(try_table, offset)?,
            O::Throw { tag_index } => self.op_throw(TagIndex::from_u32(*tag_index)),
            O::ThrowRef => self.op_throw_ref(),
            O::Try { blockty } => self.op_try(*blockty, offset)?,
            O::Catch { tag_index } => self.op_catch(Some(TagIndex::from_u32(*tag_index))),
            O::CatchAll => self.op_catch(None),
            O::Delegate { relative_depth } => self.op_delegate(*relative_depth),
            O::Rethrow { relative_depth } => self.op_rethrow(*relative_depth),
            // Calls.
            O::Call { function_index } => {
                self.op_call(FuncIndex::from_u32(*function_index), CallKind::Normal)
            }
            O::CallIndirect {
                type_index,
                table_index,
            } => self.op_call_indirect(
                TypeIndex::from_u32(*type_index),
                TableIndex::from_u32(*table_index),
                CallKind::Normal,
            ),
            O::ReturnCall { function_index } => {
                self.op_call(FuncIndex::from_u32(*function_index), CallKind::Tail)
            }
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.op_call_indirect(
                TypeIndex::from_u32(*type_index),
                TableIndex::from_u32(*table_index),
                CallKind::Tail,
            ),
            // Variables.
            O::LocalGet { local_index } => self.op_local_get(*local_index),
            O::LocalSet { local_index } => self.op_local_set(*local_index),
            O::LocalTee { local_index } => self.op_local_tee(*local_index),
            O::GlobalGet { global_index } => {
                self.op_global_get(GlobalIndex::from_u32(*global_index))
            }
            O::GlobalSet { global_index } => {
                self.op_global_set(GlobalIndex::from_u32(*global_index))
            }
            // Memory.
            O::I32Load { memarg } => self.op_load(memarg, I32, 4, Extension::Zero, offset)?,
            O::I64Load { memarg } => self.op_load(memarg, I64, 8, Extension::Zero, offset)?,
            O::F32Load { memarg } => self.op_load(memarg, F32, 4, Extension::Zero, offset)?,
            O::F64Load { memarg } => self.op_load(memarg, F64, 8, Extension::Zero, offset)?,
            O::I32Load8S { memarg } => self.op_load(memarg, I32, 1, Extension::Sign, offset)?,
            O::I32Load8U { memarg } => self.op_load(memarg, I32, 1, Extension::Zero, offset)?,
            O::I32Load16S { memarg } => self.op_load(memarg, I32, 2, Extension::Sign, offset)?,
            O::I32Load16U { memarg } => self.op_load(memarg, I32, 2, Extension::Zero, offset)?,
            O::I64Load8S { memarg } => self.op_load(memarg, I64, 1, Extension::Sign, offset)?,
            O::I64Load8U { memarg } => self.op_load(memarg, I64, 1, Extension::Zero, offset)?,
            O::I64Load16S { memarg } => self.op_load(memarg, I64, 2, Extension::Sign, offset)?,
            O::I64Load16U { memarg } => self.op_load(memarg, I64, 2, Extension::Zero, offset)?,
            O::I64Load32S { memarg } => self.op_load(memarg, I64, 4, Extension::Sign, offset)?,
            O::I64Load32U { memarg } => self.op_load(memarg, I64, 4, Extension::Zero, offset)?,
            O::I32Store { memarg } | O::F32Store { memarg } => self.op_store(memarg, 4, offset)?,
            O::I64Store { memarg } | O::F64Store { memarg } => self.op_store(memarg, 8, offset)?,
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => {
                self.op_store(memarg, 1, offset)?
            }
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.op_store(memarg, 2, offset)?
            }
            O::I64Store32 { memarg } => self.op_store(memarg, 4, offset)?,
            O::MemorySize { mem } => self.op_memory_size(MemoryIndex::from_u32(*mem)),
            O::MemoryGrow { mem } => self.op_memory_grow(MemoryIndex::from_u32(*mem)),
            O::MemoryCopy { dst_mem, src_mem } => self.op_memory_copy(
                MemoryIndex::from_u32(*dst_mem),
                MemoryIndex::from_u32(*src_mem),
            ),
            O::MemoryFill { mem } => self.op_memory_fill(MemoryIndex::from_u32(*mem)),
            O::MemoryInit { data_index, mem } => self.op_memory_init(
                DataIndex::from_u32(*data_index),
                MemoryIndex::from_u32(*mem),
            ),
            O::DataDrop { data_index } => self.op_data_drop(DataIndex::from_u32(*data_index)),
            // Tables and references.
            O::TableGet { table } => self.op_table_get(TableIndex::from_u32(*table)),
            O::TableSet { table } => self.op_table_set(TableIndex::from_u32(*table)),
            O::TableSize { table } => self.op_table_size(TableIndex::from_u32(*table)),
            O::TableGrow { table } => self.op_table_grow(TableIndex::from_u32(*table)),
            O::TableFill { table } => self.op_table_fill(TableIndex::from_u32(*table)),
            O::TableCopy {
                dst_table,
                src_table,
            } => self.op_table_copy(
                TableIndex::from_u32(*dst_table),
                TableIndex::from_u32(*src_table),
            ),
            O::TableInit { elem_index, table } => self.op_table_init(
                ElemIndex::from_u32(*elem_index),
                TableIndex::from_u32(*table),
            ),
            O::ElemDrop { elem_index } => self.op_elem_drop(ElemIndex::from_u32(*elem_index)),
            O::RefNull { .. } => self.op_ref_null(),
            O::RefIsNull => self.op_ref_is_null(),
            O::RefAsNonNull => self.op_ref_as_non_null(),
            O::BrOnNull { relative_depth } => self.op_br_on_null(*relative_depth),
            O::BrOnNonNull { relative_depth } => self.op_br_on_non_null(*relative_depth),
            O::CallRef { type_index } => {
                self.op_call_ref(TypeIndex::from_u32(*type_index), CallKind::Normal)
            }
            O::ReturnCallRef { type_index } => {
                self.op_call_ref(TypeIndex::from_u32(*type_index), CallKind::Tail)
            }
            O::RefFunc { function_index } => {
                self.op_ref_func(FuncIndex::from_u32(*function_index))?
            }
            // Constants.
            O::I32Const { value } => self.constant(|b| b.iconst(I32, i64::from(*value))),
            O::I64Const { value } => self.constant(|b| b.iconst(I64, *value)),
            O::F32Const { value } => self.constant(|b| b.f32const(f32::from_bits(value.bits()))),
            O::F64Const { value } => self.constant(|b| b.f64const(f64::from_bits(value.bits()))),
            // Integer comparisons.
            O::I32Eqz | O::I64Eqz => self.eqz(),
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            // Float comparisons.
            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),
            // Integer arithmetic.
            O::I32Clz | O::I64Clz => self.unary(|b, x| b.clz(x)),
            O::I32Ctz | O::I64Ctz => self.unary(|b, x| b.ctz(x)),
            O::I32Popcnt | O::I64Popcnt => self.unary(|b, x| b.popcnt(x)),
            O::I32Add | O::I64Add => self.binary(|b, x, y| b.iadd(x, y)),
            O::I32Sub | O::I64Sub => self.binary(|b, x, y| b.isub(x, y)),
            O::I32Mul | O::I64Mul => self.binary(|b, x, y| b.imul(x, y)),
            O::I32DivS | O::I64DivS => self.binary(|b, x, y| b.sdiv(x, y)),
            O::I32DivU | O::I64DivU => self.binary(|b, x, y| b.udiv(x, y)),
            O::I32RemS | O::I64RemS => self.binary(|b, x, y| b.srem(x, y)),
            O::I32RemU | O::I64RemU => self.binary(|b, x, y| b.urem(x, y)),
            O::I32And | O::I64And => self.binary(|b, x, y| b.band(x, y)),
            O::I32Or | O::I64Or => self.binary(|b, x, y| b.bor(x, y)),
            O::I32Xor | O::I64Xor => self.binary(|b, x, y| b.bxor(x, y)),
            O::I32Shl | O::I64Shl => self.binary(|b, x, y| b.ishl(x, y)),
            O::I32ShrS | O::I64ShrS => self.binary(|b, x, y| b.sshr(x, y)),
            O::I32ShrU | O::I64ShrU => self.binary(|b, x, y| b.ushr(x, y)),
            O::I32Rotl | O::I64Rotl => self.binary(|b, x, y| b.rotl(x, y)),
            O::I32Rotr | O::I64Rotr => self.binary(|b, x, y| b.rotr(x, y)),
            // Float arithmetic.
            O::F32Abs | O::F64Abs => self.unary(|b, x| b.fabs(x)),
            O::F32Neg | O::F64Neg => self.unary(|b, x| b.fneg(x)),
            O::F32Sqrt | O::F64Sqrt => self.float_unary(|b, x| b.sqrt(x)),
            O::F32Ceil | O::F64Ceil => self.round(Rounding::Ceil),
            O::F32Floor | O::F64Floor => self.round(Rounding::Floor),
            O::F32Trunc | O::F64Trunc => self.round(Rounding::Trunc),
            O::F32Nearest | O::F64Nearest => self.round(Rounding::Nearest),
            O::F32Add | O::F64Add => self.float_binary(|b, x, y| b.fadd(x, y)),
            O::F32Sub | O::F64Sub => self.float_binary(|b, x, y| b.fsub(x, y)),
            O::F32Mul | O::F64Mul => self.float_binary(|b, x, y| b.fmul(x, y)),
            O::F32Div | O::F64Div => self.float_binary(|b, x, y| b.fdiv(x, y)),
            O::F32Min | O::F64Min => self.float_binary(|b, x, y| b.fmin(x, y)),
            O::F32Max | O::F64Max => self.float_binary(|b, x, y| b.fmax(x, y)),
            O::F32Copysign | O::F64Copysign => self.binary(|b, x, y| b.fcopysign(x, y)),
            // Integer conversions.
            O::I32WrapI64 => self.unary(|b, x| b.ireduce(I32, x)),
            O::I64ExtendI32S => self.unary(|b, x| b.sextend(I64, x)),
            O::I64ExtendI32U => self.unary(|b, x| b.uextend(I64, x)),
            O::I32Extend8S => self.sign_extend(I8, I32),
            O::I32Extend16S => self.sign_extend(I16, I32),
            O::I64Extend8S => self.sign_extend(I8, I64),
            O::I64Extend16S => self.sign_extend(I16, I64),
            O::I64Extend32S => self.sign_extend(I32, I64),
            // Float to integer: trapping and saturating.
            O::I32TruncF32S | O::I32TruncF64S => self.unary(|b, x| b.fcvt_to_sint(I32, x)),
            O::I32TruncF32U | O::I32TruncF64U => self.unary(|b, x| b.fcvt_to_uint(I32, x)),
            O::I64TruncF32S | O::I64TruncF64S => self.unary(|b, x| b.fcvt_to_sint(I64, x)),
            O::I64TruncF32U | O::I64TruncF64U => self.unary(|b, x| b.fcvt_to_uint(I64, x)),
            O::I32TruncSatF32S | O::I32TruncSatF64S => {
                self.unary(|b, x| b.fcvt_to_sint_sat(I32, x))
            }
            O::I32TruncSatF32U | O::I32TruncSatF64U => {
                self.unary(|b, x| b.fcvt_to_uint_sat(I32, x))
            }
            O::I64TruncSatF32S | O::I64TruncSatF64S => {
                self.unary(|b, x| b.fcvt_to_sint_sat(I64, x))
            }
            O::I64TruncSatF32U | O::I64TruncSatF64U => {
                self.unary(|b, x| b.fcvt_to_uint_sat(I64, x))
            }
            // Integer to float, and between floats.
            O::F32ConvertI32S | O::F32ConvertI64S => self.unary(|b, x| b.fcvt_from_sint(F32, x)),
            O::F32ConvertI32U | O::F32ConvertI64U => self.unary(|b, x| b.fcvt_from_uint(F32, x)),
            O::F64ConvertI32S | O::F64ConvertI64S => self.unary(|b, x| b.fcvt_from_sint(F64, x)),
            O::F64ConvertI32U | O::F64ConvertI64U => self.unary(|b, x| b.fcvt_from_uint(F64, x)),
            O::F32DemoteF64 => self.float_unary(|b, x| b.fdemote(F32, x)),
            O::F64PromoteF32 => self.float_unary(|b, x| b.fpromote(F64, x)),
            // Reinterpretations.
            O::I32ReinterpretF32 => self.reinterpret(I32),
            O::I64ReinterpretF64 => self.reinterpret(I64),
            O::F32ReinterpretI32 => self.reinterpret(F32),
            O::F64ReinterpretI64 => self.reinterpret(F64),
            _ if self.translate_simd_operator(op, offset)? => {}
            _ => return Err(unsupported(op, offset)),
        }
        Ok(())
    }

    /// In unreachable code only the nesting matters.
    fn skip_unreachable(&mut self, op: &Operator<'_>) {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => {
                self.enter_unreachable_construct();
            }
            Operator::Else => self.op_else(),
            Operator::Catch { tag_index } => self.op_catch(Some(TagIndex::from_u32(*tag_index))),
            Operator::CatchAll => self.op_catch(None),
            Operator::Delegate { relative_depth } => self.op_delegate(*relative_depth),
            Operator::End => self.op_end(),
            _ => {}
        }
    }
}

/// The fuel an operator costs: one, except for those that generate no code.
fn fuel_cost(op: &Operator<'_>) -> i64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::TryTable { .. }
        | Operator::Try { .. }
        | Operator::Catch { .. }
        | Operator::CatchAll
        | Operator::Delegate { .. }
        | Operator::End
        | Operator::Else => 0,
        _ => 1,
    }
}

/// Operators of proposals beyond scalar Wasm 2.0 (SIMD, threads, tail calls, GC, ...).
fn unsupported(op: &Operator<'_>, offset: usize) -> CompileError {
    let feature = if is_simd(op) {
        "SIMD"
    } else {
        "operators beyond WebAssembly 2.0"
    };
    CompileError::Unsupported { feature, offset }
}

/// Defines `is_simd` from wasmparser's own list of SIMD operators, so it never drifts.
macro_rules! define_is_simd {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        /// Whether an operator belongs to the SIMD proposals.
        pub(crate) fn is_simd(op: &Operator<'_>) -> bool {
            matches!(op, $(Operator::$op { .. })|*)
        }
    };
}
environ::wasmparser::for_each_visit_simd_operator!(define_is_simd);

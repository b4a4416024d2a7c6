//! Loads and stores of every width, with the bounds-check strategy `Tunables` decides
//! (`access_needs_no_bounds_check`: nothing where the reservation plus guard catches every
//! overflow, an explicit compare-and-trap otherwise), and the memory instructions that go
//! through builtins: `memory.size/grow/copy/fill/init`, `data.drop`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, Endianness, InstBuilder, MemFlagsData, Type, Value, types};
use environ::wasmparser::{MemArg, MemArgTarget};
use environ::{BuiltinFunction, CompileError, DataIndex, GROW_TRAPPED, MemoryIndex};

use super::FuncTranslator;

/// The 64-bit memory accesses checked so far in one block: `(memory, index, end)` with
/// the block they belong to. Only the current block's entries count; a few suffice.
#[derive(Default)]
pub(crate) struct CheckedAccesses {
    block: Option<ir::Block>,
    entries: Vec<(MemoryIndex, Value, u64)>,
}

impl CheckedAccesses {
    /// How many checks of one block are remembered.
    const CAPACITY: usize = 16;

    /// Whether an access in `block` to `memory` at `index`, reaching `end` bytes past it,
    /// follows a checked access there that reached at least as far.
    fn covers(&self, block: ir::Block, memory: MemoryIndex, index: Value, end: u64) -> bool {
        self.block == Some(block)
            && self
                .entries
                .iter()
                .any(|&(m, i, e)| m == memory && i == index && e >= end)
    }

    /// Records a checked access in `block`, forgetting other blocks' checks.
    fn record(&mut self, block: ir::Block, memory: MemoryIndex, index: Value, end: u64) {
        if self.block != Some(block) {
            self.block = Some(block);
            self.entries.clear();
        }
        if self.entries.len() == Self::CAPACITY {
            self.entries.remove(0);
        }
        self.entries.push((memory, index, end));
    }
}

/// Flags of a wasm load or store: little-endian, possibly unaligned, and a recorded trap
/// site, since a guard-page fault is how out-of-bounds accesses trap.
pub(crate) fn heap_flags() -> MemFlagsData {
    MemFlagsData::new()
        .with_endianness(Endianness::Little)
        .with_trap_code(Some(ir::TrapCode::HEAP_OUT_OF_BOUNDS))
}

/// How a load narrower than its type fills the upper bits.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum Extension {
    /// With copies of the loaded value's sign bit (`load8_s` and friends).
    Sign,
    /// With zeros (`load8_u` and friends, and full-width loads, which have no upper bits).
    Zero,
}

impl FuncTranslator<'_, '_> {
    /// Pops the index and returns the address of the access with its static offset folded
    /// in, emitting an explicit bounds check when the guard region does not cover it.
    pub(crate) fn heap_address(
        &mut self,
        memarg: &MemArg,
        width: u8,
        offset: usize,
    ) -> Result<Value, CompileError> {
        let MemArgTarget::Memory(memory) = memarg.target else {
            return Err(CompileError::Unsupported {
                feature: "GC array accesses",
                offset,
            });
        };
        let memory = MemoryIndex::from_u32(memory);
        let index = self.pop();
        let end = memarg.offset.checked_add(u64::from(width));
        if self.env.module.memories[memory].memory64 {
            return Ok(self.heap_address64(memory, index, memarg.offset, end));
        }
        let index = self.widen_to_pointer(index);
        if !self
            .env
            .tunables
            .access_needs_no_bounds_check(memarg.offset, width)
            && !self.constant_access_in_bounds(memory, index, end)
        {
            let end = end.expect("a 32-bit offset plus a width fits in u64");
            self.explicit_bounds_check(memory, index, end);
        }
        let base = self.env.memory_base(
            &mut self.builder,
            self.vmctx,
            memory,
            self.memories_invariant,
        );
        Ok(self.offset_address(base, index, memarg.offset))
    }

    /// `base + index + offset`, the address an access reads once its index is known to
    /// be in bounds (a zero offset adds nothing).
    fn offset_address(&mut self, base: Value, index: Value, offset: u64) -> Value {
        let addr = self.builder.ins().iadd(base, index);
        if offset == 0 {
            addr
        } else {
            self.builder.ins().iadd_imm_s(addr, offset as i64)
        }
    }

    /// Whether `index` is a constant and `index + end` lies within the memory's minimum
    /// size, which it can never shrink below: such an access needs no check.
    fn constant_access_in_bounds(
        &self,
        memory: MemoryIndex,
        index: Value,
        end: Option<u64>,
    ) -> bool {
        let Some(end) = end else { return false };
        let Some(constant) = self.constant_value(index) else {
            return false;
        };
        let minimum = self.env.module.memories[memory]
            .limits
            .minimum
            .saturating_mul(environ::WASM_PAGE_SIZE);
        constant
            .checked_add(end)
            .is_some_and(|last| last <= minimum)
    }

    /// The value of `v` when it is an integer constant (possibly zero-extended).
    fn constant_value(&self, v: Value) -> Option<u64> {
        let dfg = &self.builder.func.dfg;
        let inst = dfg.value_def(v).inst()?;
        match dfg.insts[inst] {
            ir::InstructionData::UnaryImm {
                opcode: ir::Opcode::Iconst,
                imm,
            } => {
                let bits = dfg.value_type(v).bits();
                let raw = imm.bits().cast_unsigned();
                Some(if bits >= 64 {
                    raw
                } else {
                    raw & ((1u64 << bits) - 1)
                })
            }
            ir::InstructionData::Unary {
                opcode: ir::Opcode::Uextend,
                arg,
            } => self.constant_value(arg),
            _ => None,
        }
    }

    /// The address of an access to a 64-bit memory: guard pages cannot cover a 64-bit
    /// index, so every access is checked (`index + offset + width <= length`) unless the
    /// index is a constant within the minimum size, or an earlier access in the same block
    /// at the same index reached at least as far (memories never shrink, and had that
    /// access been out of bounds, execution would not be here). With signal-based traps
    /// an out-of-bounds index selects the null address with a Spectre-safe conditional
    /// move and the access faults there, so even a mispredicted path never reads outside
    /// the memory; without them the check is an explicit trap.
    fn heap_address64(
        &mut self,
        memory: MemoryIndex,
        index: Value,
        static_offset: u64,
        end: Option<u64>,
    ) -> Value {
        let oob_code = ir::TrapCode::HEAP_OUT_OF_BOUNDS;
        let block = self.builder.current_block();
        let in_bounds = self.constant_access_in_bounds(memory, index, end)
            || end.is_some_and(|end| {
                block.is_some_and(|block| self.checked_accesses.covers(block, memory, index, end))
            });
        let index_value = index;
        let index = self.widen_to_pointer(index);
        let base = self.env.memory_base(
            &mut self.builder,
            self.vmctx,
            memory,
            self.memories_invariant,
        );
        let ptr = self.env.ptr;
        if in_bounds {
            return self.offset_address(base, index, static_offset);
        }
        let Some(end) = end.filter(|&end| i64::try_from(end).is_ok()) else {
            // No memory is 2^63 bytes long: the access is always out of bounds.
            // The access itself goes into a fresh block that nothing reaches.
            self.builder.ins().trap(oob_code);
            let dead = self.builder.create_block();
            self.builder.switch_to_block(dead);
            self.builder.seal_block(dead);
            return self.builder.ins().iconst(ptr, 0);
        };
        let len = self.env.memory_length(
            &mut self.builder,
            self.vmctx,
            memory,
            self.memories_invariant,
        );
        let minimum = self.env.module.memories[memory]
            .limits
            .minimum
            .saturating_mul(environ::WASM_PAGE_SIZE);
        let oob = if end <= minimum {
            // The length is at least the minimum, so `length - end` cannot wrap and
            // `index + end > length` is `index > length - end`: one compare.
            let limit = self.builder.ins().iadd_imm_s(len, -(end as i64));
            self.builder
                .ins()
                .icmp(IntCC::UnsignedGreaterThan, index, limit)
        } else {
            let end_value = self.builder.ins().iconst(ptr, end as i64);
            let last = self
                .builder
                .ins()
                .uadd_overflow_trap(index, end_value, oob_code);
            self.builder
                .ins()
                .icmp(IntCC::UnsignedGreaterThan, last, len)
        };
        if let Some(block) = block {
            self.checked_accesses
                .record(block, memory, index_value, end);
        }
        let addr = self.offset_address(base, index, static_offset);
        if !self.env.tunables.signals_based_traps {
            self.builder.ins().trapnz(oob, oob_code);
            return addr;
        }
        let null = self.builder.ins().iconst(ptr, 0);
        self.builder.ins().select_spectre_guard(oob, null, addr)
    }

    /// Traps unless `index + end <= current_length`. On 64-bit hosts the sum of a 32-bit
    /// index, a 32-bit offset and a width cannot overflow; on 32-bit hosts it is checked.
    fn explicit_bounds_check(&mut self, memory: MemoryIndex, index: Value, end: u64) {
        let len = self.env.memory_length(
            &mut self.builder,
            self.vmctx,
            memory,
            self.memories_invariant,
        );
        let ptr = self.env.ptr;
        let oob_code = ir::TrapCode::HEAP_OUT_OF_BOUNDS;
        let last = if ptr == types::I64 {
            self.builder.ins().iadd_imm_s(index, end as i64)
        } else {
            let end = self.builder.ins().iconst(ptr, end as i64);
            self.builder.ins().uadd_overflow_trap(index, end, oob_code)
        };
        let oob = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, last, len);
        self.builder.ins().trapnz(oob, oob_code);
    }

    /// A load of `width` bytes into `ty`, sign- or zero-extended when narrower.
    pub(crate) fn op_load(
        &mut self,
        memarg: &MemArg,
        ty: Type,
        width: u8,
        extension: Extension,
        offset: usize,
    ) -> Result<(), CompileError> {
        let addr = self.heap_address(memarg, width, offset)?;
        let flags = heap_flags();
        let ins = self.builder.ins();
        let v = match (width, extension) {
            (w, _) if u32::from(w) == ty.bytes() => ins.load(ty, flags, addr, 0),
            (1, Extension::Sign) => ins.sload8(ty, flags, addr, 0),
            (1, Extension::Zero) => ins.uload8(ty, flags, addr, 0),
            (2, Extension::Sign) => ins.sload16(ty, flags, addr, 0),
            (2, Extension::Zero) => ins.uload16(ty, flags, addr, 0),
            (_, Extension::Sign) => ins.sload32(flags, addr, 0),
            (_, Extension::Zero) => ins.uload32(flags, addr, 0),
        };
        self.push(v);
        Ok(())
    }

    /// A store of the low `width` bytes of the value.
    pub(crate) fn op_store(
        &mut self,
        memarg: &MemArg,
        width: u8,
        offset: usize,
    ) -> Result<(), CompileError> {
        let value = self.pop();
        let addr = self.heap_address(memarg, width, offset)?;
        let flags = heap_flags();
        let ty = self.builder.func.dfg.value_type(value);
        let ins = self.builder.ins();
        match width {
            w if u32::from(w) == ty.bytes() => ins.store(flags, value, addr, 0),
            1 => ins.istore8(flags, value, addr, 0),
            2 => ins.istore16(flags, value, addr, 0),
            _ => ins.istore32(flags, value, addr, 0),
        };
        Ok(())
    }

    /// `memory.size`: the length in bytes over the page size.
    pub(crate) fn op_memory_size(&mut self, mem: MemoryIndex) {
        let len =
            self.env
                .memory_length(&mut self.builder, self.vmctx, mem, self.memories_invariant);
        let pages = self.builder.ins().ushr_imm_u(len, 16);
        let v = self.index_result(pages, self.memory64(mem));
        self.push(v);
    }

    /// `memory.grow`.
    pub(crate) fn op_memory_grow(&mut self, mem: MemoryIndex) {
        let delta = self.pop();
        let mem_arg = self.index_const(mem.as_u32());
        let delta = self.widen_to_i64(delta);
        let old = self
            .call_builtin(BuiltinFunction::MemoryGrow, &[mem_arg, delta])
            .expect("memory.grow returns a size");
        let trapped = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::Equal, old, GROW_TRAPPED);
        self.raise_if(trapped);
        let v = self.index_result(old, self.memory64(mem));
        self.push(v);
    }

    /// Whether the memory has 64-bit addresses.
    fn memory64(&self, mem: MemoryIndex) -> bool {
        self.env.module.memories[mem].memory64
    }

    /// `memory.copy`.
    pub(crate) fn op_memory_copy(&mut self, dst_mem: MemoryIndex, src_mem: MemoryIndex) {
        let len = self.pop();
        let src = self.pop();
        let dst = self.pop();
        let dst_arg = self.index_const(dst_mem.as_u32());
        let src_arg = self.index_const(src_mem.as_u32());
        let (dst, src, len) = (
            self.widen_to_i64(dst),
            self.widen_to_i64(src),
            self.widen_to_i64(len),
        );
        self.call_fallible(
            BuiltinFunction::MemoryCopy,
            &[dst_arg, dst, src_arg, src, len],
        );
    }

    /// `memory.fill`.
    pub(crate) fn op_memory_fill(&mut self, mem: MemoryIndex) {
        let len = self.pop();
        let byte = self.pop();
        let dst = self.pop();
        let mem_arg = self.index_const(mem.as_u32());
        let (dst, len) = (self.widen_to_i64(dst), self.widen_to_i64(len));
        self.call_fallible(BuiltinFunction::MemoryFill, &[mem_arg, dst, byte, len]);
    }

    /// `memory.init`.
    pub(crate) fn op_memory_init(&mut self, data: DataIndex, mem: MemoryIndex) {
        let len = self.pop();
        let src = self.pop();
        let dst = self.pop();
        let mem_arg = self.index_const(mem.as_u32());
        let data_arg = self.index_const(data.as_u32());
        let dst = self.widen_to_i64(dst);
        self.call_fallible(
            BuiltinFunction::MemoryInit,
            &[mem_arg, data_arg, dst, src, len],
        );
    }

    /// `data.drop`.
    pub(crate) fn op_data_drop(&mut self, data: DataIndex) {
        let data_arg = self.index_const(data.as_u32());
        self.call_builtin(BuiltinFunction::DataDrop, &[data_arg]);
    }
}

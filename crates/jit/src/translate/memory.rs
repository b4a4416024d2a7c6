//! Loads and stores of every width, with the bounds-check strategy `Tunables` decides
//! (`access_needs_no_bounds_check`: nothing where the reservation plus guard catches every
//! overflow, an explicit compare-and-trap otherwise), and the memory instructions that go
//! through builtins: `memory.size/grow/copy/fill/init`, `data.drop`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, Endianness, InstBuilder, MemFlagsData, Type, Value, types};
use environ::wasmparser::{MemArg, MemArgTarget};
use environ::{BuiltinFunction, CompileError, GROW_TRAPPED, MemoryIndex};

use super::FuncTranslator;

/// Flags of a wasm load or store: little-endian, possibly unaligned, and a recorded trap
/// site, since a guard-page fault is how out-of-bounds accesses trap.
pub(crate) fn heap_flags() -> MemFlagsData {
    MemFlagsData::new()
        .with_endianness(Endianness::Little)
        .with_trap_code(Some(ir::TrapCode::HEAP_OUT_OF_BOUNDS))
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
        if self.env.module.memories[memory].memory64 {
            return Err(CompileError::Unsupported {
                feature: "64-bit memories",
                offset,
            });
        }
        let index = self.pop();
        let index = self.widen_to_pointer(index);
        if !self
            .env
            .tunables
            .access_needs_no_bounds_check(memarg.offset, width)
        {
            self.explicit_bounds_check(memory, index, memarg.offset + u64::from(width));
        }
        let base = self.env.memory_base(&mut self.builder, self.vmctx, memory);
        let addr = self.builder.ins().iadd(base, index);
        Ok(if memarg.offset == 0 {
            addr
        } else {
            self.builder.ins().iadd_imm_s(addr, memarg.offset as i64)
        })
    }

    /// Traps unless `index + end <= current_length`. On 64-bit hosts the sum of a 32-bit
    /// index, a 32-bit offset and a width cannot overflow; on 32-bit hosts it is checked.
    fn explicit_bounds_check(&mut self, memory: MemoryIndex, index: Value, end: u64) {
        let len = self
            .env
            .memory_length(&mut self.builder, self.vmctx, memory);
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
        signed: bool,
        offset: usize,
    ) -> Result<(), CompileError> {
        let addr = self.heap_address(memarg, width, offset)?;
        let flags = heap_flags();
        let ins = self.builder.ins();
        let v = match (width, signed) {
            (w, _) if u32::from(w) == ty.bytes() => ins.load(ty, flags, addr, 0),
            (1, true) => ins.sload8(ty, flags, addr, 0),
            (1, false) => ins.uload8(ty, flags, addr, 0),
            (2, true) => ins.sload16(ty, flags, addr, 0),
            (2, false) => ins.uload16(ty, flags, addr, 0),
            (_, true) => ins.sload32(flags, addr, 0),
            (_, false) => ins.uload32(flags, addr, 0),
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
    pub(crate) fn op_memory_size(&mut self, mem: u32) {
        let len = self
            .env
            .memory_length(&mut self.builder, self.vmctx, MemoryIndex::from_u32(mem));
        let pages = self.builder.ins().ushr_imm_u(len, 16);
        let v = self.narrow_to_i32(pages);
        self.push(v);
    }

    /// `memory.grow`.
    pub(crate) fn op_memory_grow(&mut self, mem: u32) {
        let delta = self.pop();
        let mem_arg = self.index_const(mem);
        let delta = self.widen_to_i64(delta);
        let old = self
            .call_builtin(BuiltinFunction::MemoryGrow, &[mem_arg, delta])
            .expect("memory.grow returns a size");
        let trapped = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::Equal, old, GROW_TRAPPED);
        self.raise_if(trapped);
        let v = self.narrow_to_i32(old);
        self.push(v);
    }

    /// `memory.copy`.
    pub(crate) fn op_memory_copy(&mut self, dst_mem: u32, src_mem: u32) {
        let len = self.pop();
        let src = self.pop();
        let dst = self.pop();
        let dst_arg = self.index_const(dst_mem);
        let src_arg = self.index_const(src_mem);
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
    pub(crate) fn op_memory_fill(&mut self, mem: u32) {
        let len = self.pop();
        let byte = self.pop();
        let dst = self.pop();
        let mem_arg = self.index_const(mem);
        let (dst, len) = (self.widen_to_i64(dst), self.widen_to_i64(len));
        self.call_fallible(BuiltinFunction::MemoryFill, &[mem_arg, dst, byte, len]);
    }

    /// `memory.init`.
    pub(crate) fn op_memory_init(&mut self, data: u32, mem: u32) {
        let len = self.pop();
        let src = self.pop();
        let dst = self.pop();
        let mem_arg = self.index_const(mem);
        let data_arg = self.index_const(data);
        let dst = self.widen_to_i64(dst);
        self.call_fallible(
            BuiltinFunction::MemoryInit,
            &[mem_arg, data_arg, dst, src, len],
        );
    }

    /// `data.drop`.
    pub(crate) fn op_data_drop(&mut self, data: u32) {
        let data_arg = self.index_const(data);
        self.call_builtin(BuiltinFunction::DataDrop, &[data_arg]);
    }
}

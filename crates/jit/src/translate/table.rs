//! Tables and references: `table.get/set/size/grow/fill/copy/init`, `elem.drop`,
//! `ref.null`, `ref.is_null`, `ref.func`, and the funcref loads `call_indirect` shares.
//!
//! A funcref slot holds `0` until lazy initialisation reaches it, and otherwise a
//! `*const VMFuncRef` tagged with `FUNCREF_INIT_BIT`; externref slots hold raw values.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, Value, types};
use environ::{
    BuiltinFunction, CompileError, ElemIndex, FUNCREF_INIT_BIT, FuncIndex, GROW_TRAPPED, RefType,
    TableIndex, TrapCode,
};

use super::{FuncTranslator, user_trap};
use crate::func_env::trusted;

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

    /// A table index as the `i32` builtins take.
    pub(crate) fn index_const(&mut self, index: u32) -> Value {
        self.builder.ins().iconst(types::I32, i64::from(index))
    }

    /// The address of slot `index` of `table`, trapping with `trap` when out of bounds.
    fn table_slot(&mut self, table: TableIndex, index: Value, trap: TrapCode) -> Value {
        let o = &self.env.offsets;
        let (base_field, len_field) = (
            o.vmtable_definition_base(),
            o.vmtable_definition_current_elements(),
        );
        let (def, offset) = self
            .env
            .table_definition(&mut self.builder, self.vmctx, table);
        let len = self
            .env
            .load_ptr(&mut self.builder, def, offset + len_field);
        let index = self.widen_to_pointer(index);
        let oob = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.builder.ins().trapnz(oob, user_trap(trap));
        let base = self
            .env
            .load_ptr(&mut self.builder, def, offset + base_field);
        let scaled = self
            .builder
            .ins()
            .imul_imm_s(index, i64::from(self.env.ptr.bytes()));
        self.builder.ins().iadd(base, scaled)
    }

    /// Loads the `*const VMFuncRef` (possibly null) in slot `index` of a funcref table,
    /// filling the slot first when lazy initialisation has not reached it.
    pub(crate) fn load_func_ref(
        &mut self,
        table: TableIndex,
        index: Value,
        trap: TrapCode,
    ) -> Value {
        let slot_addr = self.table_slot(table, index, trap);
        let slot = self
            .builder
            .ins()
            .load(self.env.ptr, trusted(), slot_addr, 0);
        let untag = !(FUNCREF_INIT_BIT as i64);
        if !self.env.tunables.table_lazy_init {
            return self.builder.ins().band_imm_s(slot, untag);
        }
        let lazy = self.builder.create_block();
        let ready = self.builder.create_block();
        let done = self.builder.create_block();
        let result = self.builder.append_block_param(done, self.env.ptr);
        self.builder.set_cold_block(lazy);
        let uninit = self.builder.ins().icmp_imm_s(IntCC::Equal, slot, 0);
        self.builder.ins().brif(uninit, lazy, &[], ready, &[]);
        self.builder.seal_block(lazy);
        self.builder.seal_block(ready);
        self.builder.switch_to_block(lazy);
        let table_arg = self.index_const(table.as_u32());
        let index_arg = self.widen_to_i64(index);
        let filled = self
            .call_builtin(
                BuiltinFunction::TableGetLazyInitFuncRef,
                &[table_arg, index_arg],
            )
            .expect("lazy init returns a funcref");
        self.builder
            .ins()
            .jump(done, &super::stack::block_args(&[filled]));
        self.builder.switch_to_block(ready);
        let untagged = self.builder.ins().band_imm_s(slot, untag);
        self.builder
            .ins()
            .jump(done, &super::stack::block_args(&[untagged]));
        self.builder.seal_block(done);
        self.builder.switch_to_block(done);
        result
    }

    fn table_element(&self, table: u32) -> RefType {
        self.env.module.tables[TableIndex::from_u32(table)].element
    }

    /// Whether the table has 64-bit indices.
    fn table64(&self, table: u32) -> bool {
        self.env.module.tables[TableIndex::from_u32(table)].table64
    }

    /// `table.get`.
    pub(crate) fn op_table_get(&mut self, table: u32) {
        let index = self.pop();
        let v = match self.table_element(table) {
            RefType::Func => self.load_func_ref(
                TableIndex::from_u32(table),
                index,
                TrapCode::TableOutOfBounds,
            ),
            RefType::Extern => {
                let addr = self.table_slot(
                    TableIndex::from_u32(table),
                    index,
                    TrapCode::TableOutOfBounds,
                );
                self.builder.ins().load(self.env.ptr, trusted(), addr, 0)
            }
        };
        self.push(v);
    }

    /// `table.set`: funcrefs are stored tagged, so an explicit null is an initialised slot.
    pub(crate) fn op_table_set(&mut self, table: u32) {
        let value = self.pop();
        let index = self.pop();
        let addr = self.table_slot(
            TableIndex::from_u32(table),
            index,
            TrapCode::TableOutOfBounds,
        );
        let stored = match self.table_element(table) {
            RefType::Func => self.builder.ins().bor_imm_s(value, FUNCREF_INIT_BIT as i64),
            RefType::Extern => value,
        };
        self.builder.ins().store(trusted(), stored, addr, 0);
    }

    /// `table.size`.
    pub(crate) fn op_table_size(&mut self, table: u32) {
        let field = self.env.offsets.vmtable_definition_current_elements();
        let (def, offset) =
            self.env
                .table_definition(&mut self.builder, self.vmctx, TableIndex::from_u32(table));
        let len = self.env.load_ptr(&mut self.builder, def, offset + field);
        let v = self.index_result(len, self.table64(table));
        self.push(v);
    }

    /// A pointer-sized or `i64` value as a wasm `i32`.
    pub(crate) fn narrow_to_i32(&mut self, value: Value) -> Value {
        if self.builder.func.dfg.value_type(value) == types::I32 {
            value
        } else {
            self.builder.ins().ireduce(types::I32, value)
        }
    }

    /// `table.grow`: `-1` on failure comes back from the builtin as `GROW_FAILED`.
    pub(crate) fn op_table_grow(&mut self, table: u32) {
        let delta = self.pop();
        let init = self.pop();
        let table_arg = self.index_const(table);
        let delta = self.widen_to_i64(delta);
        let old = self
            .call_builtin(BuiltinFunction::TableGrow, &[table_arg, delta, init])
            .expect("table.grow returns a size");
        let trapped = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::Equal, old, GROW_TRAPPED);
        self.raise_if(trapped);
        let v = self.index_result(old, self.table64(table));
        self.push(v);
    }

    /// `table.fill`.
    pub(crate) fn op_table_fill(&mut self, table: u32) {
        let len = self.pop();
        let value = self.pop();
        let dst = self.pop();
        let table_arg = self.index_const(table);
        let (dst, len) = (self.widen_to_i64(dst), self.widen_to_i64(len));
        self.call_fallible(BuiltinFunction::TableFill, &[table_arg, dst, value, len]);
    }

    /// `table.copy`.
    pub(crate) fn op_table_copy(&mut self, dst_table: u32, src_table: u32) {
        let len = self.pop();
        let src = self.pop();
        let dst = self.pop();
        let dst_arg = self.index_const(dst_table);
        let src_arg = self.index_const(src_table);
        let (dst, src, len) = (
            self.widen_to_i64(dst),
            self.widen_to_i64(src),
            self.widen_to_i64(len),
        );
        self.call_fallible(
            BuiltinFunction::TableCopy,
            &[dst_arg, src_arg, dst, src, len],
        );
    }

    /// `table.init`.
    pub(crate) fn op_table_init(&mut self, elem: u32, table: u32) {
        let len = self.pop();
        let src = self.pop();
        let dst = self.pop();
        let table_arg = self.index_const(table);
        let elem_arg = self.index_const(ElemIndex::from_u32(elem).as_u32());
        let dst = self.widen_to_i64(dst);
        self.call_fallible(
            BuiltinFunction::TableInit,
            &[table_arg, elem_arg, dst, src, len],
        );
    }

    /// `elem.drop`.
    pub(crate) fn op_elem_drop(&mut self, elem: u32) {
        let elem_arg = self.index_const(elem);
        self.call_builtin(BuiltinFunction::ElemDrop, &[elem_arg]);
    }

    /// Calls a builtin that returns `ok` and raises when it failed.
    pub(crate) fn call_fallible(&mut self, builtin: BuiltinFunction, args: &[Value]) {
        let ok = self
            .call_builtin(builtin, args)
            .expect("fallible builtins return ok");
        self.raise_unless_ok(ok);
    }

    /// `ref.null`: both reference types are null at `0`.
    pub(crate) fn op_ref_null(&mut self) {
        let v = self.builder.ins().iconst(self.env.ptr, 0);
        self.push(v);
    }

    /// `ref.is_null`.
    pub(crate) fn op_ref_is_null(&mut self) {
        let r = self.pop();
        let flag = self.builder.ins().icmp_imm_s(IntCC::Equal, r, 0);
        let v = self.builder.ins().uextend(types::I32, flag);
        self.push(v);
    }

    /// `ref.func`: the function's `VMFuncRef` inside this instance's `VMContext`.
    ///
    /// # Errors
    ///
    /// [`CompileError::Codegen`] if the function has no `VMFuncRef`, which validation and
    /// `Module::assign_func_refs` together rule out.
    pub(crate) fn op_ref_func(&mut self, index: u32) -> Result<(), CompileError> {
        let func = FuncIndex::from_u32(index);
        let Some(slot) = self.env.module.functions[func].func_ref else {
            return Err(
                self.codegen_error(format!("ref.func of function {index} without a VMFuncRef"))
            );
        };
        let offset = self.env.offsets.vmctx_func_ref(slot);
        let v = self.builder.ins().iadd_imm_s(self.vmctx, i64::from(offset));
        self.push(v);
        Ok(())
    }
}

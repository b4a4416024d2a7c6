//! Tables and references: `table.get/set/size/grow/fill/copy/init`, `elem.drop`,
//! `ref.null`, `ref.is_null`, `ref.func`, and the funcref loads `call_indirect` shares.
//!
//! A funcref slot holds `0` until lazy initialisation reaches it, and otherwise a
//! `*const VMFuncRef` tagged with `FUNCREF_INIT_BIT`; externref slots hold raw values.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};
use environ::{
    BuiltinFunction, CompileError, ElemIndex, FUNCREF_INIT_BIT, FuncIndex, GROW_TRAPPED, RefFamily,
    RefType, TableIndex, TrapCode,
};

use super::{FuncTranslator, user_trap};
use crate::func_env::trusted;

impl FuncTranslator<'_, '_> {
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

    fn table_element(&self, table: TableIndex) -> RefType {
        self.env.module.tables[table].element
    }

    /// Whether the table has 64-bit indices.
    fn table64(&self, table: TableIndex) -> bool {
        self.env.module.tables[table].table64
    }

    /// `table.get`.
    pub(crate) fn op_table_get(&mut self, table: TableIndex) {
        let index = self.pop();
        let v = match self.table_element(table).family() {
            RefFamily::Func => self.load_func_ref(table, index, TrapCode::TableOutOfBounds),
            RefFamily::Extern | RefFamily::Exn => {
                let addr = self.table_slot(table, index, TrapCode::TableOutOfBounds);
                self.builder.ins().load(self.env.ptr, trusted(), addr, 0)
            }
        };
        self.push(v);
    }

    /// `table.set`: funcrefs are stored tagged, so an explicit null is an initialised slot.
    pub(crate) fn op_table_set(&mut self, table: TableIndex) {
        let value = self.pop();
        let index = self.pop();
        let addr = self.table_slot(table, index, TrapCode::TableOutOfBounds);
        let stored = match self.table_element(table).family() {
            RefFamily::Func => self.builder.ins().bor_imm_s(value, FUNCREF_INIT_BIT as i64),
            RefFamily::Extern | RefFamily::Exn => value,
        };
        self.builder.ins().store(trusted(), stored, addr, 0);
    }

    /// `table.size`.
    pub(crate) fn op_table_size(&mut self, table: TableIndex) {
        let field = self.env.offsets.vmtable_definition_current_elements();
        let (def, offset) = self
            .env
            .table_definition(&mut self.builder, self.vmctx, table);
        let len = self.env.load_ptr(&mut self.builder, def, offset + field);
        let v = self.index_result(len, self.table64(table));
        self.push(v);
    }

    /// `table.grow`: `-1` on failure comes back from the builtin as `GROW_FAILED`.
    pub(crate) fn op_table_grow(&mut self, table: TableIndex) {
        let delta = self.pop();
        let init = self.pop();
        let table_arg = self.index_const(table.as_u32());
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
    pub(crate) fn op_table_fill(&mut self, table: TableIndex) {
        let len = self.pop();
        let value = self.pop();
        let dst = self.pop();
        let table_arg = self.index_const(table.as_u32());
        let (dst, len) = (self.widen_to_i64(dst), self.widen_to_i64(len));
        self.call_fallible(BuiltinFunction::TableFill, &[table_arg, dst, value, len]);
    }

    /// `table.copy`.
    pub(crate) fn op_table_copy(&mut self, dst_table: TableIndex, src_table: TableIndex) {
        let len = self.pop();
        let src = self.pop();
        let dst = self.pop();
        let dst_arg = self.index_const(dst_table.as_u32());
        let src_arg = self.index_const(src_table.as_u32());
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
    pub(crate) fn op_table_init(&mut self, elem: ElemIndex, table: TableIndex) {
        let len = self.pop();
        let src = self.pop();
        let dst = self.pop();
        let table_arg = self.index_const(table.as_u32());
        let elem_arg = self.index_const(elem.as_u32());
        let dst = self.widen_to_i64(dst);
        self.call_fallible(
            BuiltinFunction::TableInit,
            &[table_arg, elem_arg, dst, src, len],
        );
    }

    /// `elem.drop`.
    pub(crate) fn op_elem_drop(&mut self, elem: ElemIndex) {
        let elem_arg = self.index_const(elem.as_u32());
        self.call_builtin(BuiltinFunction::ElemDrop, &[elem_arg]);
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

    /// `ref.as_non_null`: traps on null, otherwise leaves the reference.
    pub(crate) fn op_ref_as_non_null(&mut self) {
        let r = *self.stack.last().expect("validated operand stack");
        self.builder
            .ins()
            .trapz(r, user_trap(TrapCode::NullReference));
    }

    /// `ref.func`: the function's `VMFuncRef` inside this instance's `VMContext`.
    ///
    /// # Errors
    ///
    /// [`CompileError::Codegen`] if the function has no `VMFuncRef`, which validation and
    /// `Module::assign_func_refs` together rule out.
    pub(crate) fn op_ref_func(&mut self, func: FuncIndex) -> Result<(), CompileError> {
        let Some(slot) = self.env.module.functions[func].func_ref else {
            return Err(
                self.codegen_error(format!("ref.func of function {func} without a VMFuncRef"))
            );
        };
        let offset = self.env.offsets.vmctx_func_ref(slot);
        let v = self.builder.ins().iadd_imm_s(self.vmctx, i64::from(offset));
        self.push(v);
        Ok(())
    }
}

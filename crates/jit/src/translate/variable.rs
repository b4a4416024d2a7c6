//! `local.get/set/tee` (frontend variables) and `global.get/set` (defined globals inline in
//! the `VMContext`, imported ones through their `VMGlobalImport` pointer).

use cranelift_codegen::ir::InstBuilder;
use environ::GlobalIndex;

use super::FuncTranslator;
use crate::func_env::{to_offset, trusted};

impl FuncTranslator<'_, '_> {
    /// `local.get`.
    pub(crate) fn op_local_get(&mut self, index: u32) {
        let v = self.builder.use_var(self.locals[index as usize]);
        self.push(v);
    }

    /// `local.set`.
    pub(crate) fn op_local_set(&mut self, index: u32) {
        let v = self.pop();
        self.builder.def_var(self.locals[index as usize], v);
    }

    /// `local.tee`.
    pub(crate) fn op_local_tee(&mut self, index: u32) {
        let v = *self.stack.last().expect("validated operand stack");
        self.builder.def_var(self.locals[index as usize], v);
    }

    /// `global.get`: values sit little-endian from byte 0 of the 16-byte slot.
    pub(crate) fn op_global_get(&mut self, global: GlobalIndex) {
        let ty = self.env.val_type(self.env.module.globals[global].content);
        let (base, offset) = self
            .env
            .global_address(&mut self.builder, self.vmctx, global);
        let v = self
            .builder
            .ins()
            .load(ty, trusted(), base, to_offset(offset));
        self.push(v);
    }

    /// `global.set`.
    pub(crate) fn op_global_set(&mut self, global: GlobalIndex) {
        let v = self.pop();
        let (base, offset) = self
            .env
            .global_address(&mut self.builder, self.vmctx, global);
        self.builder
            .ins()
            .store(trusted(), v, base, to_offset(offset));
    }
}

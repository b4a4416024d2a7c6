//! `call` (direct for defined functions, through the `VMFunctionImport` for imports) and
//! `call_indirect` (bounds check, null check, signature check against the engine-wide type
//! id, then a call through the `VMFuncRef`).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};
use environ::{FuncIndex, TableIndex, TrapCode, TypeIndex};

use super::{FuncTranslator, user_trap};
use crate::func_env::{to_offset, trusted};

impl FuncTranslator<'_, '_> {
    /// `call`.
    pub(crate) fn op_call(&mut self, index: u32) {
        self.flush_fuel();
        let func = FuncIndex::from_u32(index);
        let ty = self.env.module.func_type(func);
        let args = self.pop_n(ty.params.len());
        let results = if self.env.module.is_imported_func(func) {
            let o = &self.env.offsets;
            let import = o.vmctx_vmfunction_import(func);
            let code_field = import + o.vmfunction_import_wasm_call();
            let vmctx_field = import + o.vmfunction_import_vmctx();
            let code = self
                .env
                .load_immutable_ptr(&mut self.builder, self.vmctx, code_field);
            let callee_vmctx =
                self.env
                    .load_immutable_ptr(&mut self.builder, self.vmctx, vmctx_field);
            let sig = self.builder.import_signature(self.env.wasm_signature(ty));
            let all = self.call_args(callee_vmctx, &args);
            let call = self.builder.ins().call_indirect(sig, code, &all);
            self.builder.inst_results(call).to_vec()
        } else {
            let callee = self.wasm_func_ref(func);
            let all = self.call_args(self.vmctx, &args);
            let call = self.builder.ins().call(callee, &all);
            self.builder.inst_results(call).to_vec()
        };
        self.stack.extend(results);
    }

    /// `(callee_vmctx, caller_vmctx, args...)`.
    fn call_args(&self, callee_vmctx: Value, args: &[Value]) -> Vec<Value> {
        let mut all = Vec::with_capacity(args.len() + 2);
        all.push(callee_vmctx);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        all
    }

    /// `call_indirect`.
    pub(crate) fn op_call_indirect(&mut self, type_index: u32, table_index: u32) {
        self.flush_fuel();
        let ty_index = TypeIndex::from_u32(type_index);
        let table = TableIndex::from_u32(table_index);
        let index = self.pop();
        let ty = &self.env.module.types[ty_index];
        let args = self.pop_n(ty.params.len());
        let func_ref = self.load_func_ref(table, index, TrapCode::UndefinedElement);
        self.builder
            .ins()
            .trapz(func_ref, user_trap(TrapCode::UninitializedElement));
        self.check_signature(func_ref, ty_index);
        let o = &self.env.offsets;
        let (code_field, vmctx_field) = (o.vm_func_ref_wasm_call(), o.vm_func_ref_vmctx());
        let code = self.env.load_ptr(&mut self.builder, func_ref, code_field);
        let callee_vmctx = self.env.load_ptr(&mut self.builder, func_ref, vmctx_field);
        let sig = self.builder.import_signature(self.env.wasm_signature(ty));
        let all = self.call_args(callee_vmctx, &args);
        let call = self.builder.ins().call_indirect(sig, code, &all);
        let results = self.builder.inst_results(call).to_vec();
        self.stack.extend(results);
    }

    /// Traps with `BadSignature` unless the callee's type id is `type_ids[ty]`.
    fn check_signature(&mut self, func_ref: Value, ty: TypeIndex) {
        let o = &self.env.offsets;
        let ids = self
            .env
            .load_immutable_ptr(&mut self.builder, self.vmctx, o.vmctx_type_ids());
        let expected = self.builder.ins().load(
            types::I32,
            trusted().with_readonly().with_can_move(),
            ids,
            to_offset(ty.as_u32() * 4),
        );
        let field = to_offset(o.vm_func_ref_type_index());
        let actual = self
            .builder
            .ins()
            .load(types::I32, trusted(), func_ref, field);
        let same = self.builder.ins().icmp(IntCC::Equal, expected, actual);
        self.builder
            .ins()
            .trapz(same, user_trap(TrapCode::BadSignature));
    }
}

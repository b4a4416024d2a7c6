//! `call` (direct for defined functions, through the `VMFunctionImport` for imports) and
//! `call_indirect` (bounds check, null check, signature check against the engine-wide type
//! id, then a call through the `VMFuncRef`), and their tail-call forms `return_call` and
//! `return_call_indirect`, which Cranelift emits on the `tail` calling convention every
//! wasm function uses; and `call_ref`/`return_call_ref` through a typed function
//! reference.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, Value, types};
use environ::{FuncIndex, TableIndex, TrapCode, TypeIndex};
use smallvec::SmallVec;

use super::{FuncTranslator, user_trap};
use crate::func_env::{to_offset, trusted};

/// What a call goes to: a defined function of this module, called directly, or code and
/// a `vmctx` loaded at run time (an import or a `VMFuncRef`).
enum Callee {
    Direct(ir::FuncRef),
    Indirect {
        sig: ir::SigRef,
        code: Value,
        vmctx: Value,
    },
}

/// Whether a call returns to its caller or replaces the caller's frame (`return_call*`).
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum CallKind {
    Normal,
    Tail,
}

impl FuncTranslator<'_, '_> {
    /// `call` and `return_call`.
    pub(crate) fn op_call(&mut self, func: FuncIndex, kind: CallKind) {
        self.flush_fuel();
        let ty = self.env.module.func_type(func);
        let args = self.pop_n(ty.params.len());
        let callee = if self.env.module.is_imported_func(func) {
            let o = &self.env.offsets;
            let import = o.vmctx_vmfunction_import(func);
            let code_field = import + o.vmfunction_import_wasm_call();
            let vmctx_field = import + o.vmfunction_import_vmctx();
            let code = self
                .env
                .load_immutable_ptr(&mut self.builder, self.vmctx, code_field);
            let vmctx = self
                .env
                .load_immutable_ptr(&mut self.builder, self.vmctx, vmctx_field);
            let sig = self.builder.import_signature(self.env.wasm_signature(ty));
            Callee::Indirect { sig, code, vmctx }
        } else if self.env.calls_through_lazy_table(func) {
            self.lazy_callee(func)
        } else {
            Callee::Direct(self.wasm_func_ref(func))
        };
        self.emit_call(callee, &args, kind);
    }

    /// A defined function called from lazily compiled code: its current entry (stub or
    /// code) from the module's lazy code table, with this instance as callee.
    fn lazy_callee(&mut self, func: FuncIndex) -> Callee {
        let defined = self
            .env
            .module
            .defined_func_index(func)
            .expect("a direct call to a defined function");
        if !self.direct_callees.contains(&func) {
            self.direct_callees.push(func);
        }
        let o = &self.env.offsets;
        let slot = defined.as_u32() * o.size_of_vm_lazy_slot() + o.vm_lazy_slot_entry();
        let table_field = o.vmctx_lazy_code_table();
        let table = self
            .env
            .load_immutable_ptr(&mut self.builder, self.vmctx, table_field);
        let code = self.env.load_ptr(&mut self.builder, table, slot);
        let ty = self.env.module.func_type(func);
        let sig = self.builder.import_signature(self.env.wasm_signature(ty));
        Callee::Indirect {
            sig,
            code,
            vmctx: self.vmctx,
        }
    }

    /// `call_indirect` and `return_call_indirect`: the bounds, null and signature checks
    /// all happen before a tail call tears down this frame.
    pub(crate) fn op_call_indirect(
        &mut self,
        ty_index: TypeIndex,
        table: TableIndex,
        kind: CallKind,
    ) {
        self.flush_fuel();
        let index = self.pop();
        let ty = &self.env.module.types[ty_index];
        let args = self.pop_n(ty.params.len());
        let func_ref = self.load_func_ref(table, index, TrapCode::UndefinedElement);
        self.builder
            .ins()
            .trapz(func_ref, user_trap(TrapCode::UninitializedElement));
        self.check_signature(func_ref, ty_index);
        self.call_through_func_ref(func_ref, ty_index, &args, kind);
    }

    /// `call_ref` and `return_call_ref`: validation proved the reference's type, so the
    /// only check is for null.
    pub(crate) fn op_call_ref(&mut self, ty_index: TypeIndex, kind: CallKind) {
        self.flush_fuel();
        let func_ref = self.pop();
        let ty = &self.env.module.types[ty_index];
        let args = self.pop_n(ty.params.len());
        self.builder
            .ins()
            .trapz(func_ref, user_trap(TrapCode::NullFunctionReference));
        self.call_through_func_ref(func_ref, ty_index, &args, kind);
    }

    /// Calls the function a checked, non-null `VMFuncRef` describes.
    fn call_through_func_ref(
        &mut self,
        func_ref: Value,
        ty: TypeIndex,
        args: &[Value],
        kind: CallKind,
    ) {
        let o = &self.env.offsets;
        let (code_field, vmctx_field) = (o.vm_func_ref_wasm_call(), o.vm_func_ref_vmctx());
        let code = self.env.load_ptr(&mut self.builder, func_ref, code_field);
        let vmctx = self.env.load_ptr(&mut self.builder, func_ref, vmctx_field);
        let ty = &self.env.module.types[ty];
        let sig = self.builder.import_signature(self.env.wasm_signature(ty));
        self.emit_call(Callee::Indirect { sig, code, vmctx }, args, kind);
    }

    /// Emits the call with `(callee_vmctx, caller_vmctx, args...)`. A normal call pushes
    /// its results; a tail call ends the function, like `return`.
    fn emit_call(&mut self, callee: Callee, args: &[Value], kind: CallKind) {
        let callee_vmctx = match callee {
            Callee::Direct(_) => self.vmctx,
            Callee::Indirect { vmctx, .. } => vmctx,
        };
        let mut all: SmallVec<[Value; 8]> = SmallVec::with_capacity(args.len() + 2);
        all.push(callee_vmctx);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        if kind == CallKind::Normal
            && let Some(dispatch) = self.current_dispatch()
        {
            let (sig, target) = match callee {
                Callee::Direct(func) => (self.builder.func.dfg.ext_funcs[func].signature, Ok(func)),
                Callee::Indirect { sig, code, .. } => (sig, Err(code)),
            };
            let results = self.emit_try_call(dispatch, sig, target, &all);
            self.stack.extend(results);
            return;
        }
        let ins = self.builder.ins();
        match (callee, kind) {
            (Callee::Direct(func), CallKind::Normal) => {
                let call = ins.call(func, &all);
                let results = self.builder.inst_results(call).to_vec();
                self.stack.extend(results);
            }
            (Callee::Indirect { sig, code, .. }, CallKind::Normal) => {
                let call = ins.call_indirect(sig, code, &all);
                let results = self.builder.inst_results(call).to_vec();
                self.stack.extend(results);
            }
            (Callee::Direct(func), CallKind::Tail) => {
                ins.return_call(func, &all);
                self.reachable = false;
            }
            (Callee::Indirect { sig, code, .. }, CallKind::Tail) => {
                ins.return_call_indirect(sig, code, &all);
                self.reachable = false;
            }
        }
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

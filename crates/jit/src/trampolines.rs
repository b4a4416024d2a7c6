//! The trampolines between the two calling conventions, and the builtin trampolines.
//!
//! Both call-convention trampolines check the store's stack limit, like wasm functions:
//! the array-to-wasm one in its prologue (its frame holds the outgoing arguments), the
//! wasm-to-array one explicitly before it writes its `ValRaw` buffer (up to 16 KiB).
//!
//! - array-to-wasm (host entry), one per escaping function: reads the arguments from the
//!   `ValRaw` buffer, records its own frame pointer as `last_wasm_entry_fp`, calls the wasm
//!   body directly and writes the results back; it returns `true`, since traps unwind past it.
//! - wasm-to-array (host exit), one per signature: records the calling wasm frame as
//!   `last_wasm_exit_fp/_pc`, spills the arguments into a `ValRaw` buffer on its stack, calls
//!   the `array_call` of the `VMHostFuncContext` its callee `vmctx` points at, and calls
//!   `Raise` if that returns `false`.
//! - builtin trampolines, one per builtin a module uses: record the exit frame the same way,
//!   then call the builtin through the table in the `VMContext`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, Function, InstBuilder, StackSlotData, StackSlotKind, UserFuncName, Value, types,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use environ::{BuiltinFunction, FuncIndex, FuncType, TrapCode};

use crate::func_env::{FuncEnv, to_offset, trusted};
use crate::translate::{
    NAMESPACE_BUILTIN, NAMESPACE_LAZY_FUNC_REF, NAMESPACE_LAZY_INDEX, NAMESPACE_WASM, user_trap,
};

/// Size of one `ValRaw` slot.
pub(crate) const VAL_RAW_SIZE: u32 = 16;

/// Namespace of trampoline names; they are never called by name, only shown in CLIF.
const NAMESPACE_TRAMPOLINE: u32 = 2;

/// The array-to-wasm trampoline of a defined function.
pub(crate) fn array_to_wasm(
    env: &FuncEnv<'_>,
    func_index: FuncIndex,
    ctx: &mut FunctionBuilderContext,
) -> Function {
    array_to_wasm_calling(env, func_index, false, ctx)
}

/// The array-to-wasm trampoline template of a lazily compiled function of the type of
/// `func_index`: it calls through the function's `entry` in the lazy code table (its
/// defined index an open immediate, as in [`lazy_stub`]), so once the function is
/// compiled host calls reach its code directly.
pub(crate) fn lazy_array_to_wasm(
    env: &FuncEnv<'_>,
    func_index: FuncIndex,
    ctx: &mut FunctionBuilderContext,
) -> Function {
    array_to_wasm_calling(env, func_index, true, ctx)
}

fn array_to_wasm_calling(
    env: &FuncEnv<'_>,
    func_index: FuncIndex,
    through_table: bool,
    ctx: &mut FunctionBuilderContext,
) -> Function {
    let ty = env.module.func_type(func_index);
    let name = UserFuncName::user(NAMESPACE_TRAMPOLINE, func_index.as_u32());
    let mut func = Function::with_name_signature(name, env.array_signature());
    func.stack_limit = Some(crate::translate::stack_limit(env, &mut func));
    let mut b = FunctionBuilder::new(&mut func, ctx);
    let entry = entry_block(&mut b);
    let params = b.block_params(entry).to_vec();
    let (callee_vmctx, caller_vmctx, values) = (params[0], params[1], params[2]);
    let store = env.store_context(&mut b, callee_vmctx);
    let fp = b.ins().get_frame_pointer(env.ptr);
    let field = to_offset(env.offsets.vmstore_context_last_wasm_entry_fp());
    b.ins().store(trusted(), fp, store, field);
    let mut args = vec![callee_vmctx, caller_vmctx];
    args.extend(load_values(env, &mut b, values, &ty.params));
    let sig = b.import_signature(env.wasm_signature(ty));
    let call = if through_table {
        let (_, slot) = lazy_slot(env, &mut b, callee_vmctx);
        let code = env.load_ptr(&mut b, slot, env.offsets.vm_lazy_slot_entry());
        b.ins().call_indirect(sig, code, &args)
    } else {
        let name = b.func.declare_imported_user_function(ir::UserExternalName {
            namespace: NAMESPACE_WASM,
            index: func_index.as_u32(),
        });
        let callee = b.import_function(ir::ExtFuncData {
            name: ir::ExternalName::User(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        b.ins().call(callee, &args)
    };
    let results = b.inst_results(call).to_vec();
    store_values(&mut b, values, &results);
    let ok = b.ins().iconst(types::I8, 1);
    b.ins().return_(&[ok]);
    b.finalize(env.frontend_config);
    func
}

/// The wasm-to-array trampoline of a signature, usable for any host function of that type.
pub(crate) fn wasm_to_array(
    env: &FuncEnv<'_>,
    ty: &FuncType,
    id: u32,
    ctx: &mut FunctionBuilderContext,
) -> Function {
    let name = UserFuncName::user(NAMESPACE_TRAMPOLINE, id);
    let mut func = Function::with_name_signature(name, env.wasm_signature(ty));
    let mut b = FunctionBuilder::new(&mut func, ctx);
    let entry = entry_block(&mut b);
    let params = b.block_params(entry).to_vec();
    let (callee_vmctx, caller_vmctx) = (params[0], params[1]);
    record_exit_frame(env, &mut b, caller_vmctx);
    let slots = ty.params.len().max(ty.results.len());
    let size = u32::try_from(slots).unwrap_or(u32::MAX / VAL_RAW_SIZE) * VAL_RAW_SIZE;
    let slot = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size, 4));
    check_stack_limit(env, &mut b, caller_vmctx);
    let values = b.ins().stack_addr(env.ptr, slot, 0);
    store_values(&mut b, values, &params[2..]);
    let o = &env.offsets;
    let field = o.vm_host_func_context_func_ref() + o.vm_func_ref_array_call();
    let array_call = env.load_ptr(&mut b, callee_vmctx, field);
    let len = b.ins().iconst(env.ptr, slots as i64);
    let sig = b.import_signature(env.array_signature());
    let call = b
        .ins()
        .call_indirect(sig, array_call, &[callee_vmctx, caller_vmctx, values, len]);
    let ok = b.inst_results(call)[0];
    let raise = b.create_block();
    let done = b.create_block();
    b.set_cold_block(raise);
    let failed = b.ins().icmp_imm_s(IntCC::Equal, ok, 0);
    b.ins().brif(failed, raise, &[], done, &[]);
    b.switch_to_block(raise);
    env.call_builtin_via_table(&mut b, caller_vmctx, BuiltinFunction::Raise, &[]);
    b.ins().trap(user_trap(TrapCode::UnreachableCodeReached));
    b.switch_to_block(done);
    let results = load_values(env, &mut b, values, &ty.results);
    b.ins().return_(&results);
    b.seal_all_blocks();
    b.finalize(env.frontend_config);
    func
}

/// An open absolute immediate of a template (`namespace` is `NAMESPACE_LAZY_INDEX` or
/// `NAMESPACE_LAZY_FUNC_REF`), which each copy fills in.
fn template_immediate(env: &FuncEnv<'_>, b: &mut FunctionBuilder<'_>, namespace: u32) -> Value {
    let symbol = b.func.declare_imported_user_function(ir::UserExternalName {
        namespace,
        index: 0,
    });
    let gv = b.create_global_value(ir::GlobalValueData::Symbol {
        name: ir::ExternalName::User(symbol),
        offset: ir::immediates::Imm64::new(0),
        colocated: false,
        tls: false,
    });
    b.ins().symbol_value(env.ptr, gv)
}

/// A template's function index (an open immediate) and the address of its
/// `VMLazySlot` in the lazy code table of the instance `vmctx`.
fn lazy_slot(env: &FuncEnv<'_>, b: &mut FunctionBuilder<'_>, vmctx: Value) -> (Value, Value) {
    let index = template_immediate(env, b, NAMESPACE_LAZY_INDEX);
    let o = &env.offsets;
    let table = env.load_immutable_ptr(b, vmctx, o.vmctx_lazy_code_table());
    let scaled = b
        .ins()
        .imul_imm_s(index, i64::from(o.size_of_vm_lazy_slot()));
    (index, b.ins().iadd(table, scaled))
}

/// The stub of a lazily compiled function of type `ty`, as a template whose
/// defined-function index is an open absolute immediate (`NAMESPACE_LAZY_INDEX`; each
/// function's copy fills it in). It loads the function's `compiled` slot from the lazy
/// code table and tail-calls it; while it is null it first calls `LazyCompile`, which
/// compiles and installs the code (or records a failure, which it raises).
///
/// With `escapes`, the stub also writes the code into the calling instance's `VMFuncRef`
/// of the function, whose `wasm_call` field's offset in the `VMContext` is a second
/// open immediate (`NAMESPACE_LAZY_FUNC_REF`): `call_indirect`, `call_ref` and exports
/// then reach the code without the stub from their second call on.
pub(crate) fn lazy_stub(
    env: &FuncEnv<'_>,
    ty: &FuncType,
    escapes: bool,
    ctx: &mut FunctionBuilderContext,
) -> Function {
    let name = UserFuncName::user(NAMESPACE_TRAMPOLINE, 0x2_0000);
    let mut func = Function::with_name_signature(name, env.wasm_signature(ty));
    let mut b = FunctionBuilder::new(&mut func, ctx);
    let entry = entry_block(&mut b);
    let params = b.block_params(entry).to_vec();
    let vmctx = params[0];
    let (index, slot) = lazy_slot(env, &mut b, vmctx);
    let compiled = env.load_ptr(&mut b, slot, env.offsets.vm_lazy_slot_compiled());
    let call = b.create_block();
    let code = b.append_block_param(call, env.ptr);
    let compile = b.create_block();
    let raise = b.create_block();
    b.set_cold_block(compile);
    b.set_cold_block(raise);
    b.ins()
        .brif(compiled, call, &[compiled.into()], compile, &[]);

    b.switch_to_block(compile);
    let sig = b.import_signature(env.builtin_signature(BuiltinFunction::LazyCompile));
    let builtin = b.func.declare_imported_user_function(ir::UserExternalName {
        namespace: NAMESPACE_BUILTIN,
        index: BuiltinFunction::LazyCompile.index(),
    });
    let trampoline = b.import_function(ir::ExtFuncData {
        name: ir::ExternalName::User(builtin),
        signature: sig,
        colocated: true,
        patchable: false,
    });
    let index32 = b.ins().ireduce(types::I32, index);
    let inst = b.ins().call(trampoline, &[vmctx, index32]);
    let fresh = b.inst_results(inst)[0];
    b.ins().brif(fresh, call, &[fresh.into()], raise, &[]);

    b.switch_to_block(raise);
    env.call_builtin_via_table(&mut b, vmctx, BuiltinFunction::Raise, &[]);
    b.ins().trap(user_trap(TrapCode::UnreachableCodeReached));

    b.switch_to_block(call);
    if escapes {
        let field = template_immediate(env, &mut b, NAMESPACE_LAZY_FUNC_REF);
        let address = b.ins().iadd(vmctx, field);
        b.ins().store(trusted(), code, address, 0);
    }
    let sig = b.import_signature(env.wasm_signature(ty));
    b.ins().return_call_indirect(sig, code, &params);
    b.seal_all_blocks();
    b.finalize(env.frontend_config);
    func
}

/// The trampoline through which compiled code calls `builtin`.
pub(crate) fn builtin(
    env: &FuncEnv<'_>,
    builtin: BuiltinFunction,
    ctx: &mut FunctionBuilderContext,
) -> Function {
    let name = UserFuncName::user(NAMESPACE_TRAMPOLINE, 0x1_0000 + builtin.index());
    let mut func = Function::with_name_signature(name, env.builtin_signature(builtin));
    let mut b = FunctionBuilder::new(&mut func, ctx);
    let entry = entry_block(&mut b);
    let params = b.block_params(entry).to_vec();
    let vmctx = params[0];
    record_exit_frame(env, &mut b, vmctx);
    let result = env.call_builtin_via_table(&mut b, vmctx, builtin, &params[1..]);
    b.ins().return_(result.as_slice());
    b.finalize(env.frontend_config);
    func
}

/// Traps with `StackOverflow` when the stack pointer, with this function's frame already
/// allocated, is below the store's limit. The callee `vmctx` of a wasm-to-array
/// trampoline is a host function's context, so the prologue check (which goes through
/// the `vmctx` parameter) cannot be used; this one reads the limit through the caller's.
/// Nothing below the frame's top has been written yet when it runs.
fn check_stack_limit(env: &FuncEnv<'_>, b: &mut FunctionBuilder<'_>, vmctx: Value) {
    let store = env.store_context(b, vmctx);
    let field = to_offset(env.offsets.vmstore_context_stack_limit());
    let limit = b.ins().load(env.ptr, trusted(), store, field);
    let sp = b.ins().get_stack_pointer(env.ptr);
    let below = b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
    b.ins().trapnz(below, user_trap(TrapCode::StackOverflow));
}

fn entry_block(b: &mut FunctionBuilder<'_>) -> ir::Block {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    entry
}

/// Records the wasm frame that called this trampoline, for backtraces: its frame pointer
/// (saved at offset 0 of ours) and the return address into it.
fn record_exit_frame(env: &FuncEnv<'_>, b: &mut FunctionBuilder<'_>, vmctx: Value) {
    let fp = b.ins().get_frame_pointer(env.ptr);
    let wasm_fp = b.ins().load(env.ptr, trusted(), fp, 0);
    let pc = b.ins().get_return_address(env.ptr);
    let store = env.store_context(b, vmctx);
    let o = &env.offsets;
    b.ins().store(
        trusted(),
        wasm_fp,
        store,
        to_offset(o.vmstore_context_last_wasm_exit_fp()),
    );
    b.ins().store(
        trusted(),
        pc,
        store,
        to_offset(o.vmstore_context_last_wasm_exit_pc()),
    );
}

/// Loads values of the given wasm types from consecutive `ValRaw` slots.
fn load_values(
    env: &FuncEnv<'_>,
    b: &mut FunctionBuilder<'_>,
    values: Value,
    tys: &[environ::WasmValType],
) -> Vec<Value> {
    tys.iter()
        .zip(0u32..)
        .map(|(&t, i)| {
            b.ins().load(
                env.val_type(t),
                trusted(),
                values,
                to_offset(i * VAL_RAW_SIZE),
            )
        })
        .collect()
}

/// Stores values into consecutive `ValRaw` slots, little-endian from byte 0 of each.
fn store_values(b: &mut FunctionBuilder<'_>, values: Value, vals: &[Value]) {
    for (&v, i) in vals.iter().zip(0u32..) {
        b.ins()
            .store(trusted(), v, values, to_offset(i * VAL_RAW_SIZE));
    }
}

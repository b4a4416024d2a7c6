//! `translate_function`: one function body, validated operator by operator by its
//! `FuncValidator`, into a Cranelift `Function` built with a `FunctionBuilder`.
//!
//! Locals are frontend `Variable`s; the operand stack is a vector of CLIF values; the
//! control stack holds one frame per open construct. Code after an unconditional branch is
//! not translated: only its nesting is tracked until the enclosing frame ends.

mod call;
mod control;
mod conversions;
mod dispatch;
mod exceptions;
mod interrupts;
mod memory;
mod numeric;
mod simd;
mod simd_dispatch;
mod stack;
mod table;
mod variable;

use std::collections::HashMap;

use cranelift_codegen::ir::{
    self, Function, GlobalValueData, InstBuilder, SourceLoc, UserFuncName, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use environ::wasmparser::{FuncValidator, FunctionBody, OperatorsReader, ValidatorResources};
use environ::{BuiltinFunction, CompileError, FuncIndex, TrapCode};

use crate::func_env::{FuncEnv, to_offset, trusted};
use stack::{ControlFrame, FrameKind};

/// The Cranelift trap code of one of our own trap codes.
pub(crate) fn user_trap(code: TrapCode) -> ir::TrapCode {
    ir::TrapCode::user(code as u8).expect("Tarn's trap codes fit below Cranelift's reserved range")
}

/// Namespace of `UserExternalName`s naming wasm functions (index: `FuncIndex`).
pub(crate) const NAMESPACE_WASM: u32 = 0;
/// Namespace of `UserExternalName`s naming builtin trampolines (index: `BuiltinFunction`).
pub(crate) const NAMESPACE_BUILTIN: u32 = 1;
/// Namespace of the one symbol of lazy stub templates: the defined-function index each
/// copy of the stub fills in.
pub(crate) const NAMESPACE_LAZY_INDEX: u32 = 3;
/// Namespace of the second symbol of a lazy stub template for an escaping function: the
/// offset of its `VMFuncRef`'s `wasm_call` field in the `VMContext`.
pub(crate) const NAMESPACE_LAZY_FUNC_REF: u32 = 4;

/// Translates one defined function into CLIF.
///
/// # Errors
///
/// [`CompileError::Invalid`] when the validator rejects the body, and
/// [`CompileError::Unsupported`] for SIMD operators.
pub(crate) fn translate_function(
    env: &FuncEnv<'_>,
    func_index: FuncIndex,
    body: &FunctionBody<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
    builder_ctx: &mut FunctionBuilderContext,
) -> Result<Function, CompileError> {
    translate_function_with_callees(env, func_index, body, validator, builder_ctx)
        .map(|(func, _)| func)
}

/// As [`translate_function`], also returning the defined functions the body calls
/// directly, in order of first call.
///
/// # Errors
///
/// As for [`translate_function`].
pub(crate) fn translate_function_with_callees(
    env: &FuncEnv<'_>,
    func_index: FuncIndex,
    body: &FunctionBody<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
    builder_ctx: &mut FunctionBuilderContext,
) -> Result<(Function, Vec<FuncIndex>), CompileError> {
    let ty = env.module.func_type(func_index);
    let name = UserFuncName::user(NAMESPACE_WASM, func_index.as_u32());
    let mut func = Function::with_name_signature(name, env.wasm_signature(ty));
    func.stack_limit = Some(stack_limit(env, &mut func));
    let builder = FunctionBuilder::new(&mut func, builder_ctx);
    let mut t = FuncTranslator::new(env, builder, func_index);
    t.memories_invariant = memories_invariant(env, body);
    match t.translate_body(body, validator) {
        Ok(()) => {
            t.builder.seal_all_blocks();
            t.builder.finalize(env.frontend_config);
            let callees = t.direct_callees;
            Ok((func, callees))
        }
        Err(e) => {
            // The builder context is only emptied by `finalize`; start afresh after an error.
            drop(t);
            *builder_ctx = FunctionBuilderContext::new();
            Err(e)
        }
    }
}

/// Whether nothing in `body` can change a memory's base or length while it runs (see
/// `FuncTranslator::memories_invariant`). A body that does not decode says no; validation
/// reports it afterwards.
fn memories_invariant(env: &FuncEnv<'_>, body: &FunctionBody<'_>) -> bool {
    if env.tunables.consume_fuel || env.tunables.epoch_interruption {
        return false;
    }
    let Ok(mut reader) = body.get_operators_reader() else {
        return false;
    };
    while !reader.eof() {
        match reader.read() {
            Ok(
                environ::wasmparser::Operator::Call { .. }
                | wasmparser::Operator::CallIndirect { .. }
                | wasmparser::Operator::CallRef { .. }
                | wasmparser::Operator::ReturnCall { .. }
                | wasmparser::Operator::ReturnCallIndirect { .. }
                | wasmparser::Operator::ReturnCallRef { .. }
                | wasmparser::Operator::MemoryGrow { .. },
            )
            | Err(_) => return false,
            Ok(_) => {}
        }
    }
    true
}

/// The stack limit, loaded through `vmctx -> store context -> stack_limit`; Cranelift
/// compares it with the stack pointer in every prologue.
pub(crate) fn stack_limit(env: &FuncEnv<'_>, func: &mut Function) -> ir::GlobalValue {
    let vmctx = func.create_global_value(GlobalValueData::VMContext);
    let readonly = mem_flags(func, trusted().with_readonly());
    let plain = mem_flags(func, trusted());
    let store = func.create_global_value(GlobalValueData::Load {
        base: vmctx,
        offset: to_offset(env.offsets.vmctx_store_context()).into(),
        global_type: env.ptr,
        flags: readonly,
    });
    func.create_global_value(GlobalValueData::Load {
        base: store,
        offset: to_offset(env.offsets.vmstore_context_stack_limit()).into(),
        global_type: env.ptr,
        flags: plain,
    })
}

/// Interns memory flags in a function; the few sets the translator uses always fit.
fn mem_flags(func: &mut Function, data: ir::MemFlagsData) -> ir::MemFlags {
    func.dfg
        .mem_flags
        .insert(data)
        .expect("the translator uses only a few sets of memory flags")
}

/// The state of one function's translation.
pub(crate) struct FuncTranslator<'a, 'f> {
    pub(crate) env: &'a FuncEnv<'a>,
    pub(crate) builder: FunctionBuilder<'f>,
    pub(crate) func_index: FuncIndex,
    /// The operand stack.
    pub(crate) stack: Vec<Value>,
    /// Open constructs, the function body outermost.
    pub(crate) control: Vec<ControlFrame>,
    /// Whether the current position can be reached.
    pub(crate) reachable: bool,
    /// How many constructs deep we are inside unreachable code.
    pub(crate) unreachable_depth: u32,
    /// Every local, parameters first.
    pub(crate) locals: Vec<Variable>,
    /// The callee `vmctx` parameter.
    pub(crate) vmctx: Value,
    /// Operators translated since fuel was last charged.
    pub(crate) pending_fuel: i64,
    /// Whether no memory's base or length can change while this function runs: it grows
    /// no memory, calls nothing (no wasm or host code can grow one behind its back), and
    /// neither fuel nor epochs call out to the store. Their loads may then be hoisted and
    /// merged by Cranelift like any immutable field.
    pub(crate) memories_invariant: bool,
    /// Bounds checks of 64-bit memory accesses already made in the current block, which
    /// make later accesses at the same index and no further end unnecessary to check.
    pub(crate) checked_accesses: memory::CheckedAccesses,
    /// Open `try_table`s, innermost last.
    pub(crate) handlers: Vec<exceptions::HandlerScope>,
    builtin_refs: HashMap<BuiltinFunction, ir::FuncRef>,
    wasm_refs: HashMap<FuncIndex, ir::FuncRef>,
    /// The defined functions this one calls directly, in order of first call: what
    /// lazy compilation compiles next.
    pub(crate) direct_callees: Vec<FuncIndex>,
}

impl<'a, 'f> FuncTranslator<'a, 'f> {
    fn new(env: &'a FuncEnv<'a>, mut builder: FunctionBuilder<'f>, func_index: FuncIndex) -> Self {
        let entry = builder.create_block();
        builder.append_block_params_for_function_params(entry);
        builder.switch_to_block(entry);
        builder.seal_block(entry);
        let vmctx = builder.block_params(entry)[0];
        Self {
            env,
            builder,
            func_index,
            stack: Vec::new(),
            control: Vec::new(),
            reachable: true,
            unreachable_depth: 0,
            locals: Vec::new(),
            vmctx,
            pending_fuel: 0,
            memories_invariant: false,
            checked_accesses: memory::CheckedAccesses::default(),
            handlers: Vec::new(),
            builtin_refs: HashMap::new(),
            wasm_refs: HashMap::new(),
            direct_callees: Vec::new(),
        }
    }

    /// Translates the locals and every operator, validating each.
    fn translate_body(
        &mut self,
        body: &FunctionBody<'_>,
        validator: &mut FuncValidator<ValidatorResources>,
    ) -> Result<(), CompileError> {
        self.declare_locals(body, validator)?;
        self.function_entry();
        // The reader must decode with the engine's features: without them it would accept
        // encodings that only later proposals allow (such as a multi-byte memory index).
        let mut binary = body.get_binary_reader_for_operators()?;
        binary.set_features(*validator.features());
        let mut reader = OperatorsReader::new(binary);
        while !reader.eof() {
            let (op, offset) = reader.read_with_offset()?;
            validator.op(offset, &op)?;
            self.builder.set_srcloc(SourceLoc::new(offset as u32));
            self.translate_operator(&op, offset as usize)?;
        }
        reader.finish()?;
        Ok(())
    }

    /// Declares parameters and locals as variables; locals start at zero.
    fn declare_locals(
        &mut self,
        body: &FunctionBody<'_>,
        validator: &mut FuncValidator<ValidatorResources>,
    ) -> Result<(), CompileError> {
        let entry = self
            .builder
            .current_block()
            .expect("entry block is current");
        let params: Vec<Value> = self.builder.block_params(entry)[2..].to_vec();
        for param in params {
            let ty = self.builder.func.dfg.value_type(param);
            let var = self.builder.declare_var(ty);
            self.builder.def_var(var, param);
            self.locals.push(var);
        }
        let mut reader = body.get_locals_reader()?;
        for _ in 0..reader.get_count() {
            let offset = reader.original_position();
            let (count, ty) = reader.read()?;
            validator.define_locals(offset, count, ty)?;
            let wasm_ty = self.wasm_type(ty, offset as usize)?;
            let ty = self.env.val_type(wasm_ty);
            let zero = self.env.zero(&mut self.builder, ty);
            for _ in 0..count {
                let var = self.builder.declare_var(ty);
                self.builder.def_var(var, zero);
                self.locals.push(var);
            }
        }
        Ok(())
    }

    /// Opens the body's frame and emits the entry checks.
    fn function_entry(&mut self) {
        let ty = self.env.module.func_type(self.func_index);
        let exit = self.builder.create_block();
        for &r in ty.results.iter() {
            let t = self.env.val_type(r);
            self.builder.append_block_param(exit, t);
        }
        self.control.push(ControlFrame {
            kind: FrameKind::Block,
            dest: exit,
            num_params: 0,
            num_results: ty.results.len(),
            base: 0,
            dest_reached: false,
        });
        self.interruption_checks();
    }

    /// Converts a wasmparser value type, rejecting the ones Tarn does not implement.
    pub(crate) fn wasm_type(
        &self,
        ty: environ::wasmparser::ValType,
        offset: usize,
    ) -> Result<environ::WasmValType, CompileError> {
        environ::WasmValType::from_wasmparser(ty, offset)
    }

    /// Pops one value. Validation guarantees it is there.
    pub(crate) fn pop(&mut self) -> Value {
        self.stack.pop().expect("validated operand stack")
    }

    /// Pops `n` values, the deepest first.
    pub(crate) fn pop_n(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    /// The top `n` values, left on the stack.
    pub(crate) fn peek_n(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    /// Pushes one value.
    pub(crate) fn push(&mut self, value: Value) {
        self.stack.push(value);
    }

    /// A reference to a builtin's trampoline, which records the exit frame for backtraces
    /// before calling the builtin through the table in the `VMContext`.
    fn builtin_ref(&mut self, builtin: BuiltinFunction) -> ir::FuncRef {
        if let Some(&r) = self.builtin_refs.get(&builtin) {
            return r;
        }
        let sig = self
            .builder
            .import_signature(self.env.builtin_signature(builtin));
        let name = self
            .builder
            .func
            .declare_imported_user_function(ir::UserExternalName {
                namespace: NAMESPACE_BUILTIN,
                index: builtin.index(),
            });
        let r = self.builder.import_function(ir::ExtFuncData {
            name: ir::ExternalName::User(name),
            signature: sig,
            colocated: !self.env.lazy,
            patchable: false,
        });
        self.builtin_refs.insert(builtin, r);
        r
    }

    /// A reference to a defined wasm function, for a direct call.
    pub(crate) fn wasm_func_ref(&mut self, func: FuncIndex) -> ir::FuncRef {
        if let Some(&r) = self.wasm_refs.get(&func) {
            return r;
        }
        let ty = self.env.module.func_type(func);
        let sig = self.builder.import_signature(self.env.wasm_signature(ty));
        let name = self
            .builder
            .func
            .declare_imported_user_function(ir::UserExternalName {
                namespace: NAMESPACE_WASM,
                index: func.as_u32(),
            });
        let r = self.builder.import_function(ir::ExtFuncData {
            name: ir::ExternalName::User(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.wasm_refs.insert(func, r);
        r
    }

    /// Calls a builtin with this instance's `vmctx` first and returns its result.
    pub(crate) fn call_builtin(
        &mut self,
        builtin: BuiltinFunction,
        args: &[Value],
    ) -> Option<Value> {
        let callee = self.builtin_ref(builtin);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let call = self.builder.ins().call(callee, &all);
        self.builder.inst_results(call).first().copied()
    }

    /// Calls a builtin that returns `ok` and raises when it failed.
    pub(crate) fn call_fallible(&mut self, builtin: BuiltinFunction, args: &[Value]) {
        let ok = self
            .call_builtin(builtin, args)
            .expect("fallible builtins return ok");
        self.raise_unless_ok(ok);
    }

    /// An index (of a memory, table or segment) as the `i32` builtins take.
    pub(crate) fn index_const(&mut self, index: u32) -> Value {
        self.builder.ins().iconst(ir::types::I32, i64::from(index))
    }

    /// Calls `Raise` when `cond` is non-zero: a builtin recorded a trap.
    pub(crate) fn raise_if(&mut self, cond: Value) {
        let raise = self.builder.create_block();
        let cont = self.builder.create_block();
        self.builder.set_cold_block(raise);
        self.builder.ins().brif(cond, raise, &[], cont, &[]);
        self.builder.seal_block(raise);
        self.builder.seal_block(cont);
        self.builder.switch_to_block(raise);
        self.call_builtin(BuiltinFunction::Raise, &[]);
        // `Raise` unwinds and never returns; the trap only terminates the block.
        self.builder
            .ins()
            .trap(user_trap(TrapCode::UnreachableCodeReached));
        self.builder.switch_to_block(cont);
    }

    /// Raises when a fallible builtin returned `0`.
    pub(crate) fn raise_unless_ok(&mut self, ok: Value) {
        let failed = self
            .builder
            .ins()
            .icmp_imm_s(ir::condcodes::IntCC::Equal, ok, 0);
        self.raise_if(failed);
    }

    /// A `Codegen` error for this function.
    pub(crate) fn codegen_error(&self, message: impl Into<String>) -> CompileError {
        CompileError::Codegen {
            func: self.func_index,
            message: message.into(),
        }
    }
}

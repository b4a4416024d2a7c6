//! `FuncEnv`: how generated code reaches instance state. Every load from the `VMContext`
//! (memory bases and lengths, table definitions, globals, imports, the store context and
//! the builtin table) is built here from `VMOffsets`, so the layout is known in one place.

use cranelift_codegen::ir::{
    AbiParam, ArgumentPurpose, InstBuilder, MemFlagsData, Signature, Type, Value, types,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig, TargetIsa};
use cranelift_frontend::FunctionBuilder;
use environ::{
    BuiltinFunction, BuiltinType, FuncIndex, FuncType, GlobalIndex, MemoryIndex, Module,
    TableIndex, Tunables, VMOffsets, WasmValType,
};

/// What the translator needs to know about the module, the host and the `VMContext`.
pub(crate) struct FuncEnv<'m> {
    /// The module being compiled.
    pub(crate) module: &'m Module,
    /// The layout of its `VMContext`.
    pub(crate) offsets: VMOffsets,
    /// Code-generation settings shared with the vm.
    pub(crate) tunables: &'m Tunables,
    /// The host pointer type.
    pub(crate) ptr: Type,
    /// The host's C calling convention, used by the array ABI and the builtins.
    pub(crate) host_call_conv: CallConv,
    /// Whether floats are rounded in hardware rather than through builtins. On x86-64
    /// this is SSE4.1, which is also what SIMD needs: without it SIMD is unsupported.
    pub(crate) native_rounding: bool,
    /// Whether the host has a fused multiply-add.
    pub(crate) native_fma: bool,
    /// What `FunctionBuilder::finalize` needs to know about the target.
    pub(crate) frontend_config: TargetFrontendConfig,
    /// Whether the code is compiled lazily, one function at a time into its own mapping:
    /// direct calls then go through the module's lazy code table, and builtin
    /// trampolines (in the module's first text section, maybe far away) are called by
    /// absolute address.
    pub(crate) lazy: bool,
    /// With `lazy`, the functions compiled together into one section (sorted): calls
    /// between them are direct, like eager code's.
    pub(crate) lazy_section: Vec<FuncIndex>,
}

/// Flags for loads and stores of runtime structures, which are always valid and aligned.
pub(crate) fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl<'m> FuncEnv<'m> {
    /// The environment for `module` on `isa`.
    pub(crate) fn new(module: &'m Module, tunables: &'m Tunables, isa: &dyn TargetIsa) -> Self {
        let ptr = isa.pointer_type();
        Self {
            module,
            offsets: VMOffsets::new(ptr.bytes() as u8, module),
            tunables,
            ptr,
            host_call_conv: isa.default_call_conv(),
            native_rounding: crate::isa::has_native_rounding(isa),
            native_fma: isa.has_native_fma(),
            frontend_config: isa.frontend_config(),
            lazy: false,
            lazy_section: Vec::new(),
        }
    }

    /// The same environment for lazily compiled code (see [`FuncEnv::lazy`]) of the
    /// functions `section`, compiled into one section.
    pub(crate) fn for_lazy_code(mut self, section: impl IntoIterator<Item = FuncIndex>) -> Self {
        self.lazy = true;
        self.lazy_section = section.into_iter().collect();
        self.lazy_section.sort_unstable();
        self
    }

    /// Whether a direct call to `func` goes through the lazy code table: it does in
    /// lazily compiled code, unless `func` is compiled into the same section.
    pub(crate) fn calls_through_lazy_table(&self, func: FuncIndex) -> bool {
        self.lazy && self.lazy_section.binary_search(&func).is_err()
    }

    /// The Cranelift type of a wasm value; references are host pointers.
    pub(crate) fn val_type(&self, ty: WasmValType) -> Type {
        match ty {
            WasmValType::I32 => types::I32,
            WasmValType::I64 => types::I64,
            WasmValType::F32 => types::F32,
            WasmValType::F64 => types::F64,
            WasmValType::V128 => types::I8X16,
            WasmValType::Ref(_) => self.ptr,
        }
    }

    /// The wasm calling convention: `tail`, `(callee_vmctx, caller_vmctx, params...)`.
    pub(crate) fn wasm_signature(&self, ty: &FuncType) -> Signature {
        let mut sig = Signature::new(CallConv::Tail);
        sig.params
            .push(AbiParam::special(self.ptr, ArgumentPurpose::VMContext));
        sig.params.push(AbiParam::new(self.ptr));
        sig.params
            .extend(ty.params.iter().map(|&t| AbiParam::new(self.val_type(t))));
        sig.returns
            .extend(ty.results.iter().map(|&t| AbiParam::new(self.val_type(t))));
        sig
    }

    /// The array calling convention: `(callee_vmctx, caller_vmctx, *mut ValRaw, len) -> bool`.
    pub(crate) fn array_signature(&self) -> Signature {
        let mut sig = Signature::new(self.host_call_conv);
        sig.params
            .push(AbiParam::special(self.ptr, ArgumentPurpose::VMContext));
        sig.params.extend([AbiParam::new(self.ptr); 3]);
        sig.returns.push(AbiParam::new(types::I8));
        sig
    }

    /// A builtin's C signature, derived from its declaration in `tarn-environ`.
    pub(crate) fn builtin_signature(&self, builtin: BuiltinFunction) -> Signature {
        let decl = builtin.signature();
        let ty = |t: BuiltinType| match t {
            BuiltinType::VmCtx | BuiltinType::Pointer => self.ptr,
            BuiltinType::I32 => types::I32,
            BuiltinType::I64 => types::I64,
            BuiltinType::F32 => types::F32,
            BuiltinType::F64 => types::F64,
        };
        let mut sig = Signature::new(self.host_call_conv);
        sig.params
            .extend(decl.params.iter().map(|&t| AbiParam::new(ty(t))));
        sig.returns
            .extend(decl.result.map(|t| AbiParam::new(ty(t))));
        sig
    }

    /// Loads a pointer-sized field at `base + offset` that may change while the function
    /// runs (a memory's length, a table's base and size).
    pub(crate) fn load_ptr(&self, b: &mut FunctionBuilder<'_>, base: Value, offset: u32) -> Value {
        b.ins().load(self.ptr, trusted(), base, to_offset(offset))
    }

    /// Loads a pointer-sized field of the `VMContext` (or of something it points at) that
    /// never changes after instantiation, such as the store context or an import. Cranelift
    /// may merge such loads and hoist them out of loops.
    pub(crate) fn load_immutable_ptr(
        &self,
        b: &mut FunctionBuilder<'_>,
        base: Value,
        offset: u32,
    ) -> Value {
        let flags = trusted().with_readonly().with_can_move();
        b.ins().load(self.ptr, flags, base, to_offset(offset))
    }

    /// The `*mut VMStoreContext` of the instance whose context is `vmctx`.
    pub(crate) fn store_context(&self, b: &mut FunctionBuilder<'_>, vmctx: Value) -> Value {
        self.load_immutable_ptr(b, vmctx, self.offsets.vmctx_store_context())
    }

    /// Calls a builtin directly through the table in `vmctx`, without recording an exit
    /// frame; trampolines use it after recording their own.
    pub(crate) fn call_builtin_via_table(
        &self,
        b: &mut FunctionBuilder<'_>,
        vmctx: Value,
        builtin: BuiltinFunction,
        args: &[Value],
    ) -> Option<Value> {
        let table = self.load_immutable_ptr(b, vmctx, self.offsets.vmctx_builtin_functions());
        let slot = builtin.index() * u32::from(self.offsets.pointer_size());
        let callee = self.load_immutable_ptr(b, table, slot);
        let sig = b.import_signature(self.builtin_signature(builtin));
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(vmctx);
        all.extend_from_slice(args);
        let call = b.ins().call_indirect(sig, callee, &all);
        b.inst_results(call).first().copied()
    }

    /// Where a memory's `VMMemoryDefinition` lies: a base pointer and a static offset.
    pub(crate) fn memory_definition(
        &self,
        b: &mut FunctionBuilder<'_>,
        vmctx: Value,
        memory: MemoryIndex,
    ) -> (Value, u32) {
        let o = &self.offsets;
        match self.module.defined_memory_index(memory) {
            None => {
                let import = o.vmctx_vmmemory_import(memory) + o.vmmemory_import_from();
                (self.load_immutable_ptr(b, vmctx, import), 0)
            }
            Some(defined) => match self.module.owned_memory_index(defined) {
                Some(owned) => (vmctx, o.vmctx_vmmemory_definition(owned)),
                None => {
                    let pointer = o.vmctx_vmmemory_pointer(defined);
                    (self.load_immutable_ptr(b, vmctx, pointer), 0)
                }
            },
        }
    }

    /// Loads a memory's base address. `invariant` says nothing in the function can grow
    /// a memory (see `FuncTranslator::memories_invariant`).
    pub(crate) fn memory_base(
        &self,
        b: &mut FunctionBuilder<'_>,
        vmctx: Value,
        memory: MemoryIndex,
        invariant: bool,
    ) -> Value {
        let (def, offset) = self.memory_definition(b, vmctx, memory);
        let field = offset + self.offsets.vmmemory_definition_base();
        // A memory that may not move keeps its base for the instance's whole life; one
        // that may keeps it at least while the function cannot grow it.
        if invariant || !self.tunables.may_move(&self.module.memories[memory]) {
            self.load_immutable_ptr(b, def, field)
        } else {
            self.load_ptr(b, def, field)
        }
    }

    /// Loads a memory's current length in bytes; with `invariant`, as a value Cranelift
    /// may load once and hoist out of loops.
    pub(crate) fn memory_length(
        &self,
        b: &mut FunctionBuilder<'_>,
        vmctx: Value,
        memory: MemoryIndex,
        invariant: bool,
    ) -> Value {
        let (def, offset) = self.memory_definition(b, vmctx, memory);
        let field = offset + self.offsets.vmmemory_definition_current_length();
        if invariant {
            self.load_immutable_ptr(b, def, field)
        } else {
            self.load_ptr(b, def, field)
        }
    }

    /// Where a table's `VMTableDefinition` lies: a base pointer and a static offset.
    pub(crate) fn table_definition(
        &self,
        b: &mut FunctionBuilder<'_>,
        vmctx: Value,
        table: TableIndex,
    ) -> (Value, u32) {
        let o = &self.offsets;
        match self.module.defined_table_index(table) {
            None => {
                let import = o.vmctx_vmtable_import(table) + o.vmtable_import_from();
                (self.load_immutable_ptr(b, vmctx, import), 0)
            }
            Some(defined) => (vmctx, o.vmctx_vmtable_definition(defined)),
        }
    }

    /// The address of a global's `VMGlobalDefinition`, as a base and a static offset.
    pub(crate) fn global_address(
        &self,
        b: &mut FunctionBuilder<'_>,
        vmctx: Value,
        global: GlobalIndex,
    ) -> (Value, u32) {
        let o = &self.offsets;
        match self.module.defined_global_index(global) {
            None => {
                let import = o.vmctx_vmglobal_import(global) + o.vmglobal_import_from();
                (self.load_immutable_ptr(b, vmctx, import), 0)
            }
            Some(defined) => (vmctx, o.vmctx_vmglobal_definition(defined)),
        }
    }

    /// A zero of any wasm value type, for locals and null references.
    pub(crate) fn zero(&self, b: &mut FunctionBuilder<'_>, ty: Type) -> Value {
        match ty {
            types::F32 => b.ins().f32const(0.0),
            types::F64 => b.ins().f64const(0.0),
            t if t.is_vector() => {
                let zero = b.func.dfg.constants.insert(vec![0u8; 16].into());
                b.ins().vconst(t, zero)
            }
            t => b.ins().iconst(t, 0),
        }
    }
}

/// A `VMOffsets` offset as a Cranelift immediate. `VMContext`s are far smaller than 2 GiB,
/// so the conversion cannot fail for a module wasmparser accepted.
pub(crate) fn to_offset(offset: u32) -> i32 {
    i32::try_from(offset).expect("VMContext offsets fit in i32")
}

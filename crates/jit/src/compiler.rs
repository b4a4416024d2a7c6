//! `Compiler`: the host ISA and Tarn's flags, and whole-module compilation: every function
//! translated and compiled independently on scoped threads, then the trampolines, then one
//! linked text section with its trap table and address map.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::{Context, print_errors};
use cranelift_frontend::FunctionBuilderContext;
use environ::wasmparser::{
    FuncToValidate, FuncValidator, FuncValidatorAllocations, ValidatorResources,
};
use environ::{
    BuiltinFunction, CompileError, CompiledFunction, CompiledModuleInfo, DefinedFuncIndex,
    EntityVec, FuncIndex, FuncType, FunctionBodyData, FunctionLoc, Module, ModuleTranslation,
    Tunables, TypeIndex,
};

use crate::artifacts::{CallTarget, CompiledModule, FunctionCode, Placed, TextBuilder};
use crate::func_env::FuncEnv;
use crate::isa::{OptLevel, host_isa};
use crate::{trampolines, translate};

/// Compiles modules for the host with one set of [`Tunables`].
///
/// A `Compiler` is `Send + Sync`; one engine shares one.
pub struct Compiler {
    pub(crate) isa: OwnedTargetIsa,
    pub(crate) tunables: Tunables,
    parallel: bool,
}

impl Compiler {
    /// A compiler for the host ISA (detected by `cranelift-native`) at `opt` level.
    ///
    /// # Errors
    ///
    /// [`CompileError::Codegen`] if Cranelift does not support the host.
    pub fn new(tunables: Tunables, opt: OptLevel) -> Result<Self, CompileError> {
        Self::new_with_isa_flags(tunables, opt, &[])
    }

    /// A compiler for the host with some of Cranelift's ISA flags overridden, such as
    /// `("has_sse41", "false")` to generate code for a smaller CPU baseline than the
    /// host's (what tests of the fallback paths use).
    ///
    /// # Errors
    ///
    /// As [`Compiler::new`], and for a flag Cranelift does not know.
    pub fn new_with_isa_flags(
        tunables: Tunables,
        opt: OptLevel,
        isa_flags: &[(&str, &str)],
    ) -> Result<Self, CompileError> {
        Ok(Self {
            isa: host_isa(opt, isa_flags)?,
            tunables,
            parallel: true,
        })
    }

    /// Whether a module's functions compile on several threads (the default) or on the
    /// calling thread only.
    pub fn with_parallel_compilation(mut self, enable: bool) -> Self {
        self.parallel = enable;
        self
    }

    /// The settings this compiler generates code for.
    pub fn tunables(&self) -> &Tunables {
        &self.tunables
    }

    /// The target triple code is generated for.
    pub fn target(&self) -> String {
        self.isa.triple().to_string()
    }

    /// Every Cranelift setting that shapes the code, shared and ISA-specific, as
    /// `name=value` pairs in a fixed order, so two compilers generate interchangeable code
    /// exactly when their descriptions are equal.
    pub fn flags_description(&self) -> Vec<String> {
        // The verifier checks code without changing it (it is on in debug builds only).
        let shared = self
            .isa
            .flags()
            .iter()
            .filter(|value| value.name != "enable_verifier")
            .map(|value| value.to_string());
        let isa = self
            .isa
            .isa_flags()
            .into_iter()
            .map(|value| value.to_string());
        shared.chain(isa).collect()
    }

    /// Compiles every function of a translated module, with an array-to-wasm trampoline for
    /// each escaping function and a wasm-to-array trampoline for each signature that
    /// imported functions use, into one linked text section.
    ///
    /// # Errors
    ///
    /// [`CompileError::Invalid`] with the validator's message and offset if a body is not
    /// valid (the error of the first such function in index order), `Unsupported` for
    /// SIMD, `Codegen` if Cranelift rejects a function.
    pub fn compile_module(
        &self,
        translation: ModuleTranslation<'_>,
    ) -> Result<CompiledModule, CompileError> {
        let ModuleTranslation {
            module,
            function_bodies,
            ..
        } = translation;
        let env = FuncEnv::new(&module, &self.tunables, &*self.isa);
        let bodies = self.compile_bodies(&env, &function_bodies)?;
        let (text, info) = self.link(&env, &bodies)?;
        Ok(CompiledModule { text, info, module })
    }

    /// The CLIF of one defined function as the translator produces it, before Cranelift
    /// optimises and compiles it; the golden tests compare it with checked-in text.
    ///
    /// # Errors
    ///
    /// As for [`Compiler::compile_module`].
    pub fn translate_to_clif(
        &self,
        translation: &ModuleTranslation<'_>,
        func: DefinedFuncIndex,
    ) -> Result<String, CompileError> {
        let env = FuncEnv::new(&translation.module, &self.tunables, &*self.isa);
        let body = &translation.function_bodies[func];
        let mut validator = rebuild_validator(&body.validator, FuncValidatorAllocations::default());
        let index = translation.module.func_index(func);
        let clif = translate::translate_function(
            &env,
            index,
            &body.body,
            &mut validator,
            &mut FunctionBuilderContext::new(),
        )?;
        Ok(clif.display().to_string())
    }

    /// Compiles a standalone wasm-to-array trampoline for any signature, for host functions
    /// that reach wasm outside a module's imports (placed in a table, or in a global). The
    /// bytes need no relocation and no other code; the vm maps them anywhere.
    ///
    /// # Errors
    ///
    /// [`CompileError::Codegen`] if Cranelift rejects the trampoline (a bug).
    pub fn compile_wasm_to_array_trampoline(&self, ty: &FuncType) -> Result<Vec<u8>, CompileError> {
        let module = Module::default();
        let env = FuncEnv::new(&module, &self.tunables, &*self.isa);
        let func = trampolines::wasm_to_array(&env, ty, 0, &mut FunctionBuilderContext::new());
        let code = self.compile_function(&mut Context::new(), func, FuncIndex::from_u32(0))?;
        if code.has_relocations() {
            return Err(codegen(
                FuncIndex::from_u32(0),
                "standalone trampoline needs relocation".into(),
            ));
        }
        Ok(code.into_bytes())
    }

    /// Compiles every body on scoped threads, one per available core, each pulling the next
    /// function to compile. Results keep index order so errors are deterministic.
    fn compile_bodies(
        &self,
        env: &FuncEnv<'_>,
        bodies: &EntityVec<DefinedFuncIndex, FunctionBodyData<'_>>,
    ) -> Result<Vec<FunctionCode>, CompileError> {
        self.for_each_body(bodies.as_slice(), |i, body, scratch: &mut Scratch| {
            let defined = DefinedFuncIndex::from_u32(i as u32);
            let allocs = std::mem::take(&mut scratch.allocs);
            let mut validator = rebuild_validator(&body.validator, allocs);
            let result = self.compile_body(
                env,
                defined,
                body,
                &mut validator,
                &mut scratch.ctx,
                &mut scratch.builder_ctx,
            );
            scratch.allocs = validator.into_allocations();
            result
        })
        .into_iter()
        .collect()
    }

    /// Runs `work` on every item on scoped threads (one per available core unless
    /// parallel compilation is off), each pulling the next index and keeping its own
    /// scratch state. The results keep index order.
    pub(crate) fn for_each_body<T: Sync, S: Default, R: Send>(
        &self,
        items: &[T],
        work: impl Fn(usize, &T, &mut S) -> R + Sync,
    ) -> Vec<R> {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
        let worker = || {
            let mut scratch = S::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else {
                    break;
                };
                let result = work(i, item, &mut scratch);
                results.lock().expect("no worker panics")[i] = Some(result);
            }
        };
        let cores = if self.parallel {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            1
        };
        let threads = cores.min(items.len());
        if threads <= 1 {
            worker();
        } else {
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(worker);
                }
            });
        }
        let results = results.into_inner().expect("no worker panics");
        results
            .into_iter()
            .map(|r| r.expect("every item was processed"))
            .collect()
    }

    fn compile_body(
        &self,
        env: &FuncEnv<'_>,
        defined: DefinedFuncIndex,
        body: &FunctionBodyData<'_>,
        validator: &mut FuncValidator<ValidatorResources>,
        ctx: &mut Context,
        builder_ctx: &mut FunctionBuilderContext,
    ) -> Result<FunctionCode, CompileError> {
        let index = env.module.func_index(defined);
        let func = translate::translate_function(env, index, &body.body, validator, builder_ctx)?;
        self.compile_function(ctx, func, index)
    }

    /// Runs Cranelift on one function (verifying it first in debug builds).
    pub(crate) fn compile_function(
        &self,
        ctx: &mut Context,
        func: Function,
        index: FuncIndex,
    ) -> Result<FunctionCode, CompileError> {
        ctx.clear();
        ctx.func = func;
        ctx.compile(&*self.isa, &mut ControlPlane::default())
            .map_err(|e| codegen(index, print_errors::pretty_error(e.func, e.inner)))?;
        let code = ctx.compiled_code().expect("compiled just above");
        FunctionCode::new(code, &ctx.func).map_err(|m| codegen(index, m))
    }

    /// Compiles the trampolines and lays everything out in one text section: the bodies,
    /// then the array-to-wasm, wasm-to-array and builtin trampolines.
    fn link(
        &self,
        env: &FuncEnv<'_>,
        bodies: &[FunctionCode],
    ) -> Result<(Vec<u8>, CompiledModuleInfo), CompileError> {
        let mut layout = Layout::new(self, env);
        let mut info = CompiledModuleInfo::default();
        for code in bodies {
            let wasm_call = layout.append(code)?;
            info.functions.push(CompiledFunction {
                wasm_call,
                array_call: None,
            });
        }
        layout.array_to_wasm_trampolines(&mut info)?;
        layout.wasm_to_array_trampolines(&mut info)?;
        let builtins = layout.builtin_trampolines(bodies)?;
        let text = layout.finish(&mut info, &builtins)?;
        Ok((text, info))
    }
}

/// The text section being laid out, with what compiling trampolines needs.
pub(crate) struct Layout<'c, 'e> {
    compiler: &'c Compiler,
    env: &'c FuncEnv<'e>,
    pub(crate) text: TextBuilder,
    pub(crate) ctx: Context,
    pub(crate) builder_ctx: FunctionBuilderContext,
    align: u32,
}

impl<'c, 'e> Layout<'c, 'e> {
    pub(crate) fn new(compiler: &'c Compiler, env: &'c FuncEnv<'e>) -> Self {
        Self {
            compiler,
            env,
            text: TextBuilder::default(),
            ctx: Context::new(),
            builder_ctx: FunctionBuilderContext::new(),
            align: compiler.isa.function_alignment().preferred,
        }
    }

    pub(crate) fn append(&mut self, code: &FunctionCode) -> Result<FunctionLoc, CompileError> {
        self.text.append(code, self.align).map_err(link_error)
    }

    /// Compiles a trampoline and appends it; `owner` names it in errors.
    fn append_function(
        &mut self,
        func: Function,
        owner: FuncIndex,
    ) -> Result<FunctionLoc, CompileError> {
        let code = self.compiler.compile_function(&mut self.ctx, func, owner)?;
        self.append(&code)
    }

    /// Patches every call (a wasm callee goes to the code `info` places it at, a builtin
    /// to its trampoline in `builtins`) and moves the trap, address and handler tables
    /// into `info`; returns the text.
    pub(crate) fn finish(
        self,
        info: &mut CompiledModuleInfo,
        builtins: &[Option<FunctionLoc>],
    ) -> Result<Vec<u8>, CompileError> {
        let module = self.env.module;
        let functions = &info.functions;
        let lookup = |target: CallTarget| match target {
            CallTarget::Wasm(f) => module
                .defined_func_index(f)
                .and_then(|d| functions.get(d))
                .map(|c| Placed::Offset(c.wasm_call.start)),
            CallTarget::Builtin(b) => builtins[b.index() as usize].map(|l| Placed::Offset(l.start)),
            CallTarget::LazyIndex | CallTarget::LazyFuncRef => None,
        };
        let linked = self.text.finish(lookup).map_err(link_error)?;
        Ok(linked.into_text(info))
    }

    /// One array-to-wasm trampoline per defined function that escapes.
    fn array_to_wasm_trampolines(
        &mut self,
        info: &mut CompiledModuleInfo,
    ) -> Result<(), CompileError> {
        let module = self.env.module;
        for defined in info.functions.keys().collect::<Vec<_>>() {
            let index = module.func_index(defined);
            if module.functions[index].func_ref.is_none() {
                continue;
            }
            let func = trampolines::array_to_wasm(self.env, index, &mut self.builder_ctx);
            info.functions[defined].array_call = Some(self.append_function(func, index)?);
        }
        Ok(())
    }

    /// One wasm-to-array trampoline per signature that imported functions use.
    pub(crate) fn wasm_to_array_trampolines(
        &mut self,
        info: &mut CompiledModuleInfo,
    ) -> Result<(), CompileError> {
        let module = self.env.module;
        let imports = module.functions.values().take(module.num_imported_funcs);
        let types: BTreeSet<TypeIndex> = imports.map(|f| f.ty).collect();
        for ty in types {
            let func = trampolines::wasm_to_array(
                self.env,
                &module.types[ty],
                ty.as_u32(),
                &mut self.builder_ctx,
            );
            let loc = self.append_function(func, FuncIndex::from_u32(0))?;
            info.wasm_to_array_trampolines.push((ty, loc));
        }
        Ok(())
    }

    /// One trampoline per builtin the bodies call, indexed by `BuiltinFunction::index`.
    fn builtin_trampolines(
        &mut self,
        bodies: &[FunctionCode],
    ) -> Result<Vec<Option<FunctionLoc>>, CompileError> {
        let used: BTreeSet<u32> = bodies
            .iter()
            .flat_map(FunctionCode::builtins_called)
            .map(BuiltinFunction::index)
            .collect();
        self.builtin_trampolines_for(used)
    }

    /// One trampoline per builtin in `used` (by index), indexed by `BuiltinFunction::index`.
    pub(crate) fn builtin_trampolines_for(
        &mut self,
        used: BTreeSet<u32>,
    ) -> Result<Vec<Option<FunctionLoc>>, CompileError> {
        let mut locs = vec![None; BuiltinFunction::COUNT];
        for index in used {
            let builtin = BuiltinFunction::ALL[index as usize];
            let func = trampolines::builtin(self.env, builtin, &mut self.builder_ctx);
            locs[index as usize] = Some(self.append_function(func, FuncIndex::from_u32(0))?);
        }
        Ok(locs)
    }
}

pub(crate) fn link_error(message: String) -> CompileError {
    codegen(FuncIndex::from_u32(0), message)
}

/// What each compilation thread keeps between bodies.
pub(crate) struct Scratch {
    pub(crate) ctx: Context,
    pub(crate) builder_ctx: FunctionBuilderContext,
    pub(crate) allocs: FuncValidatorAllocations,
}

impl Default for Scratch {
    fn default() -> Self {
        Self {
            ctx: Context::new(),
            builder_ctx: FunctionBuilderContext::new(),
            allocs: FuncValidatorAllocations::default(),
        }
    }
}

/// A fresh validator for a body. `FuncToValidate` is consumed by `into_validator`, so it is
/// rebuilt from its public parts; the resources are shared behind an `Arc`.
pub(crate) fn rebuild_validator(
    v: &FuncToValidate<ValidatorResources>,
    allocs: FuncValidatorAllocations,
) -> FuncValidator<ValidatorResources> {
    FuncToValidate {
        resources: v.resources.clone(),
        index: v.index,
        ty: v.ty,
        features: v.features,
    }
    .into_validator(allocs)
}

pub(crate) fn codegen(func: FuncIndex, message: String) -> CompileError {
    CompileError::Codegen { func, message }
}

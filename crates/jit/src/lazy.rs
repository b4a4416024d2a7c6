//! Lazy compilation: a module whose bodies are compiled on their first call.
//!
//! [`Compiler::prepare_lazy`] validates every body (in parallel, so an invalid module
//! is still rejected at once) and lays out the module's first text section without
//! compiling any body:
//!
//! - one stub per defined function, a copy of its signature's stub template (see
//!   `trampolines::lazy_stub`) with the function's index filled in: copying and patching
//!   costs nothing like running Cranelift per function;
//! - an array-to-wasm trampoline per escaping function, copied from its signature's
//!   template the same way, calling the stub;
//! - the wasm-to-array trampolines of imported functions, and every builtin trampoline,
//!   since the bodies compiled later may call any builtin.
//!
//! [`Compiler::compile_lazy`] then compiles some of the bodies into a text section of
//! their own, with the same settings as eager compilation. That code calls the
//! functions of its own section directly (a recursive function calls itself as eager
//! code does), other defined functions through the module's lazy code table, and
//! builtin trampolines by absolute address, so it runs wherever it is mapped.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use environ::wasmparser::{BinaryReader, FuncToValidate, FunctionBody, ValidatorResources};
use environ::{
    BuiltinFunction, CompileError, CompiledFunction, CompiledModuleInfo, DefinedFuncIndex,
    EntityVec, FuncIndex, FunctionBodyData, Module, ModuleTranslation,
};

use crate::artifacts::{CallTarget, FunctionCode, Placed, TextBuilder};
use crate::compiler::{Compiler, Layout, Scratch, codegen, link_error, rebuild_validator};
use crate::func_env::FuncEnv;
use crate::{trampolines, translate};

/// A module prepared for lazy compilation: its first text section (stubs and
/// trampolines, no bodies) and where each body lies in the module's bytes.
#[derive(Debug)]
pub struct LazyModule {
    /// Stubs and trampolines, fully linked. `info.functions[f].wasm_call` is `f`'s stub.
    pub text: Vec<u8>,
    /// Where each stub and trampoline lies, and their trap sites.
    pub info: CompiledModuleInfo,
    /// The module's metadata.
    pub module: Module,
    /// Each body, to compile later against the module's bytes.
    pub bodies: EntityVec<DefinedFuncIndex, LazyBody>,
    /// Each builtin's trampoline, as an offset in `text`, by `BuiltinFunction::index`.
    pub builtin_trampolines: Vec<u32>,
}

/// Where a body lies in the module's bytes, and what validates it again while it is
/// translated.
#[derive(Debug)]
pub struct LazyBody {
    range: Range<usize>,
    validator: FuncToValidate<ValidatorResources>,
}

impl LazyBody {
    /// The body's size in bytes, a cheap estimate of its compile time.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Whether the body is empty (never true of a decoded body).
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

/// Some bodies of a lazily compiled module, compiled into a text section of their own.
#[derive(Debug)]
pub struct LazyCode {
    /// The code, fully linked (builtin trampolines by absolute address).
    pub text: Vec<u8>,
    /// Position `i` of `info.functions` is the body of `funcs[i]`.
    pub info: CompiledModuleInfo,
    /// The functions compiled, in the order of `info.functions`.
    pub funcs: Vec<DefinedFuncIndex>,
    /// The defined functions they call directly, in order of first call: a cheap guess
    /// at what runs next.
    pub callees: Vec<DefinedFuncIndex>,
}

impl Compiler {
    /// Whether every valid body compiles on this host, so deferring compilation cannot
    /// turn an error `Module::new` would report into one at a first call: false on a
    /// host without SSE4.1, where SIMD operators are `Unsupported`.
    pub fn compiles_every_valid_body(&self) -> bool {
        crate::isa::has_native_rounding(&*self.isa)
    }

    /// Validates every body and lays out the stubs and trampolines of a lazily compiled
    /// module (see the module documentation).
    ///
    /// # Errors
    ///
    /// As for [`Compiler::compile_module`]: the first invalid body in index order, or
    /// Cranelift rejecting a trampoline.
    pub fn prepare_lazy(
        &self,
        translation: ModuleTranslation<'_>,
    ) -> Result<LazyModule, CompileError> {
        let ModuleTranslation {
            module,
            function_bodies,
            ..
        } = translation;
        self.validate_bodies(function_bodies.as_slice())?;
        let env = FuncEnv::new(&module, &self.tunables, &*self.isa);
        let mut layout = Layout::new(self, &env);
        let mut info = CompiledModuleInfo::default();
        let mut stubs: HashMap<(environ::TypeIndex, bool), FunctionCode> = HashMap::new();
        let o = &env.offsets;
        for defined in function_bodies.keys() {
            let func = module.func_index(defined);
            let decl = &module.functions[func];
            let func_ref_field = decl
                .func_ref
                .map(|slot| o.vmctx_func_ref(slot) + o.vm_func_ref_wasm_call());
            let template = match stubs.entry((decl.ty, func_ref_field.is_some())) {
                Entry::Occupied(entry) => entry.into_mut(),
                Entry::Vacant(entry) => {
                    let ty = &module.types[decl.ty];
                    let escapes = func_ref_field.is_some();
                    let stub = trampolines::lazy_stub(&env, ty, escapes, &mut layout.builder_ctx);
                    entry.insert(self.compile_function(&mut layout.ctx, stub, func)?)
                }
            };
            let index = u64::from(defined.as_u32());
            let code = template.instantiate(func, index, func_ref_field.map_or(0, u64::from));
            let wasm_call = layout.append(&code)?;
            info.functions.push(CompiledFunction {
                wasm_call,
                array_call: None,
            });
        }
        let mut array_calls: HashMap<environ::TypeIndex, FunctionCode> = HashMap::new();
        for defined in function_bodies.keys() {
            let func = module.func_index(defined);
            let decl = &module.functions[func];
            if decl.func_ref.is_none() {
                continue;
            }
            let template = match array_calls.entry(decl.ty) {
                Entry::Occupied(entry) => entry.into_mut(),
                Entry::Vacant(entry) => {
                    let trampoline =
                        trampolines::lazy_array_to_wasm(&env, func, &mut layout.builder_ctx);
                    entry.insert(self.compile_function(&mut layout.ctx, trampoline, func)?)
                }
            };
            let code = template.instantiate(func, u64::from(defined.as_u32()), 0);
            info.functions[defined].array_call = Some(layout.append(&code)?);
        }
        layout.wasm_to_array_trampolines(&mut info)?;
        let all: BTreeSet<u32> = BuiltinFunction::ALL.iter().map(|b| b.index()).collect();
        let builtins = layout.builtin_trampolines_for(all)?;
        // A trampoline's call of a wasm function goes to its stub, which `info` places
        // where eager code's body would be.
        let text = layout.finish(&mut info, &builtins)?;
        let builtin_trampolines = builtins
            .iter()
            .map(|loc| loc.map_or(0, |l| l.start))
            .collect();
        let bodies = function_bodies
            .into_iter()
            .map(|body| LazyBody {
                range: to_usize_range(body.body.range()),
                validator: body.validator,
            })
            .collect();
        Ok(LazyModule {
            text,
            info,
            module,
            bodies,
            builtin_trampolines,
        })
    }

    /// Validates every body on the compilation threads; the error is that of the first
    /// invalid body in index order.
    fn validate_bodies(&self, bodies: &[FunctionBodyData<'_>]) -> Result<(), CompileError> {
        self.for_each_body(bodies, |_, body, scratch: &mut Scratch| {
            let allocs = std::mem::take(&mut scratch.allocs);
            let mut validator = rebuild_validator(&body.validator, allocs);
            let result = validator.validate(&body.body).map_err(CompileError::from);
            scratch.allocs = validator.into_allocations();
            result
        })
        .into_iter()
        .collect()
    }

    /// Compiles the bodies of `funcs` of a module prepared by
    /// [`Compiler::prepare_lazy`] into one text section. `wasm` is the module's bytes;
    /// `builtin_trampolines` the address of each builtin's trampoline, by
    /// `BuiltinFunction::index`.
    ///
    /// # Errors
    ///
    /// A body outside `wasm` (the caller mixed modules up), or Cranelift rejecting one.
    pub fn compile_lazy(
        &self,
        module: &Module,
        wasm: &[u8],
        funcs: &[(DefinedFuncIndex, &LazyBody)],
        builtin_trampolines: &[u64],
    ) -> Result<LazyCode, CompileError> {
        let section = funcs.iter().map(|&(defined, _)| module.func_index(defined));
        let env = FuncEnv::new(module, &self.tunables, &*self.isa).for_lazy_code(section);
        let mut scratch = Scratch::default();
        let mut text = TextBuilder::default();
        let align = self.isa.function_alignment().preferred;
        let mut info = CompiledModuleInfo::default();
        let mut callees = Vec::new();
        for &(defined, body) in funcs {
            let func = module.func_index(defined);
            let bytes = wasm.get(body.range.clone()).ok_or_else(|| {
                let (range, len) = (&body.range, wasm.len());
                codegen(
                    func,
                    format!("its body at {range:?} is outside the module's {len} bytes"),
                )
            })?;
            let offset = body.range.start as u64;
            let reader = BinaryReader::new_features(bytes, offset, body.validator.features);
            let allocs = std::mem::take(&mut scratch.allocs);
            let mut validator = rebuild_validator(&body.validator, allocs);
            let translated = translate::translate_function_with_callees(
                &env,
                func,
                &FunctionBody::new(reader),
                &mut validator,
                &mut scratch.builder_ctx,
            );
            scratch.allocs = validator.into_allocations();
            let (clif, called) = translated?;
            let code = self.compile_function(&mut scratch.ctx, clif, func)?;
            let wasm_call = text.append(&code, align).map_err(link_error)?;
            info.functions.push(CompiledFunction {
                wasm_call,
                array_call: None,
            });
            callees.extend(
                called
                    .into_iter()
                    .filter_map(|f: FuncIndex| module.defined_func_index(f)),
            );
        }
        let functions = &info.functions;
        let lookup = |target: CallTarget| match target {
            CallTarget::Builtin(b) => builtin_trampolines
                .get(b.index() as usize)
                .map(|&address| Placed::Absolute(address)),
            // A direct call within the section.
            CallTarget::Wasm(f) => funcs
                .iter()
                .position(|&(defined, _)| module.func_index(defined) == f)
                .and_then(|position| functions.as_slice().get(position))
                .map(|c| Placed::Offset(c.wasm_call.start)),
            CallTarget::LazyIndex | CallTarget::LazyFuncRef => None,
        };
        let text = text
            .finish(lookup)
            .map_err(link_error)?
            .into_text(&mut info);
        Ok(LazyCode {
            text,
            info,
            funcs: funcs.iter().map(|&(f, _)| f).collect(),
            callees,
        })
    }
}

/// A byte range of the module, which is in memory, so its offsets fit in `usize`.
fn to_usize_range(range: Range<u64>) -> Range<usize> {
    let clamp = |offset: u64| usize::try_from(offset).unwrap_or(usize::MAX);
    clamp(range.start)..clamp(range.end)
}

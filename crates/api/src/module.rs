//! `Module`: a validated, compiled and published WebAssembly module, shared by every store
//! of its engine.

use std::sync::{Arc, OnceLock};

use environ::EntityType;
use vm::{CodeMemory, VMSharedTypeIndex};

use crate::config::CompilationStrategy;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::signatures::TypeIds;
use crate::types::{ExternType, FuncType};

mod artifact;
mod lazy;

pub(crate) use lazy::LazyFunctions;

/// A compiled module. Cheap to clone; instantiate it in any store of its engine.
#[derive(Clone)]
pub struct Module {
    inner: Arc<ModuleInner>,
}

struct ModuleInner {
    engine: Engine,
    env: Arc<environ::Module>,
    code: CodeMemory,
    /// The module's types as the API sees them (concrete references resolved), by
    /// `TypeIndex`.
    types: Box<[FuncType]>,
    /// The module's types' engine-wide ids, registered for as long as the module (and so
    /// any instance of it) lives.
    type_ids: TypeIds,
    /// The copy-on-write images of the module's memories, made at its first
    /// instantiation when the engine maps images (`None` when it copies, or when the
    /// images could not be made).
    memory_images: OnceLock<Option<vm::MemoryImages>>,
    /// What every instantiation hands the vm, computed once: the `VMContext` layout and
    /// each defined function's entries.
    offsets: environ::VMOffsets,
    function_code: environ::EntityVec<environ::DefinedFuncIndex, vm::DefinedFunctionCode>,
    /// The function of each `VMFuncRef` slot, by `FuncRefIndex`.
    escaping_funcs: Box<[environ::FuncIndex]>,
    /// A lazily compiled module's functions (`code` then holds stubs, not bodies), as
    /// itself and as the vm sees it.
    lazy: Option<(Arc<LazyFunctions>, Arc<dyn vm::LazyCompiler>)>,
}

/// What a lazily compiled module adds to its first section.
struct LazyParts {
    wasm: Arc<[u8]>,
    bodies: environ::EntityVec<environ::DefinedFuncIndex, jit::LazyBody>,
    builtin_trampolines: Vec<u32>,
}

/// An import a module declares.
#[derive(Clone, Debug)]
pub struct ImportType<'a> {
    /// The module name.
    pub module: &'a str,
    /// The field name.
    pub name: &'a str,
    /// The type the import must have.
    pub ty: ExternType,
}

/// An export a module declares.
#[derive(Clone, Debug)]
pub struct ExportType<'a> {
    /// The exported name.
    pub name: &'a str,
    /// The exported entity's type.
    pub ty: ExternType,
}

impl Module {
    /// Validates and compiles a module from its binary encoding or its text format.
    ///
    /// # Errors
    ///
    /// Malformed text, a malformed or invalid binary (with the byte offset), a proposal
    /// this engine does not accept, or a failure to publish code.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Self> {
        Self::from_binary(engine, &to_binary(bytes.as_ref())?)
    }

    /// Validates and compiles a module from its binary encoding only: bytes without the
    /// `\0asm` magic are a malformed binary, never read as text.
    ///
    /// # Errors
    ///
    /// As for [`Module::new`], minus the text format's errors.
    pub fn from_binary(engine: &Engine, wasm: &[u8]) -> Result<Self> {
        // Where some valid bodies cannot compile (SIMD without SSE4.1), compiling
        // eagerly reports that at once rather than at a first call.
        if engine.config().compilation_strategy == CompilationStrategy::Lazy
            && engine.compiler().compiles_every_valid_body()
        {
            return Self::from_binary_lazily(engine, wasm);
        }
        let translation = environ::translate_module(wasm, engine.config().features)?;
        let compiled = engine.compiler().compile_module(translation)?;
        Self::from_compiled(
            engine,
            compiled.module,
            &compiled.text,
            Arc::new(compiled.info),
            None,
        )
    }

    /// Validates every body but compiles none: the module starts with stubs, and keeps
    /// its bytes to compile each function on its first call.
    fn from_binary_lazily(engine: &Engine, wasm: &[u8]) -> Result<Self> {
        let wasm: Arc<[u8]> = Arc::from(wasm);
        let translation = environ::translate_module(&wasm, engine.config().features)?;
        let prepared = engine.compiler().prepare_lazy(translation)?;
        let lazy = LazyParts {
            wasm: Arc::clone(&wasm),
            bodies: prepared.bodies,
            builtin_trampolines: prepared.builtin_trampolines,
        };
        Self::from_compiled(
            engine,
            prepared.module,
            &prepared.text,
            Arc::new(prepared.info),
            Some(lazy),
        )
    }

    /// A module from its compiled parts, freshly compiled or loaded from an artifact:
    /// publishes the code and registers the signatures.
    fn from_compiled(
        engine: &Engine,
        env: environ::Module,
        text: &[u8],
        info: Arc<environ::CompiledModuleInfo>,
        lazy: Option<LazyParts>,
    ) -> Result<Self> {
        let code = CodeMemory::publish(text, info)?;
        let env = Arc::new(env);
        let lazy = lazy.map(|parts| {
            let functions = Arc::new(LazyFunctions::new(
                engine,
                Arc::clone(&env),
                parts.wasm,
                parts.bodies,
                &parts.builtin_trampolines,
                &code,
            ));
            let as_vm: Arc<dyn vm::LazyCompiler> = functions.clone();
            (functions, as_vm)
        });
        let mut types: Vec<FuncType> = Vec::with_capacity(env.types.len());
        for ty in env.types.values() {
            let converted = FuncType::convert(ty, &types);
            types.push(converted);
        }
        let types = types.into_boxed_slice();
        let type_ids = engine.signatures().register_all(types.iter());
        let offsets = environ::VMOffsets::for_host(&env);
        let function_code = code.function_code();
        let mut escaping_funcs = vec![environ::FuncIndex::from_u32(0); env.num_escaped_funcs];
        for (func, decl) in env.functions.iter() {
            if let Some(slot) = decl
                .func_ref
                .and_then(|s| escaping_funcs.get_mut(s.as_u32() as usize))
            {
                *slot = func;
            }
        }
        Ok(Self {
            inner: Arc::new(ModuleInner {
                offsets,
                function_code,
                escaping_funcs: escaping_funcs.into_boxed_slice(),
                engine: engine.clone(),
                env,
                code,
                lazy,
                types,
                type_ids,
                memory_images: OnceLock::new(),
            }),
        })
    }

    /// Checks that `wasm`, a module's binary encoding, is valid for `engine` without
    /// compiling it. As in Wasmtime, the text format is not accepted here: bytes without
    /// the `\0asm` magic are a malformed binary.
    ///
    /// # Errors
    ///
    /// A [`CompileError::Invalid`](crate::CompileError::Invalid) for a malformed or
    /// invalid binary, with its byte offset, or an `Unsupported` one for a proposal this
    /// engine does not accept.
    pub fn validate(engine: &Engine, wasm: &[u8]) -> Result<()> {
        let translation = environ::translate_module(wasm, engine.config().features)?;
        let mut allocations = environ::wasmparser::FuncValidatorAllocations::default();
        for body in translation.function_bodies {
            let mut validator = body.validator.into_validator(allocations);
            validator
                .validate(&body.body)
                .map_err(environ::CompileError::from)?;
            allocations = validator.into_allocations();
        }
        Ok(())
    }

    /// The module's `VMContext` layout on this host.
    pub(crate) fn offsets(&self) -> &environ::VMOffsets {
        &self.inner.offsets
    }

    /// A lazily compiled module's functions, as the vm's instances see them.
    pub(crate) fn lazy_compiler(&self) -> Option<&Arc<dyn vm::LazyCompiler>> {
        self.inner.lazy.as_ref().map(|(_, as_vm)| as_vm)
    }

    /// A lazily compiled module's functions.
    pub(crate) fn lazy(&self) -> Option<&Arc<LazyFunctions>> {
        self.inner.lazy.as_ref().map(|(functions, _)| functions)
    }

    /// For a lazily compiled module, how many of its functions are compiled so far;
    /// `None` for a module compiled eagerly (or loaded from an artifact), whose
    /// functions all are.
    pub fn compiled_functions(&self) -> Option<usize> {
        self.lazy().map(|lazy| lazy.compiled_count())
    }

    /// The function of each `VMFuncRef` slot, by `FuncRefIndex`.
    pub(crate) fn escaping_funcs(&self) -> &[environ::FuncIndex] {
        &self.inner.escaping_funcs
    }

    /// Each defined function's published entries.
    pub(crate) fn function_code(
        &self,
    ) -> &environ::EntityVec<environ::DefinedFuncIndex, vm::DefinedFunctionCode> {
        &self.inner.function_code
    }

    /// The images to map into the memories of a new instance, or `None` to copy the
    /// data segments. A failure to make them (out of file descriptors, say) is not an
    /// error: instances then copy.
    pub(crate) fn memory_images(&self) -> Option<&vm::MemoryImages> {
        if !self.inner.engine.config().memory_init_cow {
            return None;
        }
        let images = self.inner.memory_images.get_or_init(|| {
            let env = &self.inner.env;
            if env.static_init.memories.values().all(Option::is_none) {
                return None;
            }
            vm::MemoryImages::new(env).ok()
        });
        images.as_ref()
    }

    /// The module's name from its name section, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.inner.env.names.module.as_deref()
    }

    /// The imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        let env = &self.inner.env;
        env.imports.iter().map(move |import| ImportType {
            module: &import.module,
            name: &import.field,
            ty: ExternType::from_wasm(&self.inner.types, &import.ty),
        })
    }

    /// The exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        let env = &self.inner.env;
        env.exports.iter().map(move |export| ExportType {
            name: &export.name,
            ty: ExternType::from_wasm(&self.inner.types, &env.entity_type(export.index)),
        })
    }

    /// The type of the export called `name`, if there is one.
    pub fn get_export(&self, name: &str) -> Option<ExternType> {
        let env = &self.inner.env;
        let export = env.export(name)?;
        Some(ExternType::from_wasm(
            &self.inner.types,
            &env.entity_type(export.index),
        ))
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn env(&self) -> &Arc<environ::Module> {
        &self.inner.env
    }

    pub(crate) fn code(&self) -> &CodeMemory {
        &self.inner.code
    }

    /// The module's types as the API sees them, by `TypeIndex`.
    pub(crate) fn types(&self) -> &[FuncType] {
        &self.inner.types
    }

    /// The signature of the module's type `index`.
    pub(crate) fn func_type(&self, index: environ::TypeIndex) -> &FuncType {
        &self.inner.types[index.as_u32() as usize]
    }

    pub(crate) fn type_ids(&self) -> &Arc<[VMSharedTypeIndex]> {
        self.inner.type_ids.ids()
    }

    /// The type an import must have, in API terms.
    pub(crate) fn import_type(&self, ty: &EntityType) -> ExternType {
        ExternType::from_wasm(&self.inner.types, ty)
    }

    /// How many entities the module defines, for diagnostics.
    pub(crate) fn num_defined_funcs(&self) -> usize {
        self.inner.env.functions.len() - self.inner.env.num_imported_funcs
    }
}

impl core::fmt::Debug for Module {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.name())
            .field("functions", &self.num_defined_funcs())
            .finish_non_exhaustive()
    }
}

/// The binary encoding of a module given as binary or text.
fn to_binary(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    if bytes.starts_with(b"\0asm") {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    wat::parse_bytes(bytes).map_err(|e| Error::msg(format!("invalid text module: {e}")))
}

//! Allocating an instance: the request the API fills in, the `InstanceAllocator` trait
//! with its on-demand implementation, and writing every `VMContext` field from
//! `VMOffsets`.

use core::alloc::Layout;
use core::fmt;
use core::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use environ::{
    ConstOp, DefinedFuncIndex, DefinedMemoryIndex, DefinedTableIndex, DefinedTagIndex, EntityVec,
    FuncIndex, FuncRefIndex, GlobalIndex, MemoryIndex, Module, TableIndex, Tunables, TypeIndex,
    VMCONTEXT_MAGIC, VMOffsets,
};

use super::{Instance, InstanceHandle};
use crate::ValRaw;
use crate::lazy_code::LazyCompiler;
use crate::libcalls::BUILTINS;
use crate::memory::LinearMemory;
use crate::memory_image::{MemoryImage, MemoryImages};
use crate::pool::InstanceToken;
use crate::store::{HostError, ResourceLimiter};
use crate::table::{LazyImage, Table};
use crate::vmcontext::{
    VMArrayCallFunction, VMContext, VMFuncRef, VMFunctionImport, VMGlobalDefinition,
    VMGlobalImport, VMMemoryDefinition, VMMemoryImport, VMSharedTypeIndex, VMStoreContext,
    VMTableImport, VMTag, VMWasmCallFunction,
};

/// Why an instance could not be allocated.
#[derive(Debug)]
pub enum InstantiationError {
    /// The OS refused memory.
    Resource(std::io::Error),
    /// A size limit was exceeded or the store's limiter said no.
    Limit(String),
    /// The store's limiter failed.
    Host(HostError),
    /// The request does not fit the module (an API bug).
    Mismatch(String),
    /// The module uses something this runtime cannot instantiate.
    Unsupported(&'static str),
}

impl fmt::Display for InstantiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Resource(error) => write!(f, "out of resources: {error}"),
            Self::Limit(message) => write!(f, "limit exceeded: {message}"),
            Self::Host(error) => write!(f, "resource limiter failed: {error}"),
            Self::Mismatch(message) => write!(f, "instantiation request mismatch: {message}"),
            Self::Unsupported(what) => write!(f, "unsupported: {what}"),
        }
    }
}

impl std::error::Error for InstantiationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Resource(error) => Some(error),
            Self::Host(error) => Some(error.as_error()),
            _ => None,
        }
    }
}

/// The imports of one instance, resolved by the API, in each index space's order.
#[derive(Copy, Clone, Debug, Default)]
pub struct ResolvedImports<'a> {
    /// Imported functions.
    pub functions: &'a [VMFunctionImport],
    /// Imported tables.
    pub tables: &'a [VMTableImport],
    /// Imported memories.
    pub memories: &'a [VMMemoryImport],
    /// Imported globals.
    pub globals: &'a [VMGlobalImport],
    /// Imported exception tags.
    pub tags: &'a [VMTag],
}

/// Where a defined function's code was published.
#[derive(Copy, Clone, Debug)]
pub struct DefinedFunctionCode {
    /// The body, with the wasm calling convention.
    pub wasm_call: NonNull<VMWasmCallFunction>,
    /// The array-call entry; required for functions that escape.
    pub array_call: Option<VMArrayCallFunction>,
}

// SAFETY: both entries point at published code, which is immutable and lives as long
// as the module that owns it; sharing or sending the addresses touches nothing.
unsafe impl Send for DefinedFunctionCode {}
// SAFETY: as above.
unsafe impl Sync for DefinedFunctionCode {}

/// Everything needed to allocate an instance.
///
/// The pointers must stay valid for the instance's life: the store context, the epoch
/// counter, the imported entities' owners and the published code.
pub struct InstanceAllocationRequest<'a> {
    /// The module to instantiate.
    pub module: Arc<Module>,
    /// The module's `VMContext` layout for this host.
    pub offsets: VMOffsets,
    /// Resolved imports.
    pub imports: ResolvedImports<'a>,
    /// Engine-wide ids of the module's types, indexed by `TypeIndex`.
    pub type_ids: Arc<[VMSharedTypeIndex]>,
    /// The store's context.
    pub store_context: NonNull<VMStoreContext>,
    /// The engine's epoch counter.
    pub epoch_counter: NonNull<AtomicU64>,
    /// The published code of each defined function.
    pub functions: &'a EntityVec<DefinedFuncIndex, DefinedFunctionCode>,
    /// Memory layout settings.
    pub tunables: &'a Tunables,
    /// The module's memory images, mapped into its memories (`None` initialises every
    /// memory by copying its segments).
    pub memory_images: Option<&'a MemoryImages>,
    /// For a lazily compiled module, its compiler and code table; `functions` then
    /// holds each function's stub.
    pub lazy: Option<&'a Arc<dyn LazyCompiler>>,
}

/// Allocates instances with their memories and tables. A pooling allocator can
/// implement this later without the API changing.
pub trait InstanceAllocator {
    /// Allocates an instance and initialises every `VMContext` field and the defined
    /// globals; segments are applied by [`InstanceHandle::initialize`].
    ///
    /// # Errors
    ///
    /// When the request does not match the module, a limit is hit, or memory runs out.
    ///
    /// `limiter` is the store's, asked before each memory and table is created (`None`
    /// for no limits); it is borrowed only for this call.
    ///
    /// # Safety
    ///
    /// Every pointer in the request must stay valid, and every import's owner alive,
    /// for as long as the returned handle lives.
    unsafe fn allocate(
        &self,
        request: InstanceAllocationRequest<'_>,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<InstanceHandle, InstantiationError>;
}

/// A shorter borrow of an optional limiter, for one call.
fn reborrow<'s>(
    limiter: &'s mut Option<&mut dyn ResourceLimiter>,
) -> Option<&'s mut dyn ResourceLimiter> {
    match limiter {
        Some(limiter) => Some(&mut **limiter),
        None => None,
    }
}

/// Allocates each instance, memory and table on demand with the global allocator and
/// fresh mappings.
#[derive(Copy, Clone, Debug, Default)]
pub struct OnDemandInstanceAllocator;

impl InstanceAllocator for OnDemandInstanceAllocator {
    unsafe fn allocate(
        &self,
        request: InstanceAllocationRequest<'_>,
        mut limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<InstanceHandle, InstantiationError> {
        check_request(&request)?;
        let module = &request.module;
        let mut memories = EntityVec::new();
        for (ty, image) in defined_memories(&request) {
            memories.push(LinearMemory::new(
                ty,
                request.tunables,
                reborrow(&mut limiter),
                image,
            )?);
        }
        let mut tables = EntityVec::new();
        for (_, ty) in module.tables.iter().skip(module.num_imported_tables) {
            tables.push(Table::new(*ty, reborrow(&mut limiter))?);
        }
        // SAFETY: the caller's promises about the request's pointers carry over.
        unsafe { allocate_instance(request, memories, tables, None) }
    }
}

/// The type of each memory the module defines, with its image if the request has one.
pub(crate) fn defined_memories<'r>(
    request: &'r InstanceAllocationRequest<'_>,
) -> impl Iterator<Item = (environ::MemoryType, Option<&'r MemoryImage>)> + 'r {
    let module = &request.module;
    let images = request.memory_images;
    module
        .memories
        .iter()
        .skip(module.num_imported_memories)
        .map(move |(memory, ty)| {
            let image = module
                .defined_memory_index(memory)
                .and_then(|defined| images?.get(defined));
            (*ty, image)
        })
}

fn mismatch(what: &str, expected: usize, got: usize) -> InstantiationError {
    InstantiationError::Mismatch(format!("expected {expected} {what}, got {got}"))
}

pub(crate) fn check_request(
    request: &InstanceAllocationRequest<'_>,
) -> Result<(), InstantiationError> {
    let module = &request.module;
    let imports = &request.imports;
    let counts = [
        (
            "imported functions",
            module.num_imported_funcs,
            imports.functions.len(),
        ),
        (
            "imported tables",
            module.num_imported_tables,
            imports.tables.len(),
        ),
        (
            "imported memories",
            module.num_imported_memories,
            imports.memories.len(),
        ),
        (
            "imported globals",
            module.num_imported_globals,
            imports.globals.len(),
        ),
        (
            "imported tags",
            module.num_imported_tags,
            imports.tags.len(),
        ),
        ("type ids", module.types.len(), request.type_ids.len()),
        (
            "defined functions",
            module.num_defined_funcs(),
            request.functions.len(),
        ),
    ];
    for (what, expected, got) in counts {
        if expected != got {
            return Err(mismatch(what, expected, got));
        }
    }
    // The API passes the layout it computed once per module; recomputing it to compare
    // would cost as much as the rest of the check, so only debug builds do.
    if cfg!(debug_assertions) && request.offsets != VMOffsets::for_host(module) {
        return Err(InstantiationError::Mismatch(
            "offsets are for another module".into(),
        ));
    }
    if let Some(lazy) = request.lazy
        && lazy.table().len() != module.num_defined_funcs()
    {
        return Err(mismatch(
            "lazily compiled functions",
            module.num_defined_funcs(),
            lazy.table().len(),
        ));
    }
    for (defined, code) in request.functions.iter() {
        let func = module.func_index(defined);
        if module.functions[func].func_ref.is_some() && code.array_call.is_none() {
            return Err(InstantiationError::Mismatch(format!(
                "function {func} escapes but has no array-call entry"
            )));
        }
    }
    Ok(())
}

fn instance_layout(offsets: &VMOffsets) -> Result<Layout, InstantiationError> {
    let vmctx_size = usize::try_from(offsets.size_of_vmctx()).unwrap_or(usize::MAX);
    let size = Instance::VMCTX_OFFSET
        .checked_add(vmctx_size)
        .ok_or_else(|| InstantiationError::Limit("VMContext size".into()))?
        .max(size_of::<Instance>());
    Layout::from_size_align(size, align_of::<Instance>())
        .map_err(|_| InstantiationError::Limit("VMContext size".into()))
}

/// Allocates the instance and its VMContext in one block and initialises both.
///
/// # Safety
///
/// As for [`InstanceAllocator::allocate`]; the request must have passed `check_request`.
pub(crate) unsafe fn allocate_instance(
    request: InstanceAllocationRequest<'_>,
    memories: EntityVec<DefinedMemoryIndex, LinearMemory>,
    tables: EntityVec<DefinedTableIndex, Table>,
    pool_token: Option<InstanceToken>,
) -> Result<InstanceHandle, InstantiationError> {
    let layout = instance_layout(&request.offsets)?;
    // SAFETY: the layout has a non-zero size (it holds at least an `Instance`).
    let raw = unsafe { std::alloc::alloc_zeroed(layout) };
    let Some(raw) = NonNull::new(raw) else {
        return Err(InstantiationError::Resource(std::io::Error::from(
            std::io::ErrorKind::OutOfMemory,
        )));
    };
    let module = Arc::clone(&request.module);
    let instance_ptr = raw.cast::<Instance>();
    // SAFETY: the VMContext starts VMCTX_OFFSET bytes in, inside the allocation.
    let vmctx_ptr = unsafe { raw.byte_add(Instance::VMCTX_OFFSET) }.cast::<VMContext>();
    let defined_tags = (0..module.num_defined_tags()).map(|i| VMTag {
        owner: vmctx_ptr.as_ptr(),
        index: DefinedTagIndex::from_u32(index_u32(i)),
    });
    let tags = request
        .imports
        .tags
        .iter()
        .copied()
        .chain(defined_tags)
        .collect();
    let instance = Instance {
        tags,
        dropped_elements: module.elements.values().map(|_| false).collect(),
        dropped_data: module.data.values().map(|_| false).collect(),
        module,
        offsets: request.offsets,
        memories,
        tables,
        type_ids: Arc::clone(&request.type_ids),
        lazy: request.lazy.cloned(),
        vmctx_ptr,
        _pool_token: pool_token,
        vmctx: VMContext::MARKER,
    };
    // SAFETY: the allocation is sized and aligned for an `Instance` and is fresh.
    unsafe { instance_ptr.write(instance) };
    let mut handle = InstanceHandle {
        instance: instance_ptr,
    };
    // SAFETY: the VMContext bytes are zeroed and sized by the same offsets; the request
    // pointers are valid by the caller's contract.
    unsafe { initialize_vmctx(handle.instance_mut().fields_mut(), &request) };
    if request.tunables.table_lazy_init {
        attach_table_images(handle.instance_mut().fields_mut());
    }
    Ok(handle)
}

/// Drops and frees an instance made by `allocate_instance`.
///
/// # Safety
///
/// `instance` must come from `allocate_instance` and must not be used afterwards.
pub(super) unsafe fn deallocate_instance(instance: NonNull<Instance>) {
    // SAFETY: the instance was allocated with this layout (its offsets are unchanged).
    let layout = instance_layout(unsafe { &instance.as_ref().offsets });
    // SAFETY: the instance is live and owned by the caller, who gives it up.
    unsafe { core::ptr::drop_in_place(instance.as_ptr()) };
    if let Ok(layout) = layout {
        // SAFETY: allocated by `alloc_zeroed` with this same layout.
        unsafe { std::alloc::dealloc(instance.as_ptr().cast(), layout) };
    }
}

/// Initialises every VMContext field in layout order, through the typed setters of
/// `vmctx_fields.rs`.
///
/// # Safety
///
/// The request's pointers must be valid and match the instance's module.
unsafe fn initialize_vmctx(instance: &mut Instance, request: &InstanceAllocationRequest<'_>) {
    let module = Arc::clone(&instance.module);
    instance.set_magic(VMCONTEXT_MAGIC);
    instance.set_store_context(request.store_context);
    instance.set_builtin_functions(&raw const BUILTINS);
    instance.set_epoch_counter(request.epoch_counter);
    instance.set_type_ids(instance.type_ids.as_ptr());
    let lazy_table = instance
        .lazy
        .as_ref()
        .map_or(core::ptr::null(), |lazy| lazy.table().as_ptr());
    instance.set_lazy_code_table(lazy_table);
    for (i, import) in request.imports.memories.iter().enumerate() {
        instance.set_memory_import(MemoryIndex::from_u32(index_u32(i)), *import);
    }
    for defined in instance.memories.keys() {
        let Some(owned) = module.owned_memory_index(defined) else {
            continue;
        };
        let definition = instance.memories[defined].vmmemory();
        instance.set_memory_definition(owned, definition);
        let slot = instance.offsets.vmctx_vmmemory_definition(owned);
        let pointer: *mut VMMemoryDefinition = instance.vmctx_plus(slot);
        instance.set_memory_pointer(defined, pointer);
    }
    for (i, import) in request.imports.functions.iter().enumerate() {
        instance.set_function_import(FuncIndex::from_u32(index_u32(i)), *import);
    }
    for (i, import) in request.imports.tables.iter().enumerate() {
        instance.set_table_import(TableIndex::from_u32(index_u32(i)), *import);
    }
    for (i, import) in request.imports.globals.iter().enumerate() {
        instance.set_global_import(GlobalIndex::from_u32(index_u32(i)), *import);
    }
    for table in instance.tables.keys() {
        instance.publish_table(table);
    }
    // SAFETY: as above.
    unsafe { initialize_func_refs(instance, request) };
    initialize_globals(instance);
}

pub(super) fn index_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Writes the `VMFuncRef` of every escaping function.
///
/// # Safety
///
/// As for `initialize_vmctx`; imports must already be written.
unsafe fn initialize_func_refs(instance: &Instance, request: &InstanceAllocationRequest<'_>) {
    let module = &instance.module;
    for (func, decl) in module.functions.iter() {
        let Some(slot) = decl.func_ref else { continue };
        let type_index = type_id(instance, decl.ty);
        let func_ref = match module.defined_func_index(func) {
            None => {
                let import = request.imports.functions[func.as_u32() as usize];
                VMFuncRef {
                    array_call: import.array_call,
                    wasm_call: Some(import.wasm_call),
                    type_index,
                    vmctx: import.vmctx,
                }
            }
            Some(defined) => {
                let code = request.functions[defined];
                let Some(array_call) = code.array_call else {
                    continue;
                };
                VMFuncRef {
                    array_call,
                    wasm_call: Some(code.wasm_call),
                    type_index,
                    vmctx: instance.vmctx(),
                }
            }
        };
        instance.set_func_ref(slot, func_ref);
    }
}

/// Gives each defined table with an image in the module its [`LazyImage`].
fn attach_table_images(instance: &mut Instance) {
    let module = Arc::clone(&instance.module);
    if module.num_escaped_funcs == 0 {
        return;
    }
    let func_refs: *mut VMFuncRef =
        instance.vmctx_plus(instance.offsets.vmctx_func_ref(FuncRefIndex::from_u32(0)));
    for (table, image) in module.static_init.tables.iter() {
        if let Some(image) = image {
            // SAFETY: the `VMFuncRef` array of this instance is initialised and holds
            // every function reference the module assigned, which is what images name;
            // the table is this instance's, so the array outlives it.
            let lazy = unsafe { LazyImage::new(Arc::clone(image), func_refs) };
            instance.tables[table].set_lazy_image(lazy);
        }
    }
}

fn type_id(instance: &Instance, ty: TypeIndex) -> VMSharedTypeIndex {
    instance.type_ids[ty.as_u32() as usize]
}

/// Evaluates every defined global's initialiser, in order, into the VMContext.
fn initialize_globals(instance: &Instance) {
    let module = &instance.module;
    for (defined, init) in module.global_inits.iter() {
        let value = instance.eval_const_expr(init.ops());
        let global = module.global_index(defined);
        let slot: *mut VMGlobalDefinition = instance.global_ptr(global);
        // SAFETY: the slot is this defined global's storage in our VMContext.
        unsafe { slot.write(VMGlobalDefinition::new(value)) };
    }
}

impl Instance {
    /// Evaluates a validated constant expression. Validation guarantees the stack holds
    /// the operands of every operator, so a missing one reads as zero rather than panics.
    pub(crate) fn eval_const_expr(&self, ops: &[ConstOp]) -> ValRaw {
        let mut stack: smallvec::SmallVec<[ValRaw; 4]> = smallvec::SmallVec::new();
        let pop = |stack: &mut smallvec::SmallVec<[ValRaw; 4]>| stack.pop().unwrap_or_default();
        for op in ops {
            let value = match *op {
                ConstOp::I32Const(value) => ValRaw::i32(value),
                ConstOp::I64Const(value) => ValRaw::i64(value),
                ConstOp::F32Const(bits) => ValRaw::f32(bits),
                ConstOp::F64Const(bits) => ValRaw::f64(bits),
                ConstOp::V128Const(value) => ValRaw::v128(value),
                ConstOp::RefNull(_) => ValRaw::reference(0),
                ConstOp::RefFunc(func) => {
                    ValRaw::reference(self.func_ref(func).map_or(0, |f| f.as_ptr() as usize))
                }
                ConstOp::GlobalGet(global) => {
                    // SAFETY: globals referenced by validated constant expressions are
                    // imported or earlier globals, already initialised.
                    unsafe { (*self.global_ptr(global)).get() }
                }
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    let (b, a) = (pop(&mut stack).get_i32(), pop(&mut stack).get_i32());
                    ValRaw::i32(match *op {
                        ConstOp::I32Add => a.wrapping_add(b),
                        ConstOp::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    })
                }
                ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                    let (b, a) = (pop(&mut stack).get_i64(), pop(&mut stack).get_i64());
                    ValRaw::i64(match *op {
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    })
                }
            };
            stack.push(value);
        }
        stack.pop().unwrap_or_default()
    }
}

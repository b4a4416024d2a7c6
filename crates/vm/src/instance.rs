//! `Instance`: one instantiated module, allocated together with its trailing
//! `VMContext` and never moved afterwards, so compiled code can hold `vmctx` pointers.
//! All mutation goes through `Pin<&mut Instance>`; `InstanceHandle` owns the allocation.

mod allocate;
mod bulk;
mod exports;
mod initialize;
mod vmctx_fields;

use core::mem::offset_of;
use core::pin::Pin;
use core::ptr::NonNull;
use std::sync::Arc;

use environ::{
    DataIndex, DefinedMemoryIndex, DefinedTableIndex, ElemIndex, EntityVec, FuncIndex, GlobalIndex,
    MemoryIndex, Module, TableIndex, TableType, TagIndex, VMOffsets,
};

pub use allocate::{
    DefinedFunctionCode, InstanceAllocationRequest, InstanceAllocator, InstantiationError,
    OnDemandInstanceAllocator, ResolvedImports,
};
pub(crate) use allocate::{allocate_instance, check_request, defined_memories};
pub use exports::Export;

use crate::ValRaw;
use crate::memory::LinearMemory;
use crate::store::{HostError, ResourceLimiter};
use crate::table::{Table, TableElement};
use crate::vmcontext::{
    VMContext, VMFuncRef, VMGlobalDefinition, VMGlobalImport, VMMemoryDefinition, VMMemoryImport,
    VMSharedTypeIndex, VMStoreContext, VMTableDefinition, VMTableImport, VMTag,
};

/// An instance of a module: its memories and tables, dropped-segment flags, and the
/// `VMContext` that follows it in the same allocation.
///
/// `#[repr(C)]` keeps `vmctx` last, so `from_vmctx` can step back from a `vmctx`
/// pointer to the instance.
#[repr(C)]
#[derive(Debug)]
pub struct Instance {
    module: Arc<Module>,
    offsets: VMOffsets,
    memories: EntityVec<DefinedMemoryIndex, LinearMemory>,
    tables: EntityVec<DefinedTableIndex, Table>,
    dropped_elements: EntityVec<ElemIndex, bool>,
    dropped_data: EntityVec<DataIndex, bool>,
    /// Every tag's identity, imports first (see [`VMTag`]).
    tags: EntityVec<TagIndex, VMTag>,
    /// Kept alive for the type-id pointer in the `VMContext` header.
    type_ids: Arc<[VMSharedTypeIndex]>,
    /// A lazily compiled module's compiler, kept alive for the code-table pointer in
    /// the `VMContext` header and asked by the `LazyCompile` builtin.
    lazy: Option<Arc<dyn crate::LazyCompiler>>,
    /// A pointer to `vmctx` derived from the whole allocation, so writes through it may
    /// reach the bytes past the end of `Instance`.
    vmctx_ptr: NonNull<VMContext>,
    /// The pooling allocator's count of live instances, decremented when this drops.
    _pool_token: Option<crate::pool::InstanceToken>,
    vmctx: VMContext,
}

impl Instance {
    /// Distance from the start of an `Instance` to its `VMContext`.
    pub const VMCTX_OFFSET: usize = offset_of!(Instance, vmctx);

    /// The instance whose `VMContext` is `vmctx`.
    ///
    /// # Safety
    ///
    /// - `vmctx` must be the `VMContext` of a live `Instance` (as compiled code and
    ///   imports receive it).
    /// - No other reference to that instance may be used while the result is alive.
    pub unsafe fn from_vmctx<'a>(vmctx: *mut VMContext) -> Pin<&'a mut Instance> {
        // SAFETY: `Instance` is #[repr(C)] with the VMContext at VMCTX_OFFSET, and the
        // caller guarantees `vmctx` is inside a live instance, so this is its start.
        let instance = unsafe { vmctx.byte_sub(Self::VMCTX_OFFSET) }.cast::<Instance>();
        // SAFETY: exclusivity is the caller's obligation; instances never move after
        // allocation, so pinning the reference is sound.
        unsafe { Pin::new_unchecked(&mut *instance) }
    }

    /// Unpins for field updates. Never used to move the instance itself.
    fn fields_mut(self: Pin<&mut Self>) -> &mut Self {
        // SAFETY: callers only assign to fields that do not depend on their own address
        // (memories, tables, flags); the instance and its vmctx stay where they are.
        unsafe { self.get_unchecked_mut() }
    }

    /// The module this is an instance of.
    pub fn module(&self) -> &Arc<Module> {
        &self.module
    }

    /// The compiler of a lazily compiled module's functions.
    pub(crate) fn lazy_compiler(&self) -> Option<&Arc<dyn crate::LazyCompiler>> {
        self.lazy.as_ref()
    }

    /// The `VMContext` layout.
    pub fn offsets(&self) -> &VMOffsets {
        &self.offsets
    }

    /// This instance's `VMContext`, as compiled code receives it.
    pub fn vmctx(&self) -> *mut VMContext {
        self.vmctx_ptr.as_ptr()
    }

    /// A pointer `offset` bytes into the `VMContext`.
    fn vmctx_plus<T>(&self, offset: u32) -> *mut T {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        debug_assert!(offset < usize::try_from(self.offsets.size_of_vmctx()).unwrap_or(0));
        // SAFETY: every offset comes from `self.offsets` for an entity of this module, so
        // it lies inside the VMContext this allocation holds.
        unsafe { self.vmctx().byte_add(offset).cast::<T>() }
    }

    /// Reads a `VMContext` field.
    fn read_vmctx<T: Copy>(&self, offset: u32) -> T {
        // SAFETY: the field was initialised at allocation with a value of type `T` (the
        // offset and type come from the same `VMOffsets` accessor at both sites).
        unsafe { self.vmctx_plus::<T>(offset).read() }
    }

    /// The definition of a memory, defined here or imported.
    pub fn memory_definition(&self, memory: MemoryIndex) -> *mut VMMemoryDefinition {
        match self.module.defined_memory_index(memory) {
            Some(defined) => self.read_vmctx(self.offsets.vmctx_vmmemory_pointer(defined)),
            None => {
                let import: VMMemoryImport =
                    self.read_vmctx(self.offsets.vmctx_vmmemory_import(memory));
                import.from
            }
        }
    }

    /// The definition of a table, defined here or imported.
    pub fn table_definition(&self, table: TableIndex) -> *mut VMTableDefinition {
        match self.module.defined_table_index(table) {
            Some(defined) => self.vmctx_plus(self.offsets.vmctx_vmtable_definition(defined)),
            None => {
                let import: VMTableImport =
                    self.read_vmctx(self.offsets.vmctx_vmtable_import(table));
                import.from
            }
        }
    }

    /// The storage of a global, defined here or imported.
    pub fn global_ptr(&self, global: GlobalIndex) -> *mut VMGlobalDefinition {
        match self.module.defined_global_index(global) {
            Some(defined) => self.vmctx_plus(self.offsets.vmctx_vmglobal_definition(defined)),
            None => {
                let import: VMGlobalImport =
                    self.read_vmctx(self.offsets.vmctx_vmglobal_import(global));
                import.from
            }
        }
    }

    /// The `VMFuncRef` of a function that escapes; `None` for one that does not.
    pub fn func_ref(&self, func: FuncIndex) -> Option<NonNull<VMFuncRef>> {
        let slot = self.module.functions.get(func)?.func_ref?;
        NonNull::new(self.vmctx_plus(self.offsets.vmctx_func_ref(slot)))
    }

    /// A copy of the `VMFuncRef` of a function that escapes.
    pub fn func_ref_value(&self, func: FuncIndex) -> Option<VMFuncRef> {
        let func_ref = self.func_ref(func)?;
        // SAFETY: the slot lies in this instance's VMContext and was initialised at
        // allocation; it never changes afterwards.
        Some(unsafe { func_ref.as_ptr().read() })
    }

    /// A defined memory.
    pub fn defined_memory(&self, memory: DefinedMemoryIndex) -> &LinearMemory {
        &self.memories[memory]
    }

    /// The contents of a defined memory, for writing (the API's `Memory::data_mut`).
    /// Growing goes through [`Instance::defined_memory_grow`], which republishes the
    /// definition; this view cannot grow.
    pub fn defined_memory_data_mut(self: Pin<&mut Self>, memory: DefinedMemoryIndex) -> &mut [u8] {
        self.fields_mut().memories[memory].data_mut()
    }

    /// The value of a global, defined here or imported.
    pub fn global_value(&self, global: GlobalIndex) -> ValRaw {
        // SAFETY: `global_ptr` is this instance's own slot or an import's, whose owner
        // outlives this instance (the allocation request's contract); globals are only
        // written through `set_global_value`, which needs `&mut`.
        unsafe { (*self.global_ptr(global)).get() }
    }

    /// Sets the value of a global, defined here or imported. Mutability and type are the
    /// caller's to check.
    pub fn set_global_value(self: Pin<&mut Self>, global: GlobalIndex, value: ValRaw) {
        // SAFETY: as in `global_value`; `&mut self` stands for the store's exclusive
        // access, and compiled code of this store is not running.
        unsafe { (*self.global_ptr(global)).set(value) }
    }

    /// The store context this instance was allocated in.
    pub fn store_context(&self) -> core::ptr::NonNull<VMStoreContext> {
        self.read_vmctx(self.offsets.vmctx_store_context())
    }

    /// The identity of a tag, defined here or imported.
    pub fn tag(&self, tag: TagIndex) -> VMTag {
        self.tags[tag]
    }

    /// A defined table.
    pub fn defined_table(&self, table: DefinedTableIndex) -> &Table {
        &self.tables[table]
    }

    /// The type of a table, defined here or imported.
    pub fn table_type(&self, table: TableIndex) -> TableType {
        self.module.tables[table]
    }

    /// Grows a defined memory, asking `limiter` (the store's, borrowed by the caller for
    /// this call), and publishes its new base and length to the VMContext.
    ///
    /// # Errors
    ///
    /// When the store's limiter fails.
    pub fn defined_memory_grow(
        self: Pin<&mut Self>,
        memory: DefinedMemoryIndex,
        delta_pages: u64,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<Option<u64>, HostError> {
        let this = self.fields_mut();
        let result = this.memories[memory].grow(delta_pages, limiter);
        let definition = this.memories[memory].vmmemory();
        let slot: *mut VMMemoryDefinition =
            this.read_vmctx(this.offsets.vmctx_vmmemory_pointer(memory));
        // SAFETY: the defined-memory pointer slot points at this instance's owned
        // definition in its own VMContext (set at allocation); nothing else borrows it.
        unsafe { slot.write(definition) };
        result
    }

    /// Grows any memory this instance can see, going to the exporting instance for
    /// imported ones, and returns the old size in pages or `None` on failure.
    ///
    /// # Errors
    ///
    /// When the owning store's limiter fails.
    pub fn memory_grow(
        self: Pin<&mut Self>,
        memory: MemoryIndex,
        delta_pages: u64,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<Option<u64>, HostError> {
        match self.module.defined_memory_index(memory) {
            Some(defined) => self.defined_memory_grow(defined, delta_pages, limiter),
            None => {
                let import: VMMemoryImport =
                    self.read_vmctx(self.offsets.vmctx_vmmemory_import(memory));
                // SAFETY: imports are resolved to live instances that outlive importers
                // (the allocation request's contract), and the exporter is a different
                // instance from `self`, so no reference to it is in use.
                let owner = unsafe { Instance::from_vmctx(import.vmctx) };
                match owner.defined_memory_index_of(import.from) {
                    Some(defined) => owner.defined_memory_grow(defined, delta_pages, limiter),
                    None => Ok(None),
                }
            }
        }
    }

    /// The defined memory whose VMContext definition is `definition` (as an
    /// [`Export::Memory`] names it).
    pub fn defined_memory_index_of(
        &self,
        definition: *mut VMMemoryDefinition,
    ) -> Option<DefinedMemoryIndex> {
        self.memories.keys().find(|&memory| {
            self.read_vmctx::<*mut VMMemoryDefinition>(self.offsets.vmctx_vmmemory_pointer(memory))
                == definition
        })
    }

    /// The defined table whose VMContext definition is `definition` (as an
    /// [`Export::Table`] names it).
    pub fn defined_table_index_of(
        &self,
        definition: *mut VMTableDefinition,
    ) -> Option<DefinedTableIndex> {
        self.tables.keys().find(|&table| {
            self.vmctx_plus::<VMTableDefinition>(self.offsets.vmctx_vmtable_definition(table))
                == definition
        })
    }

    /// Grows a defined table, asking `limiter` (the store's, borrowed by the caller for
    /// this call), and publishes its new base and size to the VMContext.
    ///
    /// # Errors
    ///
    /// When the store's limiter fails.
    pub fn defined_table_grow(
        self: Pin<&mut Self>,
        table: DefinedTableIndex,
        delta: u64,
        init: TableElement,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<Option<usize>, HostError> {
        let this = self.fields_mut();
        let result = this.tables[table].grow(delta, init, limiter);
        this.publish_table(table);
        result
    }

    /// Writes a defined table's current definition into the VMContext.
    fn publish_table(&mut self, table: DefinedTableIndex) {
        let definition = self.tables[table].vmtable();
        let slot: *mut VMTableDefinition =
            self.vmctx_plus(self.offsets.vmctx_vmtable_definition(table));
        // SAFETY: the slot is this instance's own table definition in its VMContext.
        unsafe { slot.write(definition) };
    }

    /// Grows any table this instance can see, going to the exporting instance for
    /// imported ones, and returns the old size or `None` on failure.
    ///
    /// # Errors
    ///
    /// When the owning store's limiter fails.
    pub fn table_grow(
        self: Pin<&mut Self>,
        table: TableIndex,
        delta: u64,
        init: TableElement,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<Option<usize>, HostError> {
        match self.module.defined_table_index(table) {
            Some(defined) => self.defined_table_grow(defined, delta, init, limiter),
            None => {
                let import: VMTableImport =
                    self.read_vmctx(self.offsets.vmctx_vmtable_import(table));
                // SAFETY: as for imported memories in `memory_grow`.
                let owner = unsafe { Instance::from_vmctx(import.vmctx) };
                match owner.defined_table_index_of(import.from) {
                    Some(defined) => owner.defined_table_grow(defined, delta, init, limiter),
                    None => Ok(None),
                }
            }
        }
    }

    /// Runs `f` on a defined table and republishes its definition afterwards, for the
    /// API's `Table::set` and friends.
    pub fn with_defined_table<R>(
        self: Pin<&mut Self>,
        table: DefinedTableIndex,
        f: impl FnOnce(&mut Table) -> R,
    ) -> R {
        let this = self.fields_mut();
        let result = f(&mut this.tables[table]);
        this.publish_table(table);
        result
    }

    /// Runs `f` on a defined memory's contents, for the API's `Memory::data_mut`.
    pub fn with_defined_memory<R>(
        self: Pin<&mut Self>,
        memory: DefinedMemoryIndex,
        f: impl FnOnce(&mut LinearMemory) -> R,
    ) -> R {
        let this = self.fields_mut();
        let before = this.memories[memory].vmmemory();
        let result = f(&mut this.memories[memory]);
        let after = this.memories[memory].vmmemory();
        debug_assert_eq!(before.base, after.base, "use defined_memory_grow to grow");
        result
    }
}

/// Owns an [`Instance`] and frees it (memories and tables included) on drop.
#[derive(Debug)]
pub struct InstanceHandle {
    instance: NonNull<Instance>,
}

// SAFETY: the instance owns its memories and tables; its raw pointers lead to data of the
// same store, which moves between threads as a whole with this handle.
unsafe impl Send for InstanceHandle {}

impl InstanceHandle {
    /// The instance.
    pub fn instance(&self) -> &Instance {
        // SAFETY: the handle owns a live, initialised instance.
        unsafe { self.instance.as_ref() }
    }

    /// The instance, for mutation through `Pin`.
    pub fn instance_mut(&mut self) -> Pin<&mut Instance> {
        // SAFETY: the handle owns a live instance that never moves; `&mut self` makes
        // this the only reference.
        unsafe { Pin::new_unchecked(self.instance.as_mut()) }
    }

    /// The instance's `VMContext`.
    pub fn vmctx(&self) -> *mut VMContext {
        self.instance().vmctx()
    }
}

impl Drop for InstanceHandle {
    fn drop(&mut self) {
        // SAFETY: the handle owns the allocation made by `allocate::allocate_instance`
        // and nothing uses the instance after its handle is gone.
        unsafe { allocate::deallocate_instance(self.instance) };
    }
}

#[cfg(test)]
mod tests;

//! Typed writes into an instance's `VMContext`: one setter per field kind, each taking the
//! typed index of its entity and a value of the field's own type and computing the offset
//! from `VMOffsets` itself, so no caller can write a value at another field's offset.
//! Indices are checked against the layout's counts (a wrong one panics rather than writes
//! past the context).

use environ::{
    DefinedMemoryIndex, FuncIndex, FuncRefIndex, GlobalIndex, MemoryIndex, OwnedMemoryIndex,
    TableIndex,
};

use super::Instance;
use crate::libcalls::VMBuiltinFunctionsArray;
use crate::vmcontext::{
    VMFuncRef, VMFunctionImport, VMGlobalImport, VMMemoryDefinition, VMMemoryImport,
    VMSharedTypeIndex, VMStoreContext, VMTableImport,
};

/// Setters of header fields: `name(value)` writes `value: type` at `offsets.accessor()`.
macro_rules! header_setters {
    ($($(#[$doc:meta])* $name:ident($accessor:ident): $ty:ty;)*) => {
        impl Instance {
            $(
                $(#[$doc])*
                pub(super) fn $name(&self, value: $ty) {
                    let offset = self.offsets.$accessor();
                    // SAFETY: the offset is that of this header field, whose type is
                    // `$ty`, inside this instance's VMContext allocation.
                    unsafe { self.vmctx_plus::<$ty>(offset).write(value) };
                }
            )*
        }
    };
}

/// Setters of region elements: `name(index, value)` writes `value: type` at
/// `offsets.accessor(index)` after checking `index` against the region's count.
macro_rules! region_setters {
    ($($(#[$doc:meta])* $name:ident($accessor:ident, $index:ty, $count:ident): $ty:ty;)*) => {
        impl Instance {
            $(
                $(#[$doc])*
                pub(super) fn $name(&self, index: $index, value: $ty) {
                    let count = self.offsets.counts().$count;
                    assert!(
                        index.as_u32() < count,
                        "{}: index {} out of range: the VMContext has {count}",
                        stringify!($name),
                        index.as_u32(),
                    );
                    let offset = self.offsets.$accessor(index);
                    // SAFETY: the index is within the region (checked above), so the
                    // offset is that of one of its elements, of type `$ty`, inside this
                    // instance's VMContext allocation.
                    unsafe { self.vmctx_plus::<$ty>(offset).write(value) };
                }
            )*
        }
    };
}

header_setters! {
    /// The magic value.
    set_magic(vmctx_magic): u32;
    /// The store context pointer.
    set_store_context(vmctx_store_context): core::ptr::NonNull<VMStoreContext>;
    /// The builtin function table pointer.
    set_builtin_functions(vmctx_builtin_functions): *const VMBuiltinFunctionsArray;
    /// The engine's epoch counter pointer.
    set_epoch_counter(vmctx_epoch_counter): core::ptr::NonNull<core::sync::atomic::AtomicU64>;
    /// The type-id array pointer.
    set_type_ids(vmctx_type_ids): *const VMSharedTypeIndex;
    /// The lazy code table pointer (null for eagerly compiled modules).
    set_lazy_code_table(vmctx_lazy_code_table): *const crate::lazy_code::VMLazySlot;
}

region_setters! {
    /// An imported memory.
    set_memory_import(vmctx_vmmemory_import, MemoryIndex, imported_memories): VMMemoryImport;
    /// The definition pointer of a defined memory.
    set_memory_pointer(vmctx_vmmemory_pointer, DefinedMemoryIndex, defined_memories):
        *mut VMMemoryDefinition;
    /// The definition of an owned memory.
    set_memory_definition(vmctx_vmmemory_definition, OwnedMemoryIndex, owned_memories):
        VMMemoryDefinition;
    /// An imported function.
    set_function_import(vmctx_vmfunction_import, FuncIndex, imported_funcs): VMFunctionImport;
    /// An imported table.
    set_table_import(vmctx_vmtable_import, TableIndex, imported_tables): VMTableImport;
    /// An imported global.
    set_global_import(vmctx_vmglobal_import, GlobalIndex, imported_globals): VMGlobalImport;
    /// The `VMFuncRef` of an escaping function.
    set_func_ref(vmctx_func_ref, FuncRefIndex, escaped_funcs): VMFuncRef;
}

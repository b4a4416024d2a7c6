//! The `#[repr(C)]` structures compiled code reads and writes, laid out exactly as
//! `environ::VMOffsets` says; the tests at the bottom pin every field to its offset.
//!
//! Nothing else in the crate gets the `VM` prefix.

use core::cell::Cell;
use core::marker::PhantomPinned;
use core::ptr::NonNull;
use std::any::Any;

use crate::ValRaw;

/// The per-instance context compiled code receives as its `vmctx` argument.
///
/// This type is only a marker with the right alignment: the fields follow it in memory,
/// at the offsets `VMOffsets` computes for the instance's module, and are reached
/// through raw pointers (see `Instance`).
#[repr(C, align(16))]
#[derive(Debug)]
pub struct VMContext {
    _pinned: PhantomPinned,
}

impl VMContext {
    /// The marker that ends an `Instance`; only the allocator creates one.
    pub(crate) const MARKER: VMContext = VMContext {
        _pinned: PhantomPinned,
    };
}

/// The engine-wide id of a function signature; `VMFuncRef::type_index` and the type-id
/// array in the `VMContext` header hold these.
#[repr(transparent)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VMSharedTypeIndex(pub u32);

/// Marker for the entry point of a function compiled with the wasm calling convention.
/// Rust cannot name Cranelift's `tail` convention, so only pointers to this exist.
#[repr(C)]
#[derive(Debug)]
pub struct VMWasmCallFunction {
    _opaque: [u8; 0],
}

/// The array calling convention: `(callee_vmctx, caller_vmctx, values, len) -> ok`.
/// `false` means a trap or host error is recorded for this thread.
pub type VMArrayCallFunction = unsafe extern "C" fn(
    callee_vmctx: *mut VMContext,
    caller_vmctx: *mut VMContext,
    values: *mut ValRaw,
    len: usize,
) -> bool;

/// Base and current length of one linear memory; compiled code reads both on every
/// bounds-checked access, and `memory.grow` updates them.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct VMMemoryDefinition {
    /// The first byte of the memory.
    pub base: *mut u8,
    /// The current size in bytes.
    pub current_length: usize,
}

/// Base and current element count of one table.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct VMTableDefinition {
    /// The first slot; slots are pointer-sized.
    pub base: *mut usize,
    /// The current number of elements.
    pub current_elements: usize,
}

/// One global's value: 16 bytes, encoded like [`ValRaw`].
#[repr(C, align(16))]
#[derive(Copy, Clone, Debug, Default)]
pub struct VMGlobalDefinition {
    value: ValRaw,
}

impl VMGlobalDefinition {
    /// A global holding `value`.
    pub fn new(value: ValRaw) -> Self {
        Self { value }
    }

    /// The current value.
    pub fn get(&self) -> ValRaw {
        self.value
    }

    /// Replaces the value.
    pub fn set(&mut self, value: ValRaw) {
        self.value = value;
    }
}

/// The universal function handle: what `call_indirect`, `ref.func`, exports and host
/// calls use.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct VMFuncRef {
    /// Entry with the array calling convention.
    pub array_call: VMArrayCallFunction,
    /// Entry with the wasm calling convention; `None` for a host function no module
    /// has given a wasm-to-array trampoline yet.
    pub wasm_call: Option<NonNull<VMWasmCallFunction>>,
    /// The engine-wide id of the signature.
    pub type_index: VMSharedTypeIndex,
    /// The callee's context: a `VMContext`, or a `VMHostFuncContext` for host functions.
    pub vmctx: *mut VMContext,
}

// SAFETY: a `VMFuncRef` is a plain copy of addresses; moving or sharing the value between
// threads touches nothing behind them (calling through it is what is unsafe).
unsafe impl Send for VMFuncRef {}
// SAFETY: as above.
unsafe impl Sync for VMFuncRef {}

/// An imported function as the importing instance sees it.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct VMFunctionImport {
    /// Entry with the wasm calling convention (a wasm-to-array trampoline for host
    /// functions).
    pub wasm_call: NonNull<VMWasmCallFunction>,
    /// Entry with the array calling convention.
    pub array_call: VMArrayCallFunction,
    /// The callee's context.
    pub vmctx: *mut VMContext,
}

/// An imported table: the exporter's definition and context.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct VMTableImport {
    /// The exporting instance's `VMTableDefinition`.
    pub from: *mut VMTableDefinition,
    /// The exporting instance, which owns the table and grows it.
    pub vmctx: *mut VMContext,
}

/// An imported memory: the exporter's definition and context.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct VMMemoryImport {
    /// The exporting instance's `VMMemoryDefinition`.
    pub from: *mut VMMemoryDefinition,
    /// The exporting instance, which owns the memory and grows it.
    pub vmctx: *mut VMContext,
}

/// An imported global: where its value lives.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct VMGlobalImport {
    /// The global's storage, in the exporting instance or in a host-owned box.
    pub from: *mut VMGlobalDefinition,
}

/// An exception tag's identity: the instance that defines it and its index there. An
/// imported tag is its exporter's, so two instances agree on a tag exactly when their
/// `VMTag`s are equal. Only the vm's exception builtins read it (compiled code never
/// does), so it lives in the `Instance`, not in the `VMContext`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct VMTag {
    /// The defining instance's context.
    pub owner: *mut VMContext,
    /// The tag's index among the owner's defined tags.
    pub index: environ::DefinedTagIndex,
}

// SAFETY: a `VMTag` is an identity: the vm only compares it, and the API only looks its
// owner up among its store's instances by address; nothing dereferences the pointer.
unsafe impl Send for VMTag {}
// SAFETY: as for `Send`.
unsafe impl Sync for VMTag {}

/// Per-store state that compiled code reads and writes: fuel, the epoch deadline, the
/// stack limit and the frame records used to walk wasm frames.
///
/// Fields are `Cell`s because compiled code writes them while the store holds
/// references to this context.
#[repr(C)]
#[derive(Debug)]
pub struct VMStoreContext {
    /// Fuel consumed, biased so it is negative while fuel remains.
    pub fuel_consumed: Cell<i64>,
    /// The epoch at which compiled code calls `BuiltinFunction::NewEpoch`.
    pub epoch_deadline: Cell<u64>,
    /// The lowest stack address wasm may use. `usize::MAX` (the initial value) means
    /// "not inside `catch_traps`": every prologue check fails.
    pub stack_limit: Cell<usize>,
    /// Frame pointer of the last wasm frame that called out to the host or a builtin.
    pub last_wasm_exit_fp: Cell<usize>,
    /// Return address of that call.
    pub last_wasm_exit_pc: Cell<usize>,
    /// Frame pointer of the host frame that entered wasm most recently.
    pub last_wasm_entry_fp: Cell<usize>,
    /// The store's exceptions; compiled code never reads it (not part of the layout
    /// `VMOffsets` describes, which ends before it).
    pub exceptions: core::cell::RefCell<crate::exceptions::ExceptionHeap>,
}

impl Default for VMStoreContext {
    fn default() -> Self {
        Self {
            fuel_consumed: Cell::new(0),
            epoch_deadline: Cell::new(u64::MAX),
            stack_limit: Cell::new(usize::MAX),
            last_wasm_exit_fp: Cell::new(0),
            last_wasm_exit_pc: Cell::new(0),
            last_wasm_entry_fp: Cell::new(0),
            exceptions: core::cell::RefCell::default(),
        }
    }
}

/// The value of `VMHostFuncContext::magic`.
pub const VM_HOST_FUNC_MAGIC: u32 = u32::from_le_bytes(*b"host");

/// The callee context of a host function: compiled code finds the host function's
/// array-call entry in `func_ref`, and the entry finds its closure in `host_state`.
#[repr(C)]
pub struct VMHostFuncContext {
    magic: u32,
    /// The host function's handle; its `vmctx` points back at this context.
    func_ref: VMFuncRef,
    host_state: Box<dyn Any + Send + Sync>,
}

// SAFETY: the context's pointers lead to itself and to immutable published code, and
// `host_state` is `Send + Sync`; it is only changed through `&mut`.
unsafe impl Send for VMHostFuncContext {}
// SAFETY: as above; shared references only read.
unsafe impl Sync for VMHostFuncContext {}

impl VMHostFuncContext {
    /// Recovers the context from the `vmctx` a host function's array call receives.
    ///
    /// # Safety
    ///
    /// `vmctx` must be the `vmctx` of a live `VMHostFuncContext`'s `func_ref`, and the
    /// context must outlive `'a`.
    pub unsafe fn from_vmctx<'a>(vmctx: *mut VMContext) -> &'a VMHostFuncContext {
        // SAFETY: the caller guarantees this is a live host function context.
        let context = unsafe { &*vmctx.cast::<VMHostFuncContext>() };
        debug_assert_eq!(context.magic, VM_HOST_FUNC_MAGIC);
        context
    }

    /// The host function's handle.
    pub fn func_ref(&self) -> &VMFuncRef {
        &self.func_ref
    }

    /// The embedder's state for this function (its closure).
    pub fn host_state(&self) -> &(dyn Any + Send + Sync) {
        &*self.host_state
    }
}

/// Owns a [`VMHostFuncContext`] at a fixed address and frees it on drop; the store keeps
/// one per host function for as long as compiled code or tables may call it.
#[derive(Debug)]
pub struct OwnedHostFuncContext {
    context: NonNull<VMHostFuncContext>,
}

// SAFETY: owning the context is like owning a `Box<VMHostFuncContext>`, which is `Send`
// and `Sync` (see the impls on `VMHostFuncContext`).
unsafe impl Send for OwnedHostFuncContext {}
// SAFETY: as above; `&self` only reads.
unsafe impl Sync for OwnedHostFuncContext {}

impl OwnedHostFuncContext {
    /// A context for a host function whose array-call entry is `array_call`, in an
    /// allocation of its own that never moves: `func_ref().vmctx` points at it.
    pub fn new(
        array_call: VMArrayCallFunction,
        type_index: VMSharedTypeIndex,
        host_state: Box<dyn Any + Send + Sync>,
    ) -> Self {
        let context = Box::new(VMHostFuncContext {
            magic: VM_HOST_FUNC_MAGIC,
            func_ref: VMFuncRef {
                array_call,
                wasm_call: None,
                type_index,
                vmctx: core::ptr::null_mut(),
            },
            host_state,
        });
        // Owned through a raw pointer from here on: moving a `Box` would assert unique
        // access to its contents and so invalidate the self-pointer below (and every
        // `VMFuncRef` pointer handed out), while moving a raw pointer asserts nothing.
        let context = NonNull::from(Box::leak(context));
        // SAFETY: the allocation was just made and is only reachable through `context`.
        unsafe { (*context.as_ptr()).func_ref.vmctx = context.as_ptr().cast::<VMContext>() };
        Self { context }
    }

    /// The context.
    pub fn get(&self) -> &VMHostFuncContext {
        // SAFETY: the allocation lives as long as `self`; it is only written through
        // `&mut self` (and by nobody while shared).
        unsafe { self.context.as_ref() }
    }

    /// The host function's handle, for tables, globals and exports; valid while `self`
    /// lives, wherever `self` moves.
    pub fn func_ref_ptr(&self) -> NonNull<VMFuncRef> {
        // SAFETY: a field of the live allocation; no reference is created.
        unsafe { NonNull::new_unchecked(&raw mut (*self.context.as_ptr()).func_ref) }
    }

    /// Sets the wasm-call entry (a wasm-to-array trampoline for this signature).
    pub fn set_wasm_call(&mut self, wasm_call: NonNull<VMWasmCallFunction>) {
        // SAFETY: `&mut self` excludes other users of the owner; compiled code reads the
        // field only once the handle has been handed out, after this is set.
        unsafe { (*self.context.as_ptr()).func_ref.wasm_call = Some(wasm_call) };
    }
}

impl Drop for OwnedHostFuncContext {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` in `VMHostFuncContext::new` and is
        // freed only here, once.
        drop(unsafe { Box::from_raw(self.context.as_ptr()) });
    }
}

#[cfg(test)]
mod tests {
    use core::mem::{align_of, offset_of, size_of};

    use environ::{Module, VMOffsets};

    use super::*;

    fn offsets() -> VMOffsets {
        VMOffsets::for_host(&Module::default())
    }

    fn at(offset: u32) -> usize {
        usize::try_from(offset).unwrap()
    }

    #[test]
    fn memory_definition_matches_vmoffsets() {
        let o = offsets();
        assert_eq!(
            offset_of!(VMMemoryDefinition, base),
            at(o.vmmemory_definition_base())
        );
        assert_eq!(
            offset_of!(VMMemoryDefinition, current_length),
            at(o.vmmemory_definition_current_length())
        );
        assert_eq!(
            size_of::<VMMemoryDefinition>(),
            at(o.size_of_vmmemory_definition())
        );
    }

    #[test]
    fn table_definition_matches_vmoffsets() {
        let o = offsets();
        assert_eq!(
            offset_of!(VMTableDefinition, base),
            at(o.vmtable_definition_base())
        );
        assert_eq!(
            offset_of!(VMTableDefinition, current_elements),
            at(o.vmtable_definition_current_elements())
        );
        assert_eq!(
            size_of::<VMTableDefinition>(),
            at(o.size_of_vmtable_definition())
        );
    }

    #[test]
    fn global_definition_is_sixteen_bytes_and_sixteen_aligned() {
        let o = offsets();
        assert_eq!(
            size_of::<VMGlobalDefinition>(),
            at(o.size_of_vmglobal_definition())
        );
        assert_eq!(align_of::<VMGlobalDefinition>(), 16);
        assert_eq!(size_of::<ValRaw>(), 16);
        assert_eq!(align_of::<ValRaw>(), 16);
    }

    #[test]
    fn func_ref_matches_vmoffsets() {
        let o = offsets();
        assert_eq!(
            offset_of!(VMFuncRef, array_call),
            at(o.vm_func_ref_array_call())
        );
        assert_eq!(
            offset_of!(VMFuncRef, wasm_call),
            at(o.vm_func_ref_wasm_call())
        );
        assert_eq!(
            offset_of!(VMFuncRef, type_index),
            at(o.vm_func_ref_type_index())
        );
        assert_eq!(offset_of!(VMFuncRef, vmctx), at(o.vm_func_ref_vmctx()));
        assert_eq!(size_of::<VMFuncRef>(), at(o.size_of_vm_func_ref()));
    }

    #[test]
    fn lazy_slot_matches_vmoffsets() {
        use crate::lazy_code::VMLazySlot;
        let o = offsets();
        assert_eq!(offset_of!(VMLazySlot, entry), at(o.vm_lazy_slot_entry()));
        assert_eq!(
            offset_of!(VMLazySlot, compiled),
            at(o.vm_lazy_slot_compiled())
        );
        assert_eq!(size_of::<VMLazySlot>(), at(o.size_of_vm_lazy_slot()));
    }

    #[test]
    fn imports_match_vmoffsets() {
        let o = offsets();
        assert_eq!(
            offset_of!(VMFunctionImport, wasm_call),
            at(o.vmfunction_import_wasm_call())
        );
        assert_eq!(
            offset_of!(VMFunctionImport, array_call),
            at(o.vmfunction_import_array_call())
        );
        assert_eq!(
            offset_of!(VMFunctionImport, vmctx),
            at(o.vmfunction_import_vmctx())
        );
        assert_eq!(
            size_of::<VMFunctionImport>(),
            at(o.size_of_vmfunction_import())
        );
        assert_eq!(offset_of!(VMTableImport, from), at(o.vmtable_import_from()));
        assert_eq!(
            offset_of!(VMTableImport, vmctx),
            at(o.vmtable_import_vmctx())
        );
        assert_eq!(size_of::<VMTableImport>(), at(o.size_of_vmtable_import()));
        assert_eq!(
            offset_of!(VMMemoryImport, from),
            at(o.vmmemory_import_from())
        );
        assert_eq!(
            offset_of!(VMMemoryImport, vmctx),
            at(o.vmmemory_import_vmctx())
        );
        assert_eq!(size_of::<VMMemoryImport>(), at(o.size_of_vmmemory_import()));
        assert_eq!(
            offset_of!(VMGlobalImport, from),
            at(o.vmglobal_import_from())
        );
        assert_eq!(size_of::<VMGlobalImport>(), at(o.size_of_vmglobal_import()));
    }

    #[test]
    fn store_context_matches_vmoffsets() {
        let o = offsets();
        assert_eq!(
            offset_of!(VMStoreContext, fuel_consumed),
            at(o.vmstore_context_fuel_consumed())
        );
        assert_eq!(
            offset_of!(VMStoreContext, epoch_deadline),
            at(o.vmstore_context_epoch_deadline())
        );
        assert_eq!(
            offset_of!(VMStoreContext, stack_limit),
            at(o.vmstore_context_stack_limit())
        );
        assert_eq!(
            offset_of!(VMStoreContext, last_wasm_exit_fp),
            at(o.vmstore_context_last_wasm_exit_fp())
        );
        assert_eq!(
            offset_of!(VMStoreContext, last_wasm_exit_pc),
            at(o.vmstore_context_last_wasm_exit_pc())
        );
        assert_eq!(
            offset_of!(VMStoreContext, last_wasm_entry_fp),
            at(o.vmstore_context_last_wasm_entry_fp())
        );
        // The fields compiled code knows end where the vm's own (the exception heap)
        // begin.
        assert_eq!(
            offset_of!(VMStoreContext, exceptions),
            at(o.size_of_vmstore_context())
        );
    }

    #[test]
    fn host_func_context_places_its_func_ref_where_trampolines_look() {
        let o = offsets();
        assert_eq!(offset_of!(VMHostFuncContext, magic), 0);
        assert_eq!(
            offset_of!(VMHostFuncContext, func_ref),
            at(o.vm_host_func_context_func_ref())
        );
    }

    #[test]
    fn host_func_context_func_ref_points_back_at_the_context() {
        unsafe extern "C" fn never(
            _: *mut VMContext,
            _: *mut VMContext,
            _: *mut ValRaw,
            _: usize,
        ) -> bool {
            false
        }
        let context = OwnedHostFuncContext::new(never, VMSharedTypeIndex(3), Box::new(42_u32));
        let func_ref = context.func_ref_ptr();
        // The owner moves (as into a growing arena); the context and handle do not.
        let mut owners = vec![context];
        owners.reserve(1000);
        // SAFETY: the handle stays valid while its owner lives, wherever the owner moved.
        let vmctx = unsafe { func_ref.as_ref() }.vmctx;
        assert_eq!(
            vmctx.cast::<VMHostFuncContext>().cast_const(),
            &raw const *owners[0].get()
        );
        // SAFETY: `vmctx` is the func_ref's context and its owner is alive.
        let found = unsafe { VMHostFuncContext::from_vmctx(vmctx) };
        assert_eq!(found.host_state().downcast_ref::<u32>(), Some(&42));
        assert_eq!(found.func_ref().type_index, VMSharedTypeIndex(3));
    }
}

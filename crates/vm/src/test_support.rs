//! Helpers for the crate's tests: modules from wat, a store context, and instances
//! allocated without a compiler (functions get a stub array call and a dangling body).

use core::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use environ::{DefinedFuncIndex, EntityVec, Features, Module, Tunables, VMOffsets};

use crate::ValRaw;
use crate::instance::{
    DefinedFunctionCode, InstanceAllocationRequest, InstanceAllocator, InstanceHandle,
    InstantiationError, OnDemandInstanceAllocator, ResolvedImports,
};
use crate::store::{ResourceLimiter, StoreHooks};
use crate::trap::Trap;
use crate::traphandlers::{ArrayCall, catch_traps};
use crate::vmcontext::{
    VMArrayCallFunction, VMContext, VMSharedTypeIndex, VMStoreContext, VMWasmCallFunction,
};

/// Translates wat into a module.
pub(crate) fn module(wat: &str) -> Arc<Module> {
    let wasm = wat::parse_str(wat).unwrap();
    Arc::new(
        environ::translate_module(&wasm, Features::default())
            .unwrap()
            .module,
    )
}

/// The array call every test function gets: returns `true` without doing anything.
pub(crate) unsafe extern "C" fn stub_array_call(
    _callee: *mut VMContext,
    _caller: *mut VMContext,
    _values: *mut ValRaw,
    _len: usize,
) -> bool {
    true
}

/// `stub_array_call` as one pointer value: function addresses are not unique in
/// optimised builds, so tests compare against this copy.
pub(crate) static STUB_ARRAY_CALL: VMArrayCallFunction = stub_array_call;

/// A body address no test ever calls.
pub(crate) fn stub_wasm_call() -> NonNull<VMWasmCallFunction> {
    NonNull::dangling()
}

/// A store for tests: its context and epoch counter, boxed so their addresses hold.
pub(crate) struct TestStore {
    pub(crate) context: Box<VMStoreContext>,
    pub(crate) epoch: Box<AtomicU64>,
}

impl TestStore {
    pub(crate) fn new() -> Self {
        Self {
            context: Box::default(),
            epoch: Box::new(AtomicU64::new(0)),
        }
    }

    pub(crate) fn context_ptr(&self) -> NonNull<VMStoreContext> {
        NonNull::from(&*self.context)
    }

    /// Allocates an instance of `module` with `imports`, an optional limiter and
    /// `tunables`.
    pub(crate) fn try_instantiate(
        &self,
        module: &Arc<Module>,
        imports: ResolvedImports<'_>,
        limiter: Option<&mut dyn ResourceLimiter>,
        tunables: &Tunables,
    ) -> Result<InstanceHandle, InstantiationError> {
        let functions: EntityVec<DefinedFuncIndex, DefinedFunctionCode> = (0..module
            .num_defined_funcs())
            .map(|_| DefinedFunctionCode {
                wasm_call: stub_wasm_call(),
                array_call: Some(STUB_ARRAY_CALL),
            })
            .collect();
        let type_ids: Arc<[VMSharedTypeIndex]> = (0..module.types.len())
            .map(|i| VMSharedTypeIndex(100 + u32::try_from(i).unwrap()))
            .collect();
        let request = InstanceAllocationRequest {
            module: Arc::clone(module),
            offsets: VMOffsets::for_host(module),
            imports,
            type_ids,
            store_context: self.context_ptr(),
            epoch_counter: NonNull::from(&*self.epoch),
            functions: &functions,
            tunables,
            memory_images: None,
            lazy: None,
        };
        // SAFETY: the store outlives every instance in the tests that use it, and the
        // imports come from instances the tests keep alive.
        unsafe { OnDemandInstanceAllocator.allocate(request, limiter) }
    }

    /// Allocates and initialises an instance, panicking on failure.
    pub(crate) fn instantiate(
        &self,
        module: &Arc<Module>,
        imports: ResolvedImports<'_>,
    ) -> InstanceHandle {
        let mut handle = self
            .try_instantiate(module, imports, None, &Tunables::default())
            .unwrap();
        handle.initialize().unwrap();
        handle
    }
}

/// Runs `f` inside `catch_traps` for `store` with `hooks`, standing in for compiled code:
/// the C shim calls `f` through an array-call entry. Like compiled code, `f` must own
/// nothing that needs dropping when a trap abandons it, and must not panic (a panic
/// cannot unwind out of the entry and aborts the test binary).
///
/// # Safety
///
/// As for `catch_traps`: `store` and `hooks` valid for the call.
pub(crate) unsafe fn catch_closure<F: FnMut() -> bool>(
    store: NonNull<VMStoreContext>,
    hooks: Option<NonNull<dyn StoreHooks>>,
    max_wasm_stack: usize,
    mut f: F,
) -> Result<(), Trap> {
    /// # Safety
    ///
    /// `callee` is the `F` passed below.
    unsafe extern "C" fn entry<F: FnMut() -> bool>(
        callee: *mut VMContext,
        _caller: *mut VMContext,
        _values: *mut ValRaw,
        _len: usize,
    ) -> bool {
        // SAFETY: `catch_closure` passes its own closure as the callee context.
        let f = unsafe { &mut *callee.cast::<F>() };
        f()
    }
    let call = ArrayCall {
        entry: entry::<F>,
        callee_vmctx: (&raw mut f).cast(),
        caller_vmctx: core::ptr::null_mut(),
        values: core::ptr::null_mut(),
        len: 0,
    };
    // SAFETY: the entry accepts exactly this call; the rest is the caller's promise.
    unsafe { catch_traps(store, hooks, max_wasm_stack, call) }
}

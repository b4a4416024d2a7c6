//! Host functions as compiled code sees them: a `VMHostFuncContext` whose array-call entry
//! is [`array_call_shim`], which finds the closure and the current store, runs the closure
//! and reports errors and panics to the vm instead of unwinding into compiled code.
#![expect(
    unsafe_code,
    reason = "compiled code calls host functions through raw pointers"
)]

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use vm::{OwnedHostFuncContext, VMContext, VMHostFuncContext, VMSharedTypeIndex, ValRaw};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::func::{Caller, HostCall, HostFunc};
use crate::store::{StoreId, StoreInner};

/// What a host function's context holds: its closure and the store it belongs to.
struct HostState<T> {
    func: Arc<HostFunc<T>>,
    store: StoreId,
}

/// A context for calling `func` from compiled code of `store`, with the engine's
/// wasm-to-array trampoline for its signature as its wasm entry.
///
/// # Panics
///
/// If Cranelift cannot compile the trampoline, a bug in Tarn's translator.
pub(crate) fn new_host_context<T: 'static>(
    engine: &Engine,
    store: StoreId,
    func: Arc<HostFunc<T>>,
) -> OwnedHostFuncContext {
    let type_index = func.signature.id();
    let trampoline = engine
        .host_trampoline(type_index)
        .unwrap_or_else(|e| panic!("cannot compile a host-function trampoline: {e}"));
    let entry = func.entry;
    let state = HostState { func, store };
    let mut context =
        OwnedHostFuncContext::new(entry, VMSharedTypeIndex(type_index), Box::new(state));
    context.set_wasm_call(trampoline);
    context
}

/// The array-call entry of host functions of stores with data `T` whose body is a `C`.
pub(crate) fn entry_for<T: 'static, C>() -> vm::VMArrayCallFunction
where
    C: Fn(Caller<'_, T>, &mut [ValRaw]) -> Result<()> + Send + Sync + 'static,
{
    array_call_shim::<T, C>
}

/// The array-call entry of host functions of stores with data `T` and bodies of type
/// `C`.
///
/// # Safety
///
/// Called only by compiled code or `func::call::invoke`, with `callee_vmctx` the context
/// of a host function made by [`new_host_context`] for `T` from a `HostFunc` whose body
/// is a `C` (its `entry` is this function), `caller_vmctx` a `VMContext` (or the callee's
/// own context), and `values` valid for `len` values, inside `vm::catch_traps` for this
/// function's store.
unsafe extern "C" fn array_call_shim<T: 'static, C>(
    callee_vmctx: *mut VMContext,
    caller_vmctx: *mut VMContext,
    values: *mut ValRaw,
    len: usize,
) -> bool
where
    C: Fn(Caller<'_, T>, &mut [ValRaw]) -> Result<()> + Send + Sync + 'static,
{
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the contract of this function.
        unsafe { call_host::<T, C>(callee_vmctx, caller_vmctx, values, len) }
    }));
    match outcome {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            if let Some(exnref) = thrown_in_current_store(&error) {
                drop(error);
                // SAFETY: compiled code called this entry through its trampoline, and
                // nothing in this frame needs dropping any more.
                let _unreported = unsafe { vm::throw_from_host(exnref) };
                return false;
            }
            // Outside a call into wasm there is nobody to report to; `invoke` always
            // calls inside one, so this only drops the error on a Tarn bug.
            let _unreported = vm::record_host_error(error);
            false
        }
        Err(payload) => {
            let _unreported = vm::record_panic(payload);
            false
        }
    }
}

/// The exception handle of an error that is a [`ThrownException`] of the store the
/// current call into wasm runs in: a host function throwing into wasm.
fn thrown_in_current_store(error: &Error) -> Option<usize> {
    let thrown = error.downcast_ref::<crate::tag::ThrownException>()?;
    let store = crate::func::call::current_store().id?;
    thrown.exception().raw_in(store)
}

/// Runs the closure of a host function on the current store.
///
/// # Safety
///
/// As for [`array_call_shim`].
unsafe fn call_host<T: 'static, C>(
    callee_vmctx: *mut VMContext,
    caller_vmctx: *mut VMContext,
    values: *mut ValRaw,
    len: usize,
) -> Result<()>
where
    C: Fn(Caller<'_, T>, &mut [ValRaw]) -> Result<()> + Send + Sync + 'static,
{
    // SAFETY: the callee is a live host function context (this function's contract).
    let context = unsafe { VMHostFuncContext::from_vmctx(callee_vmctx) };
    let state: *const (dyn core::any::Any + Send + Sync) = context.host_state();
    // SAFETY: `new_host_context::<T>` is the only place this shim for `T` is installed,
    // and it installs it next to a `HostState<T>`; the context owns the state.
    let state = unsafe { &*state.cast::<HostState<T>>() };
    let current = crate::func::call::current_store();
    let Some(id) = current.id else {
        return Err(Error::msg("host function called outside a call into wasm"));
    };
    if id != state.store {
        return Err(Error::msg("host function called from another store"));
    }
    // SAFETY: the store is this function's own (checked above, before any reference is
    // formed), so its data type is `T`; the `invoke` that put it here made the pointer
    // from the borrow it holds and does not use the store until the call returns.
    let store = unsafe { &mut *current.ptr.cast::<StoreInner<T>>() };
    let values = if len == 0 {
        &mut [][..]
    } else {
        // SAFETY: the caller passes a buffer of `len` values.
        unsafe { core::slice::from_raw_parts_mut(values, len) }
    };
    let caller = Caller {
        store,
        caller_vmctx: caller_vmctx as usize,
    };
    let body: *const HostCall<T> = &*state.func.call;
    // SAFETY: this entry is installed only for a `HostFunc` whose body is a `C` (see
    // `entry_for`), so the box holds a `C`. `state` lives in the host context, which the
    // store keeps until it is dropped, so it outlives this call whatever the closure
    // does with the store.
    let body = unsafe { &*body.cast::<C>() };
    body(caller, values)
}

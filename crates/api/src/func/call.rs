//! The one way into compiled code: set the current store for host calls, run the callee's
//! array-call entry inside `vm::catch_traps`, and turn a trap into an [`Error`] with a
//! wasm backtrace.
#![expect(unsafe_code, reason = "entering compiled code is unsafe by nature")]

use core::cell::Cell;
use core::ptr::NonNull;

use vm::{VMFuncRef, ValRaw};

use crate::error::{Error, FrameInfo, Result, Trap};
use crate::store::{StoreId, StoreInner, StoreOpaque};

/// The store of a call into wasm: `*mut StoreInner<T>` for the `T` of that store, and
/// its id, which a host function compares with its own store's before it turns the
/// pointer into a reference (the pointer's `T` is only known once the ids match).
#[derive(Copy, Clone)]
pub(crate) struct CurrentStorePtr {
    pub(crate) ptr: *mut (),
    pub(crate) id: Option<StoreId>,
}

const NO_STORE: CurrentStorePtr = CurrentStorePtr {
    ptr: core::ptr::null_mut(),
    id: None,
};

thread_local! {
    /// The store of the innermost call into wasm on this thread; host functions find
    /// their store here.
    static CURRENT_STORE: Cell<CurrentStorePtr> = const { Cell::new(NO_STORE) };
}

/// The store of the innermost call into wasm on this thread (null without one).
#[inline]
pub(crate) fn current_store() -> CurrentStorePtr {
    CURRENT_STORE.with(Cell::get)
}

/// Makes a store the current one until dropped, then restores the previous one, also when
/// a panic from a host function unwinds out of the call.
struct CurrentStore {
    previous: CurrentStorePtr,
}

impl CurrentStore {
    #[inline]
    fn enter(store: CurrentStorePtr) -> Self {
        let previous = CURRENT_STORE.with(|current| current.replace(store));
        Self { previous }
    }
}

impl Drop for CurrentStore {
    #[inline]
    fn drop(&mut self) {
        CURRENT_STORE.with(|current| current.set(self.previous));
    }
}

/// Calls the function behind `func_ref` with `values` as its argument and result buffer
/// (at least as long as its parameter and result lists).
///
/// # Errors
///
/// The trap or host error that ended the call.
pub(crate) fn invoke<T: 'static>(
    store: &mut StoreInner<T>,
    func_ref: NonNull<VMFuncRef>,
    values: &mut [ValRaw],
) -> Result<()> {
    if store.opaque().wasm_depth == 0 {
        store.opaque_mut().collect_exceptions_if_due();
    }
    let context = store.opaque().vm_store_context();
    let max_wasm_stack = store.opaque().max_wasm_stack;
    // SAFETY: `func_ref` was checked to belong to this store, whose instances and host
    // contexts keep every `VMFuncRef` alive and unchanged.
    let callee = unsafe { func_ref.as_ptr().read() };
    let call = vm::ArrayCall {
        entry: callee.array_call,
        callee_vmctx: callee.vmctx,
        caller_vmctx: callee.vmctx,
        values: values.as_mut_ptr(),
        len: values.len(),
    };
    // One raw pointer, made from the borrow this call holds, is the only way to the
    // store while wasm runs: host functions reach it through `CURRENT_STORE` and
    // libcalls through the hooks, both copies of `store_ptr`. `store` itself is not
    // used again until `catch_traps` returns, so neither is a write through a pointer
    // that a later borrow invalidated.
    let id = store.opaque().id();
    store.opaque_mut().wasm_depth += 1;
    let store_ptr: *mut StoreInner<T> = store;
    // Undone on every way out, a panic resumed by `catch_traps` included, through the
    // same pointer as everything else while the call runs.
    let depth = WasmDepth(store_ptr);
    let hooks: *mut dyn vm::StoreHooks = store_ptr;
    let _current = CurrentStore::enter(CurrentStorePtr {
        ptr: store_ptr.cast(),
        id: Some(id),
    });
    // SAFETY: the store context and `hooks` outlive the call and are the only ways to
    // the store while it runs (above); the callee's vmctx is alive and the buffer is
    // long enough for its signature, which the callers checked.
    let result = unsafe { vm::catch_traps(context, NonNull::new(hooks), max_wasm_stack, call) };
    drop(depth);
    result.map_err(|trap| trap_to_error(store.opaque(), trap))
}

/// Converts a vm trap to the API's error: a [`Trap`] with a backtrace of named frames,
/// or the host error it carries, unchanged.
pub(crate) fn trap_to_error(store: &StoreOpaque, trap: vm::Trap) -> Error {
    let frames: Vec<FrameInfo> = trap
        .backtrace()
        .iter()
        .filter_map(|frame| frame_info(store, frame))
        .collect();
    match trap.into_reason() {
        vm::TrapReason::Wasm(code) => Error::new(Trap::new(code, frames)),
        vm::TrapReason::Host(error) => error,
        vm::TrapReason::Exception(raw) => match crate::tag::ExnRef::from_raw(store, raw) {
            Some(exn) => Error::new(crate::tag::ThrownException::new(exn)),
            None => Error::msg("an exception escaped without a reference"),
        },
    }
}

/// Names a frame by finding the module whose code it is in.
fn frame_info(store: &StoreOpaque, frame: &vm::BacktraceFrame) -> Option<FrameInfo> {
    let module = store
        .instance_modules()
        .find(|module| module.code().text_start() == frame.text_start)?;
    let env = module.env();
    let func = env.func_index(frame.func);
    Some(FrameInfo {
        func_index: func.as_u32(),
        func_name: env.func_name(func).map(str::to_string),
        module_name: env.names.module.clone(),
        module_offset: frame.wasm_offset.map(|o| o as usize),
    })
}

/// Uncounts one running call into wasm from its store's `wasm_depth` when dropped,
/// however the call ends.
struct WasmDepth<T: 'static>(*mut StoreInner<T>);

impl<T: 'static> Drop for WasmDepth<T> {
    fn drop(&mut self) {
        // SAFETY: `invoke`'s store pointer, valid for the whole call; the guard drops
        // right after `catch_traps` returns or while its panic unwinds, before `invoke`
        // uses its own borrow of the store again, and nested calls have returned.
        unsafe { (*self.0).opaque_mut().wasm_depth -= 1 }
    }
}

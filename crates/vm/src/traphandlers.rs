//! `catch_traps`: the one way into compiled code. It records the call in a thread-local
//! activation, gives the store a stack limit for this thread, enters compiled code
//! through the C shim in `traphandlers/setjmp.c`, and returns here when a signal handler
//! or `Raise` unwinds; recorded traps, host errors and panics then come back as a
//! `Result` (panics resume unwinding).
//!
//! The invariants that make the jump back sound are written down in ARCHITECTURE.md
//! ("Unsafe invariants"): between the shim's jump buffer and compiled code there is no
//! Rust frame, and whatever raises (the `Raise` libcall, the fault resume point) holds
//! nothing that needs dropping.

mod signals;
mod stack_limit;

pub(crate) use stack_limit::remaining as stack_remaining;

use core::cell::{Cell, UnsafeCell};
use core::ffi::c_void;
use core::ptr::{self, NonNull};
use std::any::Any;

use environ::TrapCode;

pub use signals::init_traps;

use crate::ValRaw;
use crate::store::{HostError, StoreHooks};
use crate::trap::{Trap, capture_backtrace};
use crate::vmcontext::{VMArrayCallFunction, VMContext, VMStoreContext};

unsafe extern "C" {
    /// Stores a jump buffer in `*jmp_buf_out` and calls `callee` with the other
    /// arguments. Returns 1 or 0 for the callee's `true` or `false`, and -1 when
    /// `tarn_longjmp` jumped back.
    fn tarn_enter_wasm(
        jmp_buf_out: *mut *const c_void,
        callee: VMArrayCallFunction,
        callee_vmctx: *mut c_void,
        caller_vmctx: *mut c_void,
        values: *mut c_void,
        len: usize,
    ) -> i32;

    /// Jumps back to the `tarn_enter_wasm` frame that stored `jmp_buf`.
    fn tarn_longjmp(jmp_buf: *const c_void) -> !;
}

/// Why an activation is unwinding.
enum UnwindReason {
    Trap(Trap),
    Panic(Box<dyn Any + Send>),
}

/// What the signal handler learnt about a fault in compiled code. It only writes this
/// (no allocation, no lock); the fault's resume point turns it into a `Trap`.
#[derive(Copy, Clone, Debug)]
struct Fault {
    signal: libc::c_int,
    code: TrapCode,
    pc: usize,
    fp: usize,
    /// The faulting data address, for SIGSEGV and SIGBUS.
    address: usize,
}

/// One call into compiled code on this thread; activations nest when wasm calls the
/// host and the host calls wasm again.
struct Activation {
    jmp_buf: Cell<*const c_void>,
    pending: UnsafeCell<Option<UnwindReason>>,
    /// Written by the signal handler, taken by the resume point.
    fault: Cell<Option<Fault>>,
    store: NonNull<VMStoreContext>,
    /// The store as libcalls see it, derived from the borrow of the store that the
    /// caller of `catch_traps` holds for the whole call.
    hooks: Option<NonNull<dyn StoreHooks>>,
    previous: *const Activation,
}

thread_local! {
    /// The innermost activation. Const-initialised and without a destructor, so the
    /// signal handler can read it without allocating.
    static ACTIVATION: Cell<*const Activation> = const { Cell::new(ptr::null()) };
}

fn current_activation() -> *const Activation {
    ACTIVATION.with(Cell::get)
}

/// Whether an activation on this thread's list (innermost first) is for `store`.
fn store_is_active_on_this_thread(store: NonNull<VMStoreContext>) -> bool {
    let mut activation = current_activation();
    while !activation.is_null() {
        // SAFETY: activations on the list are alive (each is popped before its frame
        // ends) and belong to this thread.
        let current = unsafe { &*activation };
        if current.store == store {
            return true;
        }
        activation = current.previous;
    }
    false
}

impl Activation {
    /// Records why this activation must unwind; the first reason wins.
    ///
    /// # Safety
    ///
    /// Only on the activation's own thread, outside a signal handler, with no reference
    /// to `pending` alive.
    unsafe fn record(&self, reason: UnwindReason) {
        // SAFETY: single-threaded access per the caller's contract.
        let pending = unsafe { &mut *self.pending.get() };
        if pending.is_none() {
            *pending = Some(reason);
        }
    }

    /// The wasm frames below the store's last exit to the host or a builtin.
    fn exit_backtrace(&self) -> Vec<crate::code_registry::BacktraceFrame> {
        // SAFETY: the store context outlives the activation (catch_traps's contract).
        let store = unsafe { self.store.as_ref() };
        let pc = store.last_wasm_exit_pc.get();
        let fp = store.last_wasm_exit_fp.get();
        if pc == 0 {
            return Vec::new();
        }
        // SAFETY: compiled code records its own fp and the return address of the call
        // it makes to the host before making it, and that frame is still live.
        unsafe { capture_backtrace(pc, fp, store.last_wasm_entry_fp.get()) }
    }
}

/// The store's frame records of an enclosing call into wasm, put aside while a nested
/// call runs so a backtrace never follows frames of another activation.
struct FrameRecords {
    exit_fp: usize,
    exit_pc: usize,
    entry_fp: usize,
}

impl FrameRecords {
    fn take(store: &VMStoreContext) -> Self {
        Self {
            exit_fp: store.last_wasm_exit_fp.replace(0),
            exit_pc: store.last_wasm_exit_pc.replace(0),
            entry_fp: store.last_wasm_entry_fp.replace(0),
        }
    }

    fn restore(self, store: &VMStoreContext) {
        store.last_wasm_exit_fp.set(self.exit_fp);
        store.last_wasm_exit_pc.set(self.exit_pc);
        store.last_wasm_entry_fp.set(self.entry_fp);
    }
}

/// A call through an array-call entry: what `catch_traps` hands to the C shim.
#[derive(Copy, Clone, Debug)]
pub struct ArrayCall {
    /// The entry: an array-to-wasm trampoline, or a host function's shim.
    pub entry: VMArrayCallFunction,
    /// The callee's context.
    pub callee_vmctx: *mut VMContext,
    /// The caller's context (the callee's own when the host calls).
    pub caller_vmctx: *mut VMContext,
    /// The argument and result buffer.
    pub values: *mut ValRaw,
    /// The buffer's length in values.
    pub len: usize,
}

/// Calls `call.entry` with its arguments, catching traps.
///
/// The store gets a stack limit for this thread unless this thread is already running
/// wasm of the same store: `max_wasm_stack` below the current stack pointer, but never
/// lower than the thread's real stack allows (see `stack_limit`). A host function that
/// re-enters the store from another thread therefore gets a limit on that thread's
/// stack, and the previous limit is restored on return.
///
/// `hooks` is how libcalls reach the store during this call (limits on growth, fuel and
/// epoch callbacks): it must be derived from the borrow of the store the caller holds
/// for the whole call, so that no libcall writes through a pointer made earlier.
///
/// # Errors
///
/// The trap or host error that stopped the call. A panic in a libcall or host function
/// resumes unwinding here instead.
///
/// # Safety
///
/// - `store` and `hooks` must be valid for the whole call, and nothing else may use the
///   store they point at while compiled code runs, except through them.
/// - `call` must be a valid array call: an entry with that convention, contexts it
///   accepts, and a buffer of `len` values long enough for the callee's signature.
pub unsafe fn catch_traps(
    store: NonNull<VMStoreContext>,
    hooks: Option<NonNull<dyn StoreHooks>>,
    max_wasm_stack: usize,
    call: ArrayCall,
) -> Result<(), Trap> {
    if let Err(error) = init_traps() {
        return Err(Trap::host(crate::Error::new(error)));
    }
    signals::ensure_sigaltstack();
    // SAFETY: the caller guarantees the store context is valid.
    let store_ref = unsafe { store.as_ref() };
    let previous_limit = store_ref.stack_limit.get();
    if !store_is_active_on_this_thread(store) {
        store_ref
            .stack_limit
            .set(stack_limit::for_this_thread(max_wasm_stack));
    }
    let saved_frames = FrameRecords::take(store_ref);
    let activation = Activation {
        jmp_buf: Cell::new(ptr::null()),
        pending: UnsafeCell::new(None),
        fault: Cell::new(None),
        store,
        hooks,
        previous: current_activation(),
    };
    ACTIVATION.with(|a| a.set(&activation));
    // SAFETY: the shim stores the jump buffer in our activation before calling the
    // entry, and returns (normally or by longjmp) before `activation` dies; the call's
    // validity is the caller's promise.
    let status = unsafe {
        tarn_enter_wasm(
            activation.jmp_buf.as_ptr(),
            call.entry,
            call.callee_vmctx.cast(),
            call.caller_vmctx.cast(),
            call.values.cast(),
            call.len,
        )
    };
    ACTIVATION.with(|a| a.set(activation.previous));
    saved_frames.restore(store_ref);
    store_ref.stack_limit.set(previous_limit);
    match (activation.pending.into_inner(), status) {
        (Some(UnwindReason::Panic(panic)), _) => std::panic::resume_unwind(panic),
        (Some(UnwindReason::Trap(trap)), _) => Err(trap),
        (None, 1) => Ok(()),
        (None, _) => Err(Trap::host(crate::Error::msg(
            "a call into wasm failed without recording a trap",
        ))),
    }
}

/// Runs `f` with the store hooks of the innermost call into wasm on this thread, or
/// `None` when there is none or it has no hooks.
///
/// # Safety
///
/// Only from a libcall called by compiled code of that call's store, with no other
/// reference to the store alive (compiled code holds none).
pub(crate) unsafe fn with_store_hooks<R>(f: impl FnOnce(Option<&mut dyn StoreHooks>) -> R) -> R {
    let activation = current_activation();
    if activation.is_null() {
        return f(None);
    }
    // SAFETY: the innermost activation of this thread is alive.
    let hooks = unsafe { (*activation).hooks };
    match hooks {
        // SAFETY: `catch_traps`'s caller derived the pointer from the borrow it holds
        // for the whole call and uses the store only through it while wasm runs; this
        // libcall is the only user right now.
        Some(mut hooks) => f(Some(unsafe { hooks.as_mut() })),
        None => f(None),
    }
}

/// Records a trap from a libcall for the current activation, with a backtrace from the
/// store's last wasm exit. Returns `false` when no call into wasm is active.
pub(crate) fn record_trap_code(code: TrapCode) -> bool {
    record_with_backtrace(|| Trap::new(code))
}

/// Records a host error for the current call into wasm, so that when the host
/// function returns `false` and compiled code raises, `catch_traps` returns it
/// unchanged.
///
/// # Errors
///
/// Gives the error back when this thread is not inside `catch_traps`.
pub fn record_host_error(error: HostError) -> Result<(), HostError> {
    let activation = current_activation();
    if activation.is_null() {
        return Err(error);
    }
    record_with_backtrace(|| Trap::host(error));
    Ok(())
}

fn record_with_backtrace(trap: impl FnOnce() -> Trap) -> bool {
    let activation = current_activation();
    if activation.is_null() {
        return false;
    }
    // SAFETY: activations on the list are alive (each is popped before its frame ends)
    // and belong to this thread.
    let activation = unsafe { &*activation };
    let trap = trap().with_backtrace(activation.exit_backtrace());
    // SAFETY: this thread's activation, with no reference into `pending` alive.
    unsafe { activation.record(UnwindReason::Trap(trap)) };
    true
}

/// Records an uncaught exception for the current call into wasm, with a backtrace from
/// the frame that threw it (the store's last exit). Returns `false` when no call into
/// wasm is active.
pub(crate) fn record_exception(exnref: usize) -> bool {
    record_with_backtrace(|| Trap::exception(exnref))
}

/// Throws the exception `exnref` (of the current call's store) into the wasm frames
/// below a host function that returned it: to the handler of the call that reached the
/// host, or of a caller of that frame. Returns only when no wasm frame of this call
/// catches it, after recording it as the call's unwind reason (`false` when there is no
/// call into wasm to record it for).
///
/// # Safety
///
/// Only from a host function's array-call entry, called by compiled code (through its
/// wasm-to-array trampoline, which recorded the calling wasm frame), with nothing left
/// that needs dropping in the frames between here and compiled code.
pub unsafe fn throw_from_host(exnref: usize) -> bool {
    let activation = current_activation();
    if activation.is_null() {
        return false;
    }
    // SAFETY: the activation is alive and its store context outlives it.
    let store = unsafe { (*activation).store.as_ref() };
    let (pc, fp) = (store.last_wasm_exit_pc.get(), store.last_wasm_exit_fp.get());
    let entry_fp = store.last_wasm_entry_fp.get();
    let at_call = crate::exceptions::landing_at(pc, fp);
    // SAFETY: `fp` is the frame of the wasm function that called the host (recorded by
    // the trampoline), still live below us.
    let landing = at_call.or_else(|| unsafe { crate::exceptions::find_handler(fp, entry_fp) });
    match landing {
        // SAFETY: the caller's promise about the frames skipped.
        Some(landing) => unsafe { crate::exceptions::resume(landing, exnref) },
        None => record_exception(exnref),
    }
}

/// Records a panic caught at the boundary of a libcall or host function, to resume
/// once control is back in `catch_traps`.
///
/// # Errors
///
/// Gives the payload back when this thread is not inside `catch_traps`.
pub fn record_panic(payload: Box<dyn Any + Send>) -> Result<(), Box<dyn Any + Send>> {
    let activation = current_activation();
    if activation.is_null() {
        return Err(payload);
    }
    // SAFETY: as in `record_with_backtrace`.
    unsafe { (*activation).record(UnwindReason::Panic(payload)) };
    Ok(())
}

/// The size of the lowest page of the address space, which Linux never maps (its
/// `vm.mmap_min_addr` is at least this), so a fault there is a null access.
const NULL_PAGE_SIZE: usize = 4096;

/// Where the signal handler sends a thread that faulted in compiled code: it returns
/// from the handler (so the kernel restores the signal mask and leaves the alternate
/// stack) into this function, running on the thread's own stack below the faulting
/// frame. Here, outside any signal handler, it may allocate and take locks: it checks
/// the fault, builds the trap with its backtrace and jumps back to `catch_traps`.
///
/// A memory fault is claimed as an out-of-bounds access only at a heap-access trap site
/// and at an address inside a linear memory's reservation or the null page; anything
/// else is a bug in Tarn's code generation, and continuing could hide memory
/// corruption, so the process aborts with a message naming both addresses.
extern "C" fn resume_after_fault(activation: *const Activation) -> ! {
    // SAFETY: the signal handler passes this thread's innermost activation, which stays
    // alive until control is back in its `catch_traps`.
    let activation = unsafe { &*activation };
    let Some(fault) = activation.fault.take() else {
        std::process::abort();
    };
    let memory_fault = fault.signal == libc::SIGSEGV || fault.signal == libc::SIGBUS;
    // Explicitly checked accesses (64-bit memories) send an out-of-bounds index to the
    // null address with a Spectre-safe select, so the first page, which is never
    // mapped, is also a memory's trap address.
    let clamped_to_null = fault.address < NULL_PAGE_SIZE;
    if memory_fault
        && (fault.code != TrapCode::MemoryOutOfBounds
            || !(clamped_to_null || crate::reservations::contains(fault.address)))
    {
        eprintln!(
            "tarn: compiled code at {:#x} faulted on address {:#x}, which is not in any \
             linear memory's reservation (trap site: {}); aborting",
            fault.pc, fault.address, fault.code
        );
        std::process::abort();
    }
    // SAFETY: the store context outlives the activation.
    let entry_fp = unsafe { activation.store.as_ref() }
        .last_wasm_entry_fp
        .get();
    // SAFETY: the fault happened in compiled code at `pc` with frame pointer `fp`, and
    // its frames are intact above this one.
    let backtrace = unsafe { capture_backtrace(fault.pc, fault.fp, entry_fp) };
    let trap = Trap::new(fault.code)
        .with_fault(fault.pc, fault.fp)
        .with_backtrace(backtrace);
    // SAFETY: this thread's activation, outside a signal handler, with no reference
    // into `pending` alive.
    unsafe { activation.record(UnwindReason::Trap(trap)) };
    // SAFETY: the activation stored its jump buffer before running compiled code; the
    // frames skipped are compiled code and this one, which owns nothing now.
    unsafe { tarn_longjmp(activation.jmp_buf.get()) }
}

/// Unwinds to the innermost `catch_traps`, which reports what was recorded.
///
/// # Safety
///
/// Every frame between here and that `catch_traps` must be compiled code or free of
/// destructors and `catch_unwind` (the `Raise` libcall's situation).
pub unsafe fn raise() -> ! {
    let activation = current_activation();
    if activation.is_null() {
        // Nothing to return to: continuing would run wasm past a trap.
        std::process::abort();
    }
    // SAFETY: the activation is alive; it stored its jump buffer before running
    // anything that can raise, and the caller vouches for the skipped frames.
    unsafe { tarn_longjmp((*activation).jmp_buf.get()) }
}

#[cfg(test)]
mod tests;

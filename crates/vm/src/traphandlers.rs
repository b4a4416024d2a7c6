//! `catch_traps`: the one way into compiled code. It records the call in a thread-local
//! activation, sets the store's stack limit on first entry, and returns here (through
//! the setjmp shim) when a signal handler or `Raise` unwinds; recorded traps, host
//! errors and panics then come back as a `Result` (panics resume unwinding).

mod signals;

use core::cell::{Cell, UnsafeCell};
use core::ffi::c_void;
use core::ptr::{self, NonNull};
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use environ::TrapCode;

pub use signals::init_traps;

use crate::store::HostError;
use crate::trap::{Trap, capture_backtrace};
use crate::vmcontext::VMStoreContext;

unsafe extern "C" {
    /// Stores a jump buffer in `*jmp_buf_out`, runs `body(payload)` and returns 1, or
    /// returns 0 when `tarn_longjmp` jumps back to it.
    fn tarn_setjmp_call(
        jmp_buf_out: *mut *const c_void,
        body: extern "C" fn(*mut c_void),
        payload: *mut c_void,
    ) -> i32;

    /// Jumps back to the `tarn_setjmp_call` frame that stored `jmp_buf`.
    fn tarn_longjmp(jmp_buf: *const c_void) -> !;
}

/// Why an activation is unwinding.
enum UnwindReason {
    Trap(Trap),
    Panic(Box<dyn Any + Send>),
}

/// One call into compiled code on this thread; activations nest when wasm calls the
/// host and the host calls wasm again.
struct Activation {
    jmp_buf: Cell<*const c_void>,
    pending: UnsafeCell<Option<UnwindReason>>,
    store: NonNull<VMStoreContext>,
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

impl Activation {
    /// Records why this activation must unwind; the first reason wins.
    ///
    /// # Safety
    ///
    /// Only on the activation's own thread, with no reference to `pending` alive.
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

/// The current stack pointer, near enough: the address of a local.
fn stack_pointer() -> usize {
    let marker = 0_u8;
    core::hint::black_box(&raw const marker) as usize
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

struct Payload<F> {
    body: Option<F>,
    result: Option<std::thread::Result<bool>>,
}

extern "C" fn call_body<F: FnOnce() -> bool>(payload: *mut c_void) {
    // SAFETY: `catch_traps` passes a pointer to its own `Payload<F>`.
    let payload = unsafe { &mut *payload.cast::<Payload<F>>() };
    if let Some(body) = payload.body.take() {
        payload.result = Some(panic::catch_unwind(AssertUnwindSafe(body)));
    }
}

/// Runs `body`, which calls into compiled code, catching traps.
///
/// `body` returns `true` when the call returned normally and `false` when an array call
/// reported a recorded trap or host error. On the first entry for a store the stack
/// limit becomes the current stack pointer minus `max_wasm_stack`.
///
/// # Errors
///
/// The trap or host error that stopped the call. A panic in `body` or in a libcall or
/// host function resumes unwinding here instead.
///
/// # Safety
///
/// - `store` must be valid for the whole call.
/// - `body` may be abandoned at any point where compiled code runs: a trap jumps over
///   its remaining frames without running destructors, so no frame between this call and
///   compiled code may own anything that needs dropping (call the trampoline directly).
pub unsafe fn catch_traps<F: FnOnce() -> bool>(
    store: NonNull<VMStoreContext>,
    max_wasm_stack: usize,
    body: F,
) -> Result<(), Trap> {
    if let Err(error) = init_traps() {
        return Err(Trap::host(Box::new(error)));
    }
    signals::ensure_sigaltstack();
    // SAFETY: the caller guarantees the store context is valid.
    let store_ref = unsafe { store.as_ref() };
    let outermost = store_ref.stack_limit.get() == usize::MAX;
    if outermost {
        store_ref
            .stack_limit
            .set(stack_pointer().saturating_sub(max_wasm_stack));
    }
    let saved_frames = FrameRecords::take(store_ref);
    let activation = Activation {
        jmp_buf: Cell::new(ptr::null()),
        pending: UnsafeCell::new(None),
        store,
        previous: current_activation(),
    };
    ACTIVATION.with(|a| a.set(&activation));
    let mut payload = Payload {
        body: Some(body),
        result: None,
    };
    // SAFETY: the shim stores the jump buffer in our activation before running the
    // body, and returns (normally or by longjmp) before `activation` or `payload` die.
    unsafe {
        tarn_setjmp_call(
            activation.jmp_buf.as_ptr(),
            call_body::<F>,
            (&raw mut payload).cast(),
        );
    }
    ACTIVATION.with(|a| a.set(activation.previous));
    saved_frames.restore(store_ref);
    if outermost {
        store_ref.stack_limit.set(usize::MAX);
    }
    match (activation.pending.into_inner(), payload.result) {
        (Some(UnwindReason::Panic(panic)), _) | (_, Some(Err(panic))) => {
            panic::resume_unwind(panic)
        }
        (Some(UnwindReason::Trap(trap)), _) => Err(trap),
        (None, Some(Ok(true))) => Ok(()),
        (None, _) => Err(Trap::host(
            "a call into wasm failed without recording a trap".into(),
        )),
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

/// Records a trap found by the signal handler.
///
/// # Safety
///
/// On the faulting thread, inside its innermost activation, with `pc`/`fp` from the
/// signal context of a fault in registered code.
unsafe fn record_fault(activation: &Activation, code: TrapCode, pc: usize, fp: usize) {
    // SAFETY: the store context outlives the activation.
    let entry_fp = unsafe { activation.store.as_ref() }
        .last_wasm_entry_fp
        .get();
    // SAFETY: the fault happened in compiled code at `pc` with frame pointer `fp`.
    let backtrace = unsafe { capture_backtrace(pc, fp, entry_fp) };
    let trap = Trap::new(code).with_fault(pc, fp).with_backtrace(backtrace);
    // SAFETY: the handler runs on the activation's thread and no reference into
    // `pending` is alive while compiled code runs.
    unsafe { activation.record(UnwindReason::Trap(trap)) };
}

/// Unwinds to the innermost `catch_traps`, which reports what was recorded.
///
/// # Safety
///
/// Every frame between here and that `catch_traps` must be compiled code or free of
/// destructors (the `Raise` libcall's situation).
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

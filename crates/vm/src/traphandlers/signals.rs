//! The signal handler for faults in compiled code: installed once per process for
//! SIGSEGV, SIGBUS, SIGILL and SIGFPE, running on a per-thread alternate stack. It
//! claims a fault only when this thread is inside `catch_traps` and the pc is a trap
//! site of registered code; every other fault goes to the handler installed before.

use core::cell::{Cell, RefCell};
use std::io;
use std::sync::OnceLock;

use super::{current_activation, record_fault, tarn_longjmp};
use crate::code_registry;
use crate::mmap::Mmap;
use crate::sys::{self, Protection, SavedAction, TRAP_SIGNALS};

/// The actions that were installed before ours, one per entry of `TRAP_SIGNALS`.
static PREVIOUS: [OnceLock<SavedAction>; 4] = [const { OnceLock::new() }; 4];

/// The result of installing the handlers, kept so every caller sees the same outcome.
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// The alternate stack we give threads whose own is missing or too small: the handler
/// looks up the registry and captures a backtrace, which needs more than the 8 KiB
/// glibc's default provides.
const ALT_STACK_SIZE: usize = 64 * 1024;

/// Installs Tarn's signal handlers, once per process. `catch_traps` calls this itself;
/// embedders may call it early to fix the chaining order.
///
/// # Errors
///
/// When `sigaction` fails (then no wasm can run with signals-based traps).
pub fn init_traps() -> io::Result<()> {
    INSTALLED
        .get_or_init(|| {
            for (slot, &signal) in PREVIOUS.iter().zip(&TRAP_SIGNALS) {
                // SAFETY: `trap_handler` claims only faults in registered compiled code
                // on threads inside catch_traps, and chains everything else.
                let previous = unsafe { sys::install_signal_handler(signal, trap_handler) }
                    .map_err(|error| error.to_string())?;
                let _ = slot.set(previous);
            }
            Ok(())
        })
        .clone()
        .map_err(io::Error::other)
}

/// This thread's alternate signal stack, when we had to provide one.
struct AltStack {
    _mapping: Mmap,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        sys::disable_sigaltstack();
    }
}

thread_local! {
    static ALT_STACK: RefCell<Option<AltStack>> = const { RefCell::new(None) };
    /// Whether this thread's alternate stack is known to be large enough, so the
    /// check costs one system call per thread rather than one per call into wasm.
    static ALT_STACK_READY: Cell<bool> = const { Cell::new(false) };
}

/// Gives this thread an alternate signal stack of at least `ALT_STACK_SIZE` bytes,
/// keeping an existing one that is large enough. A failure leaves the thread as it was:
/// faults are then handled on the thread's own stack, which works except for a host
/// stack overflow.
pub(super) fn ensure_sigaltstack() {
    if ALT_STACK_READY.get() {
        return;
    }
    if sys::current_sigaltstack_size() >= ALT_STACK_SIZE {
        ALT_STACK_READY.set(true);
        return;
    }
    let page = sys::page_size();
    let Ok(mapping) = Mmap::accessible(ALT_STACK_SIZE + page) else {
        return;
    };
    // SAFETY: the first page of our own fresh mapping becomes a guard; nothing points
    // into it.
    if unsafe { mapping.protect(0, page, Protection::None) }.is_err() {
        return;
    }
    // SAFETY: the stack stays mapped until the thread-local below drops, which disables
    // it first.
    let installed = unsafe { sys::set_sigaltstack(mapping.as_mut_ptr().add(page), ALT_STACK_SIZE) };
    if installed.is_ok() {
        ALT_STACK.with(|stack| {
            *stack.borrow_mut() = Some(AltStack { _mapping: mapping });
        });
        ALT_STACK_READY.set(true);
    }
}

/// The handler for every trap signal.
///
/// # Safety
///
/// Called only by the kernel, with an `SA_SIGINFO` handler's arguments.
unsafe extern "C" fn trap_handler(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    let activation = current_activation();
    if !activation.is_null() {
        // SAFETY: the kernel passes the interrupted thread's ucontext.
        let (pc, fp) = unsafe { sys::context_pc_fp(context) };
        if let Some(code) = code_registry::lookup_trap(pc) {
            // SAFETY: the activation is alive (popped only after control returns to
            // catch_traps) and this thread owns it; the fault is in compiled code.
            unsafe {
                record_fault(&*activation, code, pc, fp);
                tarn_longjmp((*activation).jmp_buf.get());
            }
        }
    }
    let Some(slot) = TRAP_SIGNALS.iter().position(|&s| s == signal) else {
        return;
    };
    if let Some(previous) = PREVIOUS[slot].get() {
        // SAFETY: we are in a handler for `signal`, forwarding the kernel's arguments.
        unsafe { sys::chain_signal(previous, signal, info, context) };
    }
}

#[cfg(test)]
mod tests;

//! The signal handler for faults in compiled code: installed once per process for
//! SIGSEGV, SIGBUS, SIGILL and SIGFPE, running on a per-thread alternate stack. It
//! claims a fault only when this thread is inside `catch_traps` and the pc is a trap
//! site of registered code; every other fault goes to the handler installed before.
//!
//! The handler is async-signal-safe: it reads a const thread-local, looks the pc up in
//! the code registry with `try_read` (never blocking), writes the fault's registers
//! into the activation and rewrites the signal context so that, when it returns, the
//! thread runs `resume_after_fault` on its own stack. It never allocates, never takes a
//! blocking lock and never jumps out of the handler.

use core::cell::{Cell, RefCell};
use core::ptr;
use std::io;
use std::sync::OnceLock;

use super::{Fault, current_activation, resume_after_fault};
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
#[inline]
pub fn init_traps() -> io::Result<()> {
    // Every call into wasm asks; after the first, the answer is one load.
    if let Some(Ok(())) = INSTALLED.get() {
        return Ok(());
    }
    install_handlers()
}

/// Installs the handlers once (every later call returns the first outcome).
#[cold]
fn install_handlers() -> io::Result<()> {
    INSTALLED
        .get_or_init(|| {
            for (slot, &signal) in PREVIOUS.iter().zip(&TRAP_SIGNALS) {
                // The earlier action is saved before ours is installed, so a signal that
                // arrives in between still finds something to chain to.
                let previous =
                    sys::current_signal_action(signal).map_err(|error| error.to_string())?;
                let _ = slot.set(previous);
                // SAFETY: `trap_handler` claims only faults in registered compiled code
                // on threads inside catch_traps, and chains everything else to the
                // action saved just above.
                unsafe { sys::install_signal_handler(signal, trap_handler) }
                    .map_err(|error| error.to_string())?;
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
        // Another thread-local's destructor may still call into wasm on this thread:
        // it must look again rather than trust a stack that is gone. `try_with` since
        // the flag may be torn down too (it has no destructor, so in practice it is not).
        let _ = ALT_STACK_READY.try_with(|ready| ready.set(false));
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
#[inline]
pub(super) fn ensure_sigaltstack() {
    if !ALT_STACK_READY.get() {
        install_sigaltstack();
    }
}

/// The slow path of [`ensure_sigaltstack`].
#[cold]
fn install_sigaltstack() {
    if sys::current_sigaltstack_size() >= ALT_STACK_SIZE {
        // Someone else's stack: it can vanish without telling us (Rust's runtime frees
        // its own at thread exit), so it is checked again on every entry.
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
    if installed.is_err() {
        return;
    }
    // After this thread's destructors have dropped the slot, the stack cannot be kept
    // alive: stop using it again before the mapping goes away with `mapping`.
    let kept = ALT_STACK.try_with(|stack| {
        *stack.borrow_mut() = Some(AltStack { _mapping: mapping });
    });
    match kept {
        Ok(()) => ALT_STACK_READY.set(true),
        Err(_) => sys::disable_sigaltstack(),
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
    // SAFETY: the kernel passes the signal's info and the interrupted thread's context.
    if unsafe { claim(signal, info, context) } {
        return;
    }
    let Some(slot) = TRAP_SIGNALS.iter().position(|&s| s == signal) else {
        return;
    };
    if let Some(previous) = PREVIOUS[slot].get() {
        // SAFETY: we are in a handler for `signal`, forwarding the kernel's arguments.
        unsafe { sys::chain_signal(previous, signal, info, context) };
    }
}

/// Claims a fault in compiled code of this thread's innermost call into wasm: records
/// it in the activation and redirects the thread to `resume_after_fault`. Returns
/// whether it did.
///
/// # Safety
///
/// As for [`trap_handler`].
unsafe fn claim(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) -> bool {
    let activation = current_activation();
    if activation.is_null() {
        return false;
    }
    // SAFETY: the activation is alive (popped only after control returns to
    // catch_traps) and belongs to this thread, which the handler interrupted.
    let activation_ref = unsafe { &*activation };
    if activation_ref.fault.get().is_some() {
        // A second fault before the first was handled: the resume point itself
        // faulted, which is not wasm's doing.
        return false;
    }
    // SAFETY: the kernel passes the interrupted thread's ucontext.
    let registers = unsafe { sys::fault_registers(context) };
    let Some(code) = code_registry::lookup_trap_in_signal_handler(registers.pc) else {
        return false;
    };
    let address = if signal == libc::SIGSEGV || signal == libc::SIGBUS {
        // SAFETY: the kernel's siginfo for a memory fault.
        unsafe { sys::fault_address(info) }
    } else {
        0
    };
    activation_ref.fault.set(Some(Fault {
        signal,
        code,
        pc: registers.pc,
        fp: registers.fp,
        address,
    }));
    // SAFETY: the fault is in compiled code, which runs at least the stack limit's
    // headroom above the end of the thread's stack, so the space below `sp` is mapped
    // and unused; `resume_after_fault` never returns.
    unsafe {
        sys::redirect_to(
            context,
            registers,
            resume_after_fault as *const () as usize,
            ptr::from_ref(activation_ref) as usize,
        );
    }
    true
}

#[cfg(test)]
mod tests;

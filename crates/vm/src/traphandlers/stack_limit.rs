//! The stack limit compiled code checks in every prologue, computed for the thread that
//! enters wasm. A configured `max_wasm_stack` is a wish, not a fact: on a thread whose
//! stack is smaller (a `std::thread::Builder::stack_size` thread, or a host function
//! re-entering wasm from a scoped thread) the limit is clamped so that wasm always stops
//! `HOST_STACK_HEADROOM` bytes above the thread's guard page. That headroom is what host
//! functions, libcalls and the fault resume point called from the deepest wasm frame run
//! in; Cranelift's prologue check includes the frame's own size, so no wasm frame can
//! reach past the limit, let alone jump the guard page.

use core::cell::Cell;

use crate::sys;

/// Stack kept free below the deepest wasm frame for host code.
pub(crate) const HOST_STACK_HEADROOM: usize = 64 * 1024;

thread_local! {
    /// The lowest usable address of this thread's stack once looked up (0 when the
    /// lookup failed).
    static STACK_LOW: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The lowest address of this thread's stack (above its guard), looked up once.
fn stack_low() -> usize {
    STACK_LOW.with(|low| match low.get() {
        Some(address) => address,
        None => {
            let address = sys::thread_stack_low().unwrap_or(0);
            low.set(Some(address));
            address
        }
    })
}

/// The current stack pointer, read from the register: the address of a local is not
/// good enough, since AddressSanitizer moves address-taken locals to a heap "fake stack".
#[inline(always)]
pub(crate) fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reading rsp into a register touches no memory and changes no flags.
    unsafe {
        core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

/// The limit for wasm entered from here: `max_wasm_stack` below the current stack
/// pointer, raised to keep `HOST_STACK_HEADROOM` above the bottom of the thread's stack.
/// When the stack's bounds cannot be found only `max_wasm_stack` applies.
pub(crate) fn for_this_thread(max_wasm_stack: usize) -> usize {
    let wished = stack_pointer().saturating_sub(max_wasm_stack);
    match stack_low() {
        0 => wished,
        low => wished.max(low.saturating_add(HOST_STACK_HEADROOM)),
    }
}

/// Bytes of stack left below the current stack pointer on this thread, when the stack's
/// bounds are known.
pub(crate) fn remaining() -> Option<usize> {
    match stack_low() {
        0 => None,
        low => Some(stack_pointer().saturating_sub(low)),
    }
}

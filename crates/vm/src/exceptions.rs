//! Exceptions: the store's heap of thrown exception objects, and the unwinder that
//! carries one from a `throw` to the handler of the nearest enclosing `try_table`.
//!
//! An `exnref` is a handle into the store's [`ExceptionHeap`] (index plus one; zero is
//! null). Compiled code never looks inside an exception: it asks builtins whether one
//! has a given tag and for a copy of its payload, so the object's layout is the vm's
//! alone.
//!
//! Unwinding uses only tables Tarn owns. Every call inside a `try_table` is a Cranelift
//! `try_call` whose one handler is a catch-all landing block; the translator matches
//! tags there itself and rethrows when no clause matches. The unwinder walks the frame
//! pointer chain from the throwing frame's caller, looks each return address up in the
//! code registry's handler sites, and at the first hit restores the stack pointer
//! (frame pointer minus the site's frame offset) and frame pointer and jumps to the
//! handler with the exception in the first payload register. A `try_call` clobbers every
//! register, so nothing else needs restoring. When the chain reaches the frame that
//! entered wasm, the exception escapes to the host as the activation's unwind reason.

use crate::ValRaw;
use crate::vmcontext::VMTag;

/// A thrown exception: its tag and the tag's parameters as values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionObject {
    /// The tag the exception was thrown with.
    pub tag: VMTag,
    /// The payload, in the tag's parameter order.
    pub payload: Box<[ValRaw]>,
}

/// The exceptions of one store. They live as long as the store: exception references
/// can be kept in globals and tables, which Tarn does not trace.
#[derive(Debug, Default)]
pub struct ExceptionHeap {
    objects: Vec<ExceptionObject>,
}

impl ExceptionHeap {
    /// Stores an exception and returns its `exnref` handle (never zero).
    pub fn push(&mut self, object: ExceptionObject) -> usize {
        self.objects.push(object);
        self.objects.len()
    }

    /// The exception with handle `raw`, if there is one.
    pub fn get(&self, raw: usize) -> Option<&ExceptionObject> {
        self.objects.get(raw.checked_sub(1)?)
    }

    /// How many exceptions the store holds.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether the store holds no exception.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

/// Where an exception lands: the handler's address, and the stack and frame pointers
/// of the frame it belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Landing {
    pub(crate) pc: usize,
    pub(crate) sp: usize,
    pub(crate) fp: usize,
}

/// The handler for an exception thrown by the callee of the frame whose frame pointer
/// is `fp` (the frame that called the throw builtin), or `None` if the exception
/// escapes every wasm frame up to the one `entry_fp` entered.
///
/// # Safety
///
/// `fp` must be the frame pointer of a live wasm frame of the current activation, whose
/// frames up to `entry_fp` are intact.
pub(crate) unsafe fn find_handler(fp: usize, entry_fp: usize) -> Option<Landing> {
    let mut fp = fp;
    loop {
        if fp == 0 || fp == entry_fp || !fp.is_multiple_of(align_of::<usize>()) {
            return None;
        }
        // SAFETY: `fp` is a wasm frame's frame pointer (the caller's promise for the
        // first, and each later one was saved by a wasm frame below it), which saves its
        // caller's frame pointer and the return address just above.
        let (caller_fp, return_address) =
            unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if caller_fp <= fp || caller_fp == entry_fp {
            return None;
        }
        if let Some(site) = crate::code_registry::lookup_handler(return_address) {
            return Some(Landing {
                pc: site.0,
                sp: caller_fp - site.1 as usize,
                fp: caller_fp,
            });
        }
        fp = caller_fp;
    }
}

/// Jumps to a handler with `exnref` in the first exception payload register.
///
/// # Safety
///
/// `landing` must come from [`find_handler`] for the current stack, and every frame
/// between here and the handler's must own nothing that needs dropping.
pub(crate) unsafe fn resume(landing: Landing, exnref: usize) -> ! {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the caller's promise: the landing's frame is live, its handler expects
    // exactly this stack and frame pointer, and expects every other register clobbered.
    unsafe {
        core::arch::asm!(
            "mov rsp, {sp}",
            "mov rbp, {fp}",
            "jmp {pc}",
            sp = in(reg) landing.sp,
            fp = in(reg) landing.fp,
            pc = in(reg) landing.pc,
            in("rax") exnref,
            options(noreturn),
        )
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as above.
    unsafe {
        core::arch::asm!(
            "mov sp, {sp}",
            "mov x29, {fp}",
            "br {pc}",
            sp = in(reg) landing.sp,
            fp = in(reg) landing.fp,
            pc = in(reg) landing.pc,
            in("x0") exnref,
            options(noreturn),
        )
    }
}

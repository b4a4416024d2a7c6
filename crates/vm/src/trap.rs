//! `Trap`: why a call into wasm stopped early (a trap code or a host error), where, and
//! the wasm frames it passed through.

use core::fmt;

use environ::TrapCode;

use crate::code_registry::{self, BacktraceFrame};
use crate::store::HostError;

/// Why execution stopped.
#[derive(Debug)]
pub enum TrapReason {
    /// Compiled code or a libcall trapped.
    Wasm(TrapCode),
    /// A host function (or the store's limiter or hooks) returned this error; it passes
    /// through wasm frames unchanged.
    Host(HostError),
    /// A wasm exception no handler caught: its `exnref` in the store's exception heap.
    Exception(usize),
}

/// A trap or host error that unwound a call into wasm.
#[derive(Debug)]
pub struct Trap {
    reason: TrapReason,
    /// The faulting pc and frame pointer, for traps raised by a signal.
    fault: Option<(usize, usize)>,
    backtrace: Vec<BacktraceFrame>,
}

impl Trap {
    /// A trap with `code` and no location.
    pub fn new(code: TrapCode) -> Self {
        Self {
            reason: TrapReason::Wasm(code),
            fault: None,
            backtrace: Vec::new(),
        }
    }

    /// A trap carrying a host error.
    pub fn host(error: HostError) -> Self {
        Self {
            reason: TrapReason::Host(error),
            fault: None,
            backtrace: Vec::new(),
        }
    }

    pub(crate) fn with_fault(mut self, pc: usize, fp: usize) -> Self {
        self.fault = Some((pc, fp));
        self
    }

    pub(crate) fn with_backtrace(mut self, backtrace: Vec<BacktraceFrame>) -> Self {
        self.backtrace = backtrace;
        self
    }

    /// An uncaught exception.
    pub fn exception(exnref: usize) -> Self {
        Self {
            reason: TrapReason::Exception(exnref),
            fault: None,
            backtrace: Vec::new(),
        }
    }

    /// The trap code, unless this is a host error or an exception.
    pub fn code(&self) -> Option<TrapCode> {
        match self.reason {
            TrapReason::Wasm(code) => Some(code),
            TrapReason::Host(_) | TrapReason::Exception(_) => None,
        }
    }

    /// Why execution stopped.
    pub fn reason(&self) -> &TrapReason {
        &self.reason
    }

    /// Why execution stopped, by value (to recover a host error unchanged).
    pub fn into_reason(self) -> TrapReason {
        self.reason
    }

    /// The faulting instruction's address, for traps raised by a signal.
    pub fn pc(&self) -> Option<usize> {
        self.fault.map(|(pc, _)| pc)
    }

    /// The frame pointer at the fault, for traps raised by a signal.
    pub fn fp(&self) -> Option<usize> {
        self.fault.map(|(_, fp)| fp)
    }

    /// The wasm frames, innermost first.
    pub fn backtrace(&self) -> &[BacktraceFrame] {
        &self.backtrace
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            TrapReason::Wasm(code) => write!(f, "wasm trap: {code}"),
            TrapReason::Host(error) => write!(f, "{error}"),
            TrapReason::Exception(_) => f.write_str("uncaught wasm exception"),
        }
    }
}

impl std::error::Error for Trap {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.reason {
            TrapReason::Wasm(_) | TrapReason::Exception(_) => None,
            TrapReason::Host(error) => Some(error.as_error()),
        }
    }
}

/// The most frames a backtrace records; deeper stacks are cut, never walked forever.
const MAX_FRAMES: usize = 64 * 1024;

/// Walks wasm frames from `pc`/`fp` outwards until the pc leaves registered code or
/// reaches the frame at `entry_fp`.
///
/// # Safety
///
/// `pc` and `fp` must describe a frame of compiled code on this thread's stack (or `pc`
/// must lie outside registered code), with frame pointers kept by every wasm frame:
/// `[fp]` holds the caller's fp and `[fp + 8]` the return address.
#[cfg(target_arch = "x86_64")]
pub(crate) unsafe fn capture_backtrace(
    pc: usize,
    fp: usize,
    entry_fp: usize,
) -> Vec<BacktraceFrame> {
    let mut frames = Vec::new();
    let (mut pc, mut fp, mut lookup_pc) = (pc, fp, pc);
    while frames.len() < MAX_FRAMES && code_registry::is_wasm_code(lookup_pc) {
        frames.extend(code_registry::frame_at(pc, lookup_pc));
        if fp == 0 || fp == entry_fp || fp % align_of::<usize>() != 0 {
            break;
        }
        // SAFETY: `fp` is the frame pointer of a wasm frame (its pc is registered code),
        // which always saves the caller's fp and return address above it.
        let (caller_fp, return_address) =
            unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if caller_fp <= fp {
            break;
        }
        (pc, fp, lookup_pc) = (return_address, caller_fp, return_address.wrapping_sub(1));
    }
    frames
}

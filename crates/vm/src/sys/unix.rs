//! Thin wrappers over libc for memory mapping, protection and signals. Each function
//! states what it needs from its caller; none of them knows about WebAssembly.

use core::ptr::{self, NonNull};
use std::io;
use std::sync::OnceLock;

/// How a range of pages may be accessed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Protection {
    /// No access: touching the pages faults.
    None,
    /// Readable and writable.
    ReadWrite,
    /// Readable and executable, never writable.
    ReadExecute,
}

impl Protection {
    fn as_libc(self) -> libc::c_int {
        match self {
            Self::None => libc::PROT_NONE,
            Self::ReadWrite => libc::PROT_READ | libc::PROT_WRITE,
            Self::ReadExecute => libc::PROT_READ | libc::PROT_EXEC,
        }
    }
}

/// The host page size in bytes.
pub(crate) fn page_size() -> usize {
    static PAGE_SIZE: OnceLock<usize> = OnceLock::new();
    *PAGE_SIZE.get_or_init(|| {
        // SAFETY: sysconf has no preconditions.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size).unwrap_or(4096)
    })
}

/// Maps `len` bytes of fresh, zeroed, private anonymous memory with `protection`.
/// `PROT_NONE` mappings reserve address space without committing memory.
pub(crate) fn mmap_anonymous(len: usize, protection: Protection) -> io::Result<NonNull<u8>> {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE;
    // SAFETY: a new anonymous mapping at an address of the kernel's choosing cannot alias
    // any existing Rust object.
    let ptr = unsafe { libc::mmap(ptr::null_mut(), len, protection.as_libc(), flags, -1, 0) };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))
}

/// Changes the protection of `len` bytes at `ptr`.
///
/// # Safety
///
/// The range must lie inside a mapping the caller owns, be page-aligned, and no Rust
/// reference may point into pages that lose an access the reference needs.
pub(crate) unsafe fn mprotect(ptr: *mut u8, len: usize, protection: Protection) -> io::Result<()> {
    if len == 0 {
        return Ok(());
    }
    // SAFETY: the caller owns the page-aligned range and keeps no conflicting references.
    let rc = unsafe { libc::mprotect(ptr.cast(), len, protection.as_libc()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Unmaps `len` bytes at `ptr`.
///
/// # Safety
///
/// The range must be a mapping (or part of one) the caller owns, and nothing may use it
/// afterwards.
pub(crate) unsafe fn munmap(ptr: *mut u8, len: usize) {
    // SAFETY: the caller owns the mapping and gives it up.
    let rc = unsafe { libc::munmap(ptr.cast(), len) };
    debug_assert_eq!(rc, 0, "munmap failed: {}", io::Error::last_os_error());
}

/// The signals whose faults compiled code may cause.
pub(crate) const TRAP_SIGNALS: [libc::c_int; 4] =
    [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

/// A signal handler with `SA_SIGINFO` arguments.
pub(crate) type SignalHandler =
    unsafe extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void);

/// A saved signal disposition, to chain to or restore.
#[derive(Copy, Clone)]
pub(crate) struct SavedAction(libc::sigaction);

/// Installs `handler` for `signal` on the alternate stack, with `SA_NODEFER` so a
/// handler that jumps out leaves the signal unblocked, and returns the previous action.
///
/// # Safety
///
/// `handler` must be async-signal-safe enough for the faults it claims, and must chain
/// every other fault to the returned action.
pub(crate) unsafe fn install_signal_handler(
    signal: libc::c_int,
    handler: SignalHandler,
) -> io::Result<SavedAction> {
    // SAFETY: sigaction is plain old data; all-zero is a valid empty value.
    let mut action: libc::sigaction = unsafe { core::mem::zeroed() };
    action.sa_sigaction = handler as usize;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
    // SAFETY: the mask is a valid, owned sigset_t.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    // SAFETY: as above, zero is a valid value to be overwritten.
    let mut previous: libc::sigaction = unsafe { core::mem::zeroed() };
    // SAFETY: both pointers are to valid, owned sigaction values.
    let rc = unsafe { libc::sigaction(signal, &action, &mut previous) };
    if rc == 0 {
        Ok(SavedAction(previous))
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Passes a signal to the action that was installed before ours. A previous default
/// (or ignore) disposition is restored instead, so returning re-executes the fault and
/// the kernel applies it.
///
/// # Safety
///
/// Must be called from a signal handler for `signal`, with the handler's own arguments.
pub(crate) unsafe fn chain_signal(
    saved: &SavedAction,
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    let action = &saved.0;
    if action.sa_sigaction == libc::SIG_DFL || action.sa_sigaction == libc::SIG_IGN {
        // SAFETY: restoring a disposition the kernel gave us earlier is always valid.
        unsafe { libc::sigaction(signal, action, ptr::null_mut()) };
        return;
    }
    if action.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the kernel installed this address as an SA_SIGINFO handler, so it has
        // this signature; we forward the arguments we were given.
        let handler: SignalHandler = unsafe { core::mem::transmute(action.sa_sigaction) };
        // SAFETY: see above; the handler expects exactly these arguments.
        unsafe { handler(signal, info, context) };
    } else {
        // SAFETY: without SA_SIGINFO the address is a one-argument handler.
        let handler: extern "C" fn(libc::c_int) =
            unsafe { core::mem::transmute(action.sa_sigaction) };
        handler(signal);
    }
}

/// The faulting instruction's address and frame pointer from a signal's context.
///
/// # Safety
///
/// `context` must be the `ucontext_t` the kernel passed to an `SA_SIGINFO` handler.
pub(crate) unsafe fn context_pc_fp(context: *mut libc::c_void) -> (usize, usize) {
    // SAFETY: the caller passes the kernel's ucontext_t for this x86-64 Linux thread.
    let context = unsafe { &*context.cast::<libc::ucontext_t>() };
    let registers = &context.uc_mcontext.gregs;
    let pc = registers[usize::try_from(libc::REG_RIP).unwrap_or(16)];
    let fp = registers[usize::try_from(libc::REG_RBP).unwrap_or(10)];
    let to_address = |value: i64| usize::try_from(value.cast_unsigned()).unwrap_or(0);
    (to_address(pc), to_address(fp))
}

/// The size of this thread's alternate signal stack, or 0 if it has none (or it is
/// disabled).
pub(crate) fn current_sigaltstack_size() -> usize {
    // SAFETY: stack_t is plain old data.
    let mut current: libc::stack_t = unsafe { core::mem::zeroed() };
    // SAFETY: a null new stack only queries; `current` is valid for writing.
    let rc = unsafe { libc::sigaltstack(ptr::null(), &mut current) };
    if rc != 0 || current.ss_flags & libc::SS_DISABLE != 0 {
        0
    } else {
        current.ss_size
    }
}

/// Makes `len` bytes at `base` this thread's alternate signal stack.
///
/// # Safety
///
/// The range must be readable and writable and stay mapped until another stack replaces
/// it or [`disable_sigaltstack`] runs on this thread.
pub(crate) unsafe fn set_sigaltstack(base: *mut u8, len: usize) -> io::Result<()> {
    let stack = libc::stack_t {
        ss_sp: base.cast(),
        ss_flags: 0,
        ss_size: len,
    };
    // SAFETY: the caller keeps the range mapped while it is the alternate stack.
    let rc = unsafe { libc::sigaltstack(&stack, ptr::null_mut()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Stops using an alternate signal stack on this thread.
pub(crate) fn disable_sigaltstack() {
    let stack = libc::stack_t {
        ss_sp: ptr::null_mut(),
        ss_flags: libc::SS_DISABLE,
        ss_size: 0,
    };
    // SAFETY: disabling takes no memory from us; it fails harmlessly while on the stack.
    unsafe { libc::sigaltstack(&stack, ptr::null_mut()) };
}

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

/// A new anonymous in-memory file of `len` bytes (zeroed), for memory images; `None`
/// where the host has no `memfd_create`.
#[cfg(target_os = "linux")]
pub(crate) fn memory_file(len: usize) -> io::Result<Option<std::fs::File>> {
    use std::os::fd::FromRawFd;
    // SAFETY: the name is a NUL-terminated literal; the call creates a new descriptor.
    let fd = unsafe { libc::memfd_create(c"tarn-memory-image".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor this function owns.
    let file = unsafe { std::fs::File::from_raw_fd(fd) };
    file.set_len(u64::try_from(len).map_err(io::Error::other)?)?;
    Ok(Some(file))
}

/// A new anonymous in-memory file; `None` where the host has no `memfd_create`.
#[cfg(not(target_os = "linux"))]
pub(crate) fn memory_file(_len: usize) -> io::Result<Option<std::fs::File>> {
    Ok(None)
}

/// Gives the pages of `len` bytes at `ptr` back to the kernel: anonymous pages read as
/// zero afterwards, pages of a private file mapping as the file's contents.
///
/// # Safety
///
/// The page-aligned range must lie inside a mapping the caller owns, with no Rust
/// reference into it.
pub(crate) unsafe fn decommit(ptr: *mut u8, len: usize) -> io::Result<()> {
    if len == 0 {
        return Ok(());
    }
    // SAFETY: the caller owns the range and holds no reference into it.
    let rc = unsafe { libc::madvise(ptr.cast(), len, libc::MADV_DONTNEED) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Replaces whatever is mapped at `ptr` (`len` bytes) with fresh inaccessible anonymous
/// memory, as a reservation has.
///
/// # Safety
///
/// The page-aligned range must lie inside a mapping the caller owns, with no Rust
/// reference into it.
pub(crate) unsafe fn remap_reserved(ptr: *mut u8, len: usize) -> io::Result<()> {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED;
    // SAFETY: the caller owns the range and holds no reference into it.
    let mapped = unsafe { libc::mmap(ptr.cast(), len, libc::PROT_NONE, flags, -1, 0) };
    if mapped == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Maps `len` bytes of `file` from its start at `ptr`, readable, writable and private
/// (copy-on-write), replacing what was mapped there.
///
/// # Safety
///
/// The page-aligned range must lie inside a mapping the caller owns, with no Rust
/// reference into it; the file must be at least `len` bytes long.
pub(crate) unsafe fn mmap_file_fixed(
    ptr: *mut u8,
    len: usize,
    file: &std::fs::File,
) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let flags = libc::MAP_PRIVATE | libc::MAP_FIXED;
    let protection = Protection::ReadWrite.as_libc();
    // SAFETY: the caller owns the range and holds no reference into it.
    let mapped = unsafe { libc::mmap(ptr.cast(), len, protection, flags, file.as_raw_fd(), 0) };
    if mapped == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Maps `len` bytes of `file` from its start, read-only and private.
pub(crate) fn mmap_file_readonly(file: &std::fs::File, len: usize) -> io::Result<NonNull<u8>> {
    use std::os::fd::AsRawFd;
    let flags = libc::MAP_PRIVATE;
    // SAFETY: a new mapping at an address of the kernel's choosing aliases no Rust object.
    let ptr = unsafe {
        libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_READ,
            flags,
            file.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))
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

/// The action installed for `signal` now, to chain to once ours replaces it.
pub(crate) fn current_signal_action(signal: libc::c_int) -> io::Result<SavedAction> {
    // SAFETY: sigaction is plain old data; all-zero is a valid value to be overwritten.
    let mut current: libc::sigaction = unsafe { core::mem::zeroed() };
    // SAFETY: a null new action only queries; `current` is valid for writing.
    let rc = unsafe { libc::sigaction(signal, ptr::null(), &mut current) };
    if rc == 0 {
        Ok(SavedAction(current))
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Installs `handler` for `signal` on the alternate stack. The signal stays blocked
/// while the handler runs; a handler that claims a fault returns (the kernel then
/// restores the interrupted thread's mask) rather than jumping out.
///
/// # Safety
///
/// `handler` must be async-signal-safe, and must chain every fault it does not claim to
/// the action that was installed before, which the caller saved first.
pub(crate) unsafe fn install_signal_handler(
    signal: libc::c_int,
    handler: SignalHandler,
) -> io::Result<()> {
    // SAFETY: sigaction is plain old data; all-zero is a valid empty value.
    let mut action: libc::sigaction = unsafe { core::mem::zeroed() };
    action.sa_sigaction = handler as usize;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
    // SAFETY: the mask is a valid, owned sigset_t.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    // SAFETY: the pointer is to a valid, owned sigaction value.
    let rc = unsafe { libc::sigaction(signal, &action, ptr::null_mut()) };
    if rc == 0 {
        Ok(())
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

/// The registers of a faulting thread that the trap handler needs.
#[derive(Copy, Clone, Debug)]
pub(crate) struct FaultRegisters {
    pub(crate) pc: usize,
    pub(crate) fp: usize,
    pub(crate) sp: usize,
}

/// The faulting instruction's address, frame pointer and stack pointer from a signal's
/// context.
///
/// # Safety
///
/// `context` must be the `ucontext_t` the kernel passed to an `SA_SIGINFO` handler.
pub(crate) unsafe fn fault_registers(context: *mut libc::c_void) -> FaultRegisters {
    // SAFETY: the caller passes the kernel's ucontext_t for this x86-64 Linux thread.
    let context = unsafe { &*context.cast::<libc::ucontext_t>() };
    let registers = &context.uc_mcontext.gregs;
    let register = |index: libc::c_int| {
        let value = usize::try_from(index)
            .ok()
            .and_then(|i| registers.get(i).copied())
            .unwrap_or(0);
        usize::try_from(value.cast_unsigned()).unwrap_or(0)
    };
    FaultRegisters {
        pc: register(libc::REG_RIP),
        fp: register(libc::REG_RBP),
        sp: register(libc::REG_RSP),
    }
}

/// The data address a SIGSEGV or SIGBUS faulted on.
///
/// # Safety
///
/// `info` must be the `siginfo_t` the kernel passed to an `SA_SIGINFO` handler.
pub(crate) unsafe fn fault_address(info: *mut libc::siginfo_t) -> usize {
    // SAFETY: the kernel fills `si_addr` for the memory-fault signals we install for.
    unsafe { (*info).si_addr() as usize }
}

/// Makes the interrupted thread, once the handler returns, call `target(argument)` on
/// its own stack below `sp`, as if the faulting instruction had called it (its return
/// address is the faulting pc, which debuggers show as the caller). `target` must never
/// return.
///
/// # Safety
///
/// `context` must be the kernel's `ucontext_t` of an `SA_SIGINFO` handler, and at least
/// a page of the thread's stack below `sp` must be mapped and unused.
pub(crate) unsafe fn redirect_to(
    context: *mut libc::c_void,
    registers: FaultRegisters,
    target: usize,
    argument: usize,
) {
    // Skip a red zone, align to 16 and push the return address, so `target` starts as
    // if called: (rsp + 8) is 16-aligned at its first instruction.
    let sp = ((registers.sp - 256) & !15) - 8;
    // SAFETY: the caller guarantees this stack memory is mapped and unused.
    unsafe { (sp as *mut usize).write(registers.pc) };
    // SAFETY: as for `fault_registers`; we only rewrite general registers.
    let context = unsafe { &mut *context.cast::<libc::ucontext_t>() };
    let registers = &mut context.uc_mcontext.gregs;
    let mut set = |index: libc::c_int, value: usize| {
        if let Some(slot) = usize::try_from(index)
            .ok()
            .and_then(|i| registers.get_mut(i))
        {
            *slot = i64::from_ne_bytes(value.to_ne_bytes());
        }
    };
    set(libc::REG_RIP, target);
    set(libc::REG_RSP, sp);
    set(libc::REG_RDI, argument);
}

/// The lowest address of the calling thread's stack that is not guard, if the C
/// library knows it.
pub(crate) fn thread_stack_low() -> Option<usize> {
    // SAFETY: pthread_attr_t is plain old data, filled by pthread_getattr_np.
    let mut attr: libc::pthread_attr_t = unsafe { core::mem::zeroed() };
    // SAFETY: querying the calling thread into an owned attribute object.
    if unsafe { libc::pthread_getattr_np(libc::pthread_self(), &mut attr) } != 0 {
        return None;
    }
    let mut base: *mut libc::c_void = ptr::null_mut();
    let mut size: libc::size_t = 0;
    let mut guard: libc::size_t = 0;
    // SAFETY: `attr` was initialised above; the out-pointers are valid.
    let rc = unsafe { libc::pthread_attr_getstack(&attr, &mut base, &mut size) };
    // SAFETY: as above.
    let _ = unsafe { libc::pthread_attr_getguardsize(&attr, &mut guard) };
    // SAFETY: `attr` was initialised by pthread_getattr_np and is destroyed once.
    unsafe { libc::pthread_attr_destroy(&mut attr) };
    if rc != 0 || base.is_null() {
        return None;
    }
    // glibc reports the guard inside [base, base + size) for threads it created.
    Some((base as usize).saturating_add(guard))
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

/// Lets another thread run; async-signal-safe (one system call).
pub(crate) fn yield_thread() {
    // SAFETY: sched_yield has no preconditions.
    unsafe { libc::sched_yield() };
}

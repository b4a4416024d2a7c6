//! `catch_traps` against real faults: hand-assembled x86-64 code published with a trap
//! table, faulting with SIGILL, SIGSEGV and SIGFPE, and the stack limit.

use core::ptr::NonNull;
use std::sync::Arc;

use environ::{
    CompiledFunction, CompiledModuleInfo, FunctionLoc, Limits, MemoryType, TrapCode, TrapSite,
    Tunables,
};

use super::record_host_error;
use crate::code_memory::CodeMemory;
use crate::memory::LinearMemory;
use crate::test_support::TestStore;
use crate::test_support::catch_closure;
use crate::trap::Trap;
use crate::vmcontext::VMStoreContext;

/// `push rbp; mov rbp, rsp; ud2`
const UD2_WITH_FRAME: &[u8] = &[0x55, 0x48, 0x89, 0xe5, 0x0f, 0x0b];
/// `mov rax, [rdi]; ret`
pub(crate) const LOAD: &[u8] = &[0x48, 0x8b, 0x07, 0xc3];
/// `xor edx, edx; mov eax, 1; xor ecx, ecx; div ecx; ret`
const DIVIDE_BY_ZERO: &[u8] = &[
    0x31, 0xd2, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x31, 0xc9, 0xf7, 0xf1, 0xc3,
];
/// `cmp rsp, [rdi + 16]; jae ok; ud2; ok: ret`: a prologue's stack-limit check with
/// `rdi` pointing at a `VMStoreContext`.
const STACK_CHECK: &[u8] = &[0x48, 0x3b, 0x67, 0x10, 0x73, 0x02, 0x0f, 0x0b, 0xc3];

/// Publishes `code` as one function with the given trap sites.
pub(crate) fn publish(code: &[u8], traps: &[(u32, TrapCode)]) -> CodeMemory {
    let mut info = CompiledModuleInfo::default();
    info.functions.push(CompiledFunction {
        wasm_call: FunctionLoc {
            start: 0,
            length: u32::try_from(code.len()).unwrap(),
        },
        array_call: None,
    });
    info.trap_sites = traps
        .iter()
        .map(|&(code_offset, code)| TrapSite { code_offset, code })
        .collect();
    CodeMemory::publish(code, Arc::new(info)).unwrap()
}

/// Calls the published code as `extern "C" fn(usize) -> u64` inside `catch_traps`.
pub(crate) fn call(
    store: &TestStore,
    code: &CodeMemory,
    max_stack: usize,
    arg: usize,
) -> Result<u64, Trap> {
    // SAFETY: every test's code is a complete function of this signature.
    let function: unsafe extern "C" fn(usize) -> u64 =
        unsafe { core::mem::transmute(code.text_start()) };
    let mut result = 0;
    // SAFETY: the store context outlives the call; nothing in the closure needs
    // dropping when a trap abandons it.
    unsafe {
        catch_closure(store.context_ptr(), None, max_stack, || {
            result = function(arg);
            true
        })
    }?;
    Ok(result)
}

#[test]
fn an_unreachable_trap_becomes_a_trap_with_its_pc_and_frame_and_the_process_goes_on() {
    let store = TestStore::new();
    let code = publish(UD2_WITH_FRAME, &[(4, TrapCode::UnreachableCodeReached)]);
    for _ in 0..3 {
        let trap = call(&store, &code, 1 << 20, 0).unwrap_err();
        assert_eq!(trap.code(), Some(TrapCode::UnreachableCodeReached));
        assert_eq!(trap.pc(), Some(code.text_start() + 4));
        assert!(trap.fp().is_some_and(|fp| fp != 0));
        let frames = trap.backtrace();
        assert!(!frames.is_empty());
        assert_eq!(frames[0].pc, code.text_start() + 4);
        assert_eq!(frames[0].text_start, code.text_start());
        assert_eq!(frames[0].func.as_u32(), 0);
    }
    assert_eq!(store.context.stack_limit.get(), usize::MAX);
}

#[test]
fn a_load_from_a_guard_page_is_an_out_of_bounds_memory_access() {
    let store = TestStore::new();
    let code = publish(LOAD, &[(0, TrapCode::MemoryOutOfBounds)]);
    let ty = MemoryType {
        limits: Limits {
            minimum: 1,
            maximum: None,
        },
        shared: false,
        memory64: false,
    };
    let mut memory = LinearMemory::new(ty, &Tunables::default(), None, None).unwrap();
    memory.data_mut()[..8].copy_from_slice(&42_u64.to_le_bytes());
    let base = memory.base() as usize;
    assert_eq!(call(&store, &code, 1 << 20, base).unwrap(), 42);
    let trap = call(&store, &code, 1 << 20, base + (1 << 16)).unwrap_err();
    assert_eq!(trap.code(), Some(TrapCode::MemoryOutOfBounds));
    let trap = call(&store, &code, 1 << 20, base + (1 << 32)).unwrap_err();
    assert_eq!(trap.code(), Some(TrapCode::MemoryOutOfBounds));
}

#[test]
fn integer_division_by_zero_is_caught_from_sigfpe() {
    let store = TestStore::new();
    let code = publish(DIVIDE_BY_ZERO, &[(9, TrapCode::IntegerDivisionByZero)]);
    let trap = call(&store, &code, 1 << 20, 0).unwrap_err();
    assert_eq!(trap.code(), Some(TrapCode::IntegerDivisionByZero));
    assert_eq!(trap.pc(), Some(code.text_start() + 9));
}

#[test]
fn the_stack_limit_turns_deep_stacks_into_stack_overflow() {
    let store = TestStore::new();
    let code = publish(STACK_CHECK, &[(6, TrapCode::StackOverflow)]);
    let context = store.context_ptr().as_ptr() as usize;
    assert!(call(&store, &code, 1 << 20, context).is_ok());
    let trap = call(&store, &code, 0, context).unwrap_err();
    assert_eq!(trap.code(), Some(TrapCode::StackOverflow));
}

#[test]
fn the_stack_limit_is_set_on_first_entry_and_restored_on_exit() {
    let store = TestStore::new();
    let context: NonNull<VMStoreContext> = store.context_ptr();
    let mut limits = (0, 0);
    // SAFETY: the store context outlives both calls; the closures own nothing.
    let result = unsafe {
        catch_closure(context, None, 1 << 20, || {
            limits.0 = store.context.stack_limit.get();
            catch_closure(context, None, 1 << 10, || {
                limits.1 = store.context.stack_limit.get();
                true
            })
            .is_ok()
        })
    };
    assert!(result.is_ok());
    let here = super::stack_limit::stack_pointer();
    assert!(limits.0 < here && limits.0 > here - (2 << 20));
    assert_eq!(limits.0, limits.1);
    assert_eq!(store.context.stack_limit.get(), usize::MAX);
}

#[test]
fn a_trap_in_a_nested_call_returns_to_the_innermost_catch_traps() {
    let store = TestStore::new();
    let code = publish(UD2_WITH_FRAME, &[(4, TrapCode::UnreachableCodeReached)]);
    let mut inner = None;
    // SAFETY: the store context outlives the call; the closure owns nothing.
    let outer = unsafe {
        catch_closure(store.context_ptr(), None, 1 << 20, || {
            inner = Some(call(&store, &code, 1 << 20, 0));
            true
        })
    };
    assert!(outer.is_ok());
    let inner = inner.unwrap().unwrap_err();
    assert_eq!(inner.code(), Some(TrapCode::UnreachableCodeReached));
}

#[test]
fn a_host_error_recorded_before_returning_false_comes_back_unchanged() {
    let store = TestStore::new();
    // SAFETY: the store context outlives the call; the closure owns nothing.
    let trap = unsafe {
        catch_closure(store.context_ptr(), None, 1 << 20, || {
            record_host_error(crate::Error::msg("host failed")).unwrap();
            false
        })
    }
    .unwrap_err();
    assert_eq!(trap.code(), None);
    assert_eq!(trap.to_string(), "host failed");
    assert!(record_host_error(crate::Error::msg("outside")).is_err());
}

#[test]
fn returning_false_without_a_recorded_trap_is_reported_not_ignored() {
    let store = TestStore::new();
    // SAFETY: the store context outlives the call; the closure owns nothing.
    let result = unsafe { catch_closure(store.context_ptr(), None, 1 << 20, || false) };
    assert!(result.is_err());
}

/// Code that calls `OutOfGas` through the builtin table in its `vmctx` (in `rdi`) and
/// `Raise` when that reports a trap, the way compiled code does, recording its frame
/// pointer and the call's return address in the store context first. Returns the code
/// and the offset of that return address.
fn out_of_gas_caller(offsets: &environ::VMOffsets) -> (Vec<u8>, usize) {
    use environ::BuiltinFunction;
    let byte = |offset: u32| u8::try_from(offset).unwrap();
    let table = byte(offsets.vmctx_builtin_functions());
    let slot = |builtin: BuiltinFunction| (builtin.index() * 8).to_le_bytes();
    let mut code = vec![0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x08];
    code.extend([0x48, 0x89, 0xfb]); // mov rbx, rdi
    code.extend([0x48, 0x8b, 0x4f, byte(offsets.vmctx_store_context())]); // mov rcx, [rdi + store]
    code.extend([
        0x48,
        0x89,
        0x69,
        byte(offsets.vmstore_context_last_wasm_exit_fp()),
    ]); // mov [rcx + exit_fp], rbp
    code.extend([0x48, 0x8d, 0x15, 14, 0, 0, 0]); // lea rdx, [rip + 14]: the return address below
    code.extend([
        0x48,
        0x89,
        0x51,
        byte(offsets.vmstore_context_last_wasm_exit_pc()),
    ]); // mov [rcx + exit_pc], rdx
    code.extend([0x48, 0x8b, 0x47, table]); // mov rax, [rdi + table]
    code.extend([0xff, 0x90]); // call [rax + slot]
    code.extend(slot(BuiltinFunction::OutOfGas));
    let return_address = code.len();
    code.extend([0x85, 0xc0, 0x75, 0x0f]); // test eax, eax; jnz done
    code.extend([0x48, 0x89, 0xdf]); // mov rdi, rbx
    code.extend([0x48, 0x8b, 0x43, table]); // mov rax, [rbx + table]
    code.extend([0xff, 0x90]); // call [rax + slot]
    code.extend(slot(BuiltinFunction::Raise));
    code.extend([0x0f, 0x0b]); // ud2
    code.extend([0x48, 0x83, 0xc4, 0x08, 0x5b, 0x5d, 0xc3]); // done: epilogue
    (code, return_address)
}

#[test]
fn code_calling_a_failing_builtin_and_raise_unwinds_with_the_builtins_trap() {
    use crate::instance::ResolvedImports;
    use crate::test_support::module;

    let store = TestStore::new();
    let handle = store.instantiate(&module("(module)"), ResolvedImports::default());
    let (bytes, return_address) = out_of_gas_caller(handle.instance().offsets());
    let code = publish(&bytes, &[]);
    let trap = call(&store, &code, 1 << 20, handle.vmctx() as usize).unwrap_err();
    assert_eq!(trap.code(), Some(TrapCode::OutOfFuel));
    assert_eq!(trap.pc(), None);
    let frames = trap.backtrace();
    assert!(!frames.is_empty());
    assert_eq!(frames[0].pc, code.text_start() + return_address);
    assert_eq!(frames[0].func.as_u32(), 0);
    assert_eq!(store.context.last_wasm_exit_pc.get(), 0);
}

#[test]
fn after_a_fault_the_signal_is_unblocked_again() {
    let store = TestStore::new();
    let code = publish(LOAD, &[(0, TrapCode::MemoryOutOfBounds)]);
    let ty = MemoryType {
        limits: Limits {
            minimum: 0,
            maximum: None,
        },
        shared: false,
        memory64: false,
    };
    let memory = LinearMemory::new(ty, &Tunables::default(), None, None).unwrap();
    for _ in 0..2 {
        let trap = call(&store, &code, 1 << 20, memory.base() as usize).unwrap_err();
        assert_eq!(trap.code(), Some(TrapCode::MemoryOutOfBounds));
        // SAFETY: sigset_t is plain old data; the query fills it.
        let mut mask: libc::sigset_t = unsafe { core::mem::zeroed() };
        // SAFETY: a null new mask only queries this thread's mask.
        let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, core::ptr::null(), &mut mask) };
        assert_eq!(rc, 0);
        // SAFETY: `mask` was filled above.
        assert_eq!(unsafe { libc::sigismember(&mask, libc::SIGSEGV) }, 0);
    }
}

#[test]
fn the_stack_limit_keeps_headroom_above_the_end_of_a_small_thread_stack() {
    let limits = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(|| {
            let store = TestStore::new();
            let mut seen = 0;
            // SAFETY: the store context outlives the call; the closure owns nothing.
            let result = unsafe {
                catch_closure(store.context_ptr(), None, 64 << 20, || {
                    seen = store.context.stack_limit.get();
                    true
                })
            };
            assert!(result.is_ok());
            (seen, crate::sys::thread_stack_low().unwrap())
        })
        .unwrap()
        .join()
        .unwrap();
    let (limit, low) = limits;
    // 64 MiB were asked for on a 256 KiB stack: the limit is clamped, not trusted.
    assert_eq!(limit, low + super::stack_limit::HOST_STACK_HEADROOM);
}

/// Enters the store at `context` (an address, to cross threads) from a new thread and
/// returns the stack limit it saw there.
fn limit_seen_on_another_thread(context: usize) -> usize {
    std::thread::spawn(move || {
        let context = NonNull::new(context as *mut VMStoreContext).unwrap();
        let mut inner = 0;
        // SAFETY: the store context is alive; its owner's thread waits for us.
        let result = unsafe {
            catch_closure(context, None, 1 << 20, || {
                inner = context.as_ref().stack_limit.get();
                true
            })
        };
        assert!(result.is_ok());
        inner
    })
    .join()
    .unwrap()
}

#[test]
fn another_thread_entering_the_same_store_gets_a_limit_on_its_own_stack() {
    let store = TestStore::new();
    let context = store.context_ptr();
    let mut limits = (0, 0, 0);
    // SAFETY: the store context outlives both calls; the closure owns nothing. The
    // outer call is suspended (joined on) while the other thread uses the store.
    let result = unsafe {
        catch_closure(context, None, 1 << 20, || {
            limits.0 = store.context.stack_limit.get();
            limits.1 = limit_seen_on_another_thread(context.as_ptr() as usize);
            limits.2 = store.context.stack_limit.get();
            true
        })
    };
    assert!(result.is_ok());
    let (outer, other_thread, outer_after) = limits;
    assert_ne!(
        outer, other_thread,
        "the other thread kept the first thread's limit"
    );
    assert_eq!(
        outer, outer_after,
        "the first thread's limit was not restored"
    );
    assert_eq!(store.context.stack_limit.get(), usize::MAX);
}

//! Chaining: faults Tarn does not claim reach the handler installed before its own.
//! Handler order is process-wide, so each case runs in a child process (this test
//! binary again, filtered to one test and told so by an environment variable).

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::mmap::Mmap;
use crate::sys::{self, Protection};
use crate::test_support::TestStore;
use crate::test_support::catch_closure;
use crate::traphandlers::init_traps;

const CHILD_ENV: &str = "TARN_SIGNAL_TEST_CHILD";

/// Runs the test `name` of this binary in a child process.
fn run_child(name: &str) -> std::process::ExitStatus {
    let exe = std::env::current_exe().unwrap();
    Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD_ENV, "1")
        .status()
        .unwrap()
}

fn in_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

static FAULT_PAGE: AtomicUsize = AtomicUsize::new(0);
static EARLIER_HANDLER_RAN: AtomicBool = AtomicBool::new(false);

/// The "earlier" handler: notes that it ran and makes the faulting page readable, so
/// the load succeeds when it is retried.
unsafe extern "C" fn earlier_handler(
    _signal: libc::c_int,
    _info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    EARLIER_HANDLER_RAN.store(true, Ordering::SeqCst);
    let page = FAULT_PAGE.load(Ordering::SeqCst) as *mut u8;
    // SAFETY: the page belongs to the test's reservation, which outlives the fault.
    let _ = unsafe { sys::mprotect(page, sys::page_size(), Protection::ReadWrite) };
}

fn read_fault_page() -> u8 {
    let page = FAULT_PAGE.load(Ordering::SeqCst) as *const u8;
    // SAFETY: the page is mapped; it faults once, and the earlier handler then makes
    // it readable.
    unsafe { page.read_volatile() }
}

#[test]
fn a_fault_tarn_does_not_claim_reaches_the_earlier_handler() {
    if in_child() {
        return;
    }
    let status = run_child("traphandlers::signals::tests::child_with_an_earlier_handler");
    assert!(status.success(), "child failed: {status}");
}

#[test]
fn child_with_an_earlier_handler() {
    if !in_child() {
        return;
    }
    // SAFETY: the test handler only stores a flag and calls mprotect.
    unsafe { sys::install_signal_handler(libc::SIGSEGV, earlier_handler) }.unwrap();
    init_traps().unwrap();
    let reservation = Mmap::reserve(2 * sys::page_size()).unwrap();
    FAULT_PAGE.store(reservation.as_mut_ptr() as usize, Ordering::SeqCst);
    assert_eq!(read_fault_page(), 0);
    assert!(EARLIER_HANDLER_RAN.swap(false, Ordering::SeqCst));

    // Inside a call into wasm, a fault at a pc that is not a registered trap site is
    // chained too.
    // SAFETY: the page is the second one of the reservation, still inaccessible.
    let second = unsafe { reservation.as_mut_ptr().add(sys::page_size()) };
    FAULT_PAGE.store(second as usize, Ordering::SeqCst);
    let store = TestStore::new();
    let mut value = 1;
    // SAFETY: the store context outlives the call; the closure owns nothing.
    let result = unsafe {
        catch_closure(store.context_ptr(), None, 1 << 20, || {
            value = read_fault_page();
            true
        })
    };
    assert!(result.is_ok());
    assert_eq!(value, 0);
    assert!(EARLIER_HANDLER_RAN.load(Ordering::SeqCst));
}

#[test]
fn an_unclaimed_fault_under_the_default_handler_still_kills_the_process() {
    if in_child() {
        return;
    }
    let status = run_child("traphandlers::signals::tests::child_with_default_handling");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(libc::SIGSEGV),
        "child status: {status}"
    );
}

#[test]
fn child_with_default_handling() {
    if !in_child() {
        return;
    }
    init_traps().unwrap();
    let reservation = Mmap::reserve(sys::page_size()).unwrap();
    FAULT_PAGE.store(reservation.as_mut_ptr() as usize, Ordering::SeqCst);
    read_fault_page();
}

#[test]
fn a_heap_fault_outside_every_linear_memory_aborts_instead_of_trapping() {
    if in_child() {
        return;
    }
    let status = run_child("traphandlers::signals::tests::child_with_a_wild_heap_access");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(libc::SIGABRT),
        "child status: {status}"
    );
}

#[test]
fn child_with_a_wild_heap_access() {
    if !in_child() {
        return;
    }
    use crate::traphandlers::tests::{LOAD, call, publish};
    use environ::TrapCode;
    // A heap-access trap site, but the address is in a mapping that is no linear
    // memory: claiming it as an out-of-bounds trap would hide a code generation bug.
    let code = publish(LOAD, &[(0, TrapCode::MemoryOutOfBounds)]);
    let reservation = Mmap::reserve(sys::page_size()).unwrap();
    let store = TestStore::new();
    let _ = call(&store, &code, 1 << 20, reservation.as_mut_ptr() as usize);
    // Reaching this line means the fault was reported as a trap.
    std::process::exit(0);
}

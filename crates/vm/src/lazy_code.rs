//! Lazily compiled modules: the table of code pointers that compiled code's direct calls
//! go through, and the hook through which the `LazyCompile` builtin asks the embedder's
//! compiler for a function's code.
//!
//! A lazily compiled module starts with a small stub per defined function. Each
//! function has a [`VMLazySlot`] in its module's [`LazyCodeTable`] (shared by every
//! instance, whose `VMContext` header points at it):
//!
//! - `entry` is where direct calls go: the stub, then the compiled code. Compiled code
//!   loads it and calls through it, so installing code redirects every later direct
//!   call without patching any instruction.
//! - `compiled` is null until the code exists. The stub, which every `VMFuncRef` and
//!   import of the function starts with, tests it and jumps straight to the code once it
//!   is there (an escaping function's stub also writes the code into the `VMFuncRef` it
//!   was reached through); only while it is null does it call the builtin, which
//!   compiles.
//!
//! Installing is a compare-and-swap on `compiled`: two threads that compile the same
//! function at once both finish, one wins, and both run the winner's code.

use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};

use environ::DefinedFuncIndex;

use crate::vmcontext::VMWasmCallFunction;

/// One defined function's code pointers, as compiled code reads them (layout checked
/// against `VMOffsets::vm_lazy_slot_*`).
#[repr(C)]
#[derive(Debug)]
pub struct VMLazySlot {
    /// Where direct calls go: the function's stub until it is compiled, then its code.
    pub entry: AtomicPtr<VMWasmCallFunction>,
    /// The compiled code, null until it exists.
    pub compiled: AtomicPtr<VMWasmCallFunction>,
}

/// Every defined function's [`VMLazySlot`], by `DefinedFuncIndex`.
#[derive(Debug)]
pub struct LazyCodeTable {
    slots: Box<[VMLazySlot]>,
}

impl LazyCodeTable {
    /// A table whose functions are all uncompiled, each entering through its stub.
    pub fn new(stubs: impl IntoIterator<Item = NonNull<VMWasmCallFunction>>) -> Self {
        let slots = stubs
            .into_iter()
            .map(|stub| VMLazySlot {
                entry: AtomicPtr::new(stub.as_ptr()),
                compiled: AtomicPtr::new(ptr::null_mut()),
            })
            .collect();
        Self { slots }
    }

    /// How many functions the table has.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the module defines no function.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The code of `func`, once it is compiled.
    pub fn compiled(&self, func: DefinedFuncIndex) -> Option<NonNull<VMWasmCallFunction>> {
        let slot = self.slots.get(func.as_u32() as usize)?;
        NonNull::new(slot.compiled.load(Ordering::Acquire))
    }

    /// Installs `code` as the code of `func` unless another thread installed some first;
    /// returns the code every call of `func` now runs, and whether it is `code`.
    ///
    /// # Safety
    ///
    /// `code` must be `func`'s body compiled for this module, with the wasm calling
    /// convention, published and kept alive for as long as the table is used.
    pub unsafe fn install(
        &self,
        func: DefinedFuncIndex,
        code: NonNull<VMWasmCallFunction>,
    ) -> Option<(NonNull<VMWasmCallFunction>, bool)> {
        let slot = self.slots.get(func.as_u32() as usize)?;
        match slot.compiled.compare_exchange(
            ptr::null_mut(),
            code.as_ptr(),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                slot.entry.store(code.as_ptr(), Ordering::Release);
                Some((code, true))
            }
            Err(winner) => Some((NonNull::new(winner)?, false)),
        }
    }

    /// The first slot, for the `VMContext` header.
    pub fn as_ptr(&self) -> *const VMLazySlot {
        self.slots.as_ptr()
    }
}

/// What a lazily compiled module's instances ask for when a stub runs: the embedder's
/// compiler, which knows the module's bodies.
pub trait LazyCompiler: Send + Sync + core::fmt::Debug {
    /// The module's code table.
    fn table(&self) -> &LazyCodeTable;

    /// Compiles `func` (unless it already is), installs its code in [`Self::table`] and
    /// returns the installed code.
    ///
    /// # Errors
    ///
    /// A message naming the function when it cannot be compiled or published.
    fn compile(&self, func: DefinedFuncIndex) -> Result<NonNull<VMWasmCallFunction>, String>;
}

/// Stack a lazy compilation may need on the calling thread; with less left (a deep
/// wasm recursion, a small thread) it runs on a helper thread instead.
const COMPILE_STACK: usize = 2 << 20;

/// Runs `lazy.compile(func)` where it has enough stack: on this thread when
/// `COMPILE_STACK` bytes remain above the thread's stack end, on a helper thread with
/// its own stack otherwise.
pub(crate) fn compile_with_stack(
    lazy: &dyn LazyCompiler,
    func: DefinedFuncIndex,
) -> Result<NonNull<VMWasmCallFunction>, String> {
    if crate::traphandlers::stack_remaining().is_some_and(|left| left >= COMPILE_STACK) {
        return lazy.compile(func);
    }
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("tarn-lazy-compile".into())
            .stack_size(2 * COMPILE_STACK)
            // The code pointer crosses back as an address: `NonNull` is not `Send`.
            .spawn_scoped(scope, || {
                lazy.compile(func).map(|code| code.as_ptr() as usize)
            });
        match helper {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(format!("compiling function {func} panicked"))),
            Err(e) => Err(format!(
                "cannot start a thread to compile function {func}: {e}"
            )),
        }
    })
    .and_then(|address| {
        NonNull::new(address as *mut VMWasmCallFunction)
            .ok_or_else(|| format!("no code for function {func}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(address: usize) -> NonNull<VMWasmCallFunction> {
        NonNull::new(address as *mut VMWasmCallFunction).unwrap()
    }

    #[test]
    fn the_first_installation_wins_and_redirects_direct_calls() {
        let table = LazyCodeTable::new([code(0x100), code(0x200)]);
        let f = DefinedFuncIndex::from_u32(1);
        assert_eq!(table.compiled(f), None);
        // SAFETY: the table is never called through in this test.
        let first = unsafe { table.install(f, code(0x3000)) };
        assert_eq!(first, Some((code(0x3000), true)));
        // SAFETY: as above.
        let second = unsafe { table.install(f, code(0x4000)) };
        assert_eq!(second, Some((code(0x3000), false)));
        assert_eq!(table.compiled(f), Some(code(0x3000)));
        let slots = &table.slots;
        assert_eq!(
            slots[1].entry.load(Ordering::Relaxed),
            code(0x3000).as_ptr()
        );
        assert_eq!(slots[0].entry.load(Ordering::Relaxed), code(0x100).as_ptr());
        // SAFETY: as above.
        let outside = unsafe { table.install(DefinedFuncIndex::from_u32(2), code(1)) };
        assert_eq!(outside, None);
    }
}

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

use std::sync::{Arc, Weak};

use environ::{RefFamily, WasmValType};

use crate::ValRaw;
use crate::vmcontext::VMTag;

/// A thrown exception: its tag and the tag's parameters as values.
#[derive(Clone, Debug)]
pub struct ExceptionObject {
    /// The tag the exception was thrown with.
    pub tag: VMTag,
    /// The payload, in the tag's parameter order.
    pub payload: Box<[ValRaw]>,
    /// The non-null `exnref`s in the payload, which keep those exceptions alive.
    pub refs: Box<[usize]>,
}

/// One slot of the heap.
#[derive(Debug)]
struct Slot {
    object: ExceptionObject,
    /// Set while the host holds a handle to the exception: the strong side lives in
    /// those handles.
    host_root: Option<Weak<()>>,
    /// Whether the exception was ever a value wasm or the host could keep (caught with
    /// `catch_ref`/`catch_all_ref`, or handed to the host): only then can something
    /// other than the handler that catches it refer to it.
    escaped: bool,
}

/// The smallest number of live exceptions at which a collection runs.
const MIN_COLLECTION_THRESHOLD: usize = 1024;

/// The exceptions of one store.
///
/// An exception that never escaped (see [`ExceptionHeap::release`]) is freed as soon as
/// a `catch` or `catch_all` clause that does not keep it has taken its payload, so the
/// usual throw-and-catch code runs in bounded memory even inside one long call. Other
/// exceptions are freed by a mark-and-sweep collection the API runs before it enters
/// wasm, when no wasm of the store is running (so no exception is held in a register or
/// a wasm frame) and the heap has doubled since the last collection. The roots are the
/// `exnref` globals and tables of the store's instances, handles the host holds (see
/// [`ExceptionHeap::host_root`]), and, transitively, the `exnref`s in live exceptions'
/// payloads. A freed slot is reused.
#[derive(Debug)]
pub struct ExceptionHeap {
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    live: usize,
    collect_at: usize,
}

impl Default for ExceptionHeap {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            collect_at: MIN_COLLECTION_THRESHOLD,
        }
    }
}

impl ExceptionHeap {
    /// Stores an exception and returns its `exnref` handle (never zero).
    pub fn push(&mut self, object: ExceptionObject) -> usize {
        let slot = Some(Slot {
            object,
            host_root: None,
            escaped: false,
        });
        self.live += 1;
        match self.free.pop() {
            Some(index) => {
                self.slots[index] = slot;
                index + 1
            }
            None => {
                self.slots.push(slot);
                self.slots.len()
            }
        }
    }

    /// The exception with handle `raw`, if there is one.
    pub fn get(&self, raw: usize) -> Option<&ExceptionObject> {
        let slot = self.slots.get(raw.checked_sub(1)?)?.as_ref()?;
        Some(&slot.object)
    }

    /// A token that keeps exception `raw` alive for as long as a clone of it exists: what
    /// a host handle holds. `None` if there is no such exception.
    pub fn host_root(&mut self, raw: usize) -> Option<Arc<()>> {
        let slot = self.slots.get_mut(raw.checked_sub(1)?)?.as_mut()?;
        slot.escaped = true;
        if let Some(root) = slot.host_root.as_ref().and_then(Weak::upgrade) {
            return Some(root);
        }
        let root = Arc::new(());
        slot.host_root = Some(Arc::downgrade(&root));
        Some(root)
    }

    /// Records that exception `raw` became a value wasm can keep (`catch_ref`).
    pub fn mark_escaped(&mut self, raw: usize) {
        if let Some(Some(slot)) = raw.checked_sub(1).and_then(|i| self.slots.get_mut(i)) {
            slot.escaped = true;
        }
    }

    /// A handler has caught exception `raw` and will not keep it: frees it, unless it
    /// ever escaped (then only a collection can tell whether something still refers to
    /// it).
    pub fn release(&mut self, raw: usize) {
        let Some(index) = raw.checked_sub(1) else {
            return;
        };
        if self
            .slots
            .get(index)
            .is_some_and(|slot| slot.as_ref().is_some_and(|slot| !slot.escaped))
        {
            self.free_slot(index);
        }
    }

    /// Frees the occupied slot `index` for reuse.
    fn free_slot(&mut self, index: usize) {
        self.slots[index] = None;
        self.free.push(index);
        self.live -= 1;
    }

    /// How many exceptions the store holds.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether the store holds no exception.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Whether enough exceptions were thrown since the last collection to run one.
    #[inline]
    pub fn wants_collection(&self) -> bool {
        self.live >= self.collect_at
    }

    /// Frees every exception not reachable from `roots` (handles; zeros and unknown
    /// handles are ignored) or from a host handle.
    ///
    /// Only call it when no wasm of the store is running: exceptions held in wasm
    /// frames are not roots.
    pub fn collect(&mut self, roots: impl IntoIterator<Item = usize>) {
        let mut marked = vec![false; self.slots.len()];
        let host_roots = self.slots.iter().enumerate().filter_map(|(index, slot)| {
            let rooted = slot
                .as_ref()?
                .host_root
                .as_ref()
                .is_some_and(|root| root.strong_count() > 0);
            rooted.then_some(index + 1)
        });
        let mut pending: Vec<usize> = host_roots.collect();
        pending.extend(roots);
        while let Some(raw) = pending.pop() {
            let Some(index) = raw.checked_sub(1) else {
                continue;
            };
            let Some(Some(slot)) = self.slots.get(index) else {
                continue;
            };
            if core::mem::replace(&mut marked[index], true) {
                continue;
            }
            pending.extend(slot.object.refs.iter().copied());
        }
        for (index, marked) in marked.into_iter().enumerate() {
            if !marked && self.slots[index].is_some() {
                self.free_slot(index);
            }
        }
        self.collect_at = (self.live * 2).max(MIN_COLLECTION_THRESHOLD);
    }
}

impl ExceptionObject {
    /// An exception of `tag` whose payload has the types `params`; the non-null
    /// `exnref`s among its values become [`ExceptionObject::refs`].
    pub fn new(tag: VMTag, payload: Box<[ValRaw]>, params: &[WasmValType]) -> Self {
        let refs = params
            .iter()
            .zip(payload.iter())
            .filter(|(ty, _)| matches!(ty, WasmValType::Ref(r) if r.family() == RefFamily::Exn))
            .map(|(_, value)| value.get_reference())
            .filter(|&raw| raw != 0)
            .collect();
        Self { tag, payload, refs }
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
        if let Some(landing) = landing_at(return_address, caller_fp) {
            return Some(landing);
        }
        fp = caller_fp;
    }
}

/// The handler of the call that returns to `return_address` in the frame whose frame
/// pointer is `fp`, if that call is a `try_call`.
pub(crate) fn landing_at(return_address: usize, fp: usize) -> Option<Landing> {
    let (pc, frame_offset) = crate::code_registry::lookup_handler(return_address)?;
    Some(Landing {
        pc,
        sp: fp - frame_offset as usize,
        fp,
    })
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
            "mov rsp, rdi",
            "mov rbp, rsi",
            "jmp rcx",
            // Fixed registers: a `reg` operand could be given `rbp` itself, which the
            // second move would overwrite before the jump reads it.
            in("rdi") landing.sp,
            in("rsi") landing.fp,
            in("rcx") landing.pc,
            in("rax") exnref,
            options(noreturn),
        )
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as above.
    unsafe {
        core::arch::asm!(
            "mov sp, x9",
            "mov x29, x10",
            "br x11",
            in("x9") landing.sp,
            in("x10") landing.fp,
            in("x11") landing.pc,
            in("x0") exnref,
            options(noreturn),
        )
    }
}

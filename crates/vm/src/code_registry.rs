//! The process-wide registry of published code: which address ranges hold compiled
//! wasm, and their trap and address tables. The signal handler asks it whether a
//! faulting pc is a trap site; backtraces ask it which function a pc is in.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, TryLockError};

use environ::{CompiledModuleInfo, DefinedFuncIndex, TrapCode};

/// One registered text section.
struct Registered {
    len: usize,
    info: Arc<CompiledModuleInfo>,
    /// Where backtraces say the code is from: the section's own start, or for code
    /// compiled lazily after its module, the start of the module's first section.
    origin: usize,
    /// For lazily compiled code, the module's index of each function `info` lists (whose
    /// indices are then positions in this section); `None` when they are the module's.
    funcs: Option<Box<[DefinedFuncIndex]>>,
}

/// Where a section's code comes from, for backtraces.
pub(crate) struct Origin {
    /// The start of the module's first section.
    pub(crate) text_start: usize,
    /// The module's index of each function of the section.
    pub(crate) funcs: Box<[DefinedFuncIndex]>,
}

/// Text sections by start address.
static REGISTRY: RwLock<BTreeMap<usize, Registered>> = RwLock::new(BTreeMap::new());

fn read() -> RwLockReadGuard<'static, BTreeMap<usize, Registered>> {
    // A panic while holding the lock leaves the map itself consistent (every update is
    // one insert or remove), so a poisoned lock is still usable.
    REGISTRY
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers `len` bytes of code at `start` with their metadata.
/// `origin` is `None` for a module's own section, and says which module and functions
/// the code belongs to for a section compiled lazily later.
pub(crate) fn register(
    start: usize,
    len: usize,
    info: Arc<CompiledModuleInfo>,
    origin: Option<Origin>,
) {
    let (origin, funcs) = match origin {
        Some(origin) => (origin.text_start, Some(origin.funcs)),
        None => (start, None),
    };
    let registered = Registered {
        len,
        info,
        origin,
        funcs,
    };
    let mut registry = REGISTRY
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    registry.insert(start, registered);
}

/// Forgets the code registered at `start`.
pub(crate) fn unregister(start: usize) {
    let mut registry = REGISTRY
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    registry.remove(&start);
}

/// The registered section containing `pc`, as (start, offset of pc, info).
fn find<R>(pc: usize, f: impl FnOnce(usize, u32, &CompiledModuleInfo) -> R) -> Option<R> {
    find_in(&read(), pc, |start, offset, registered| {
        f(start, offset, &registered.info)
    })
}

fn find_in<R>(
    registry: &BTreeMap<usize, Registered>,
    pc: usize,
    f: impl FnOnce(usize, u32, &Registered) -> R,
) -> Option<R> {
    let (&start, registered) = registry.range(..=pc).next_back()?;
    let offset = pc - start;
    if offset >= registered.len {
        return None;
    }
    Some(f(start, u32::try_from(offset).ok()?, registered))
}

/// How often the signal handler retries a registry that is being written.
const SIGNAL_HANDLER_RETRIES: u32 = 100_000;

/// The trap code of the trap site at exactly `pc`, if `pc` is one, for the signal
/// handler: never blocks (`try_read`, retried while
/// another thread registers or unregisters code, which takes microseconds) and never
/// allocates. If the lock stays taken, which only happens when the interrupted thread
/// itself holds it (so the fault is not in wasm code), the fault is not claimed.
pub(crate) fn lookup_trap_in_signal_handler(pc: usize) -> Option<TrapCode> {
    for _ in 0..SIGNAL_HANDLER_RETRIES {
        let registry = match REGISTRY.try_read() {
            Ok(registry) => registry,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                crate::sys::yield_thread();
                continue;
            }
        };
        return find_in(&registry, pc, |_, offset, registered| {
            registered.info.lookup_trap(offset)
        })
        .flatten();
    }
    None
}

/// The handler of the call whose return address is `return_address`, as the handler's
/// address and the calling frame's frame offset.
pub(crate) fn lookup_handler(return_address: usize) -> Option<(usize, u32)> {
    find(return_address, |start, offset, info| {
        let site = info.lookup_handler(offset)?;
        Some((start + site.handler_offset as usize, site.frame_offset))
    })
    .flatten()
}

/// Whether `pc` lies in registered code.
pub(crate) fn is_wasm_code(pc: usize) -> bool {
    find(pc, |_, _, _| ()).is_some()
}

/// One frame of a wasm backtrace.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct BacktraceFrame {
    /// The frame's pc: the faulting instruction for the first frame, a return address
    /// for the others.
    pub pc: usize,
    /// Start of the module's first text section (the one the pc is in, unless the
    /// function was compiled lazily); the API maps it back to its module.
    pub text_start: usize,
    /// The defined function whose body holds the pc.
    pub func: DefinedFuncIndex,
    /// The wasm byte offset of the instruction, from the address map.
    pub wasm_offset: Option<u32>,
}

/// The frame at `pc`, looking up `lookup_pc` (a return address minus one, so a call at
/// the very end of a function is attributed to it). `None` for trampolines and code
/// outside any function.
pub(crate) fn frame_at(pc: usize, lookup_pc: usize) -> Option<BacktraceFrame> {
    find_in(&read(), lookup_pc, |_, offset, registered| {
        let info = &registered.info;
        let mut func = info.func_by_code_offset(offset)?;
        if let Some(funcs) = &registered.funcs {
            func = *funcs.get(func.as_u32() as usize)?;
        }
        Some(BacktraceFrame {
            pc,
            text_start: registered.origin,
            func,
            wasm_offset: info.lookup_wasm_offset(offset),
        })
    })
    .flatten()
}

#[cfg(test)]
mod tests {
    use environ::{CompiledFunction, FunctionLoc, TrapSite};

    use super::*;

    #[test]
    fn lookups_find_only_registered_trap_sites_and_functions() {
        let mut info = CompiledModuleInfo::default();
        info.functions.push(CompiledFunction {
            wasm_call: FunctionLoc {
                start: 0,
                length: 8,
            },
            array_call: None,
        });
        info.trap_sites.push(TrapSite {
            code_offset: 4,
            code: TrapCode::IntegerDivisionByZero,
        });
        let start = 0x7000_0000_0000;
        register(start, 16, Arc::new(info), None);
        assert_eq!(
            lookup_trap_in_signal_handler(start + 4),
            Some(TrapCode::IntegerDivisionByZero)
        );
        assert_eq!(lookup_trap_in_signal_handler(start + 5), None);
        assert!(is_wasm_code(start + 15));
        assert!(!is_wasm_code(start + 16));
        assert_eq!(
            frame_at(start + 3, start + 3).map(|f| f.func.as_u32()),
            Some(0)
        );
        assert_eq!(frame_at(start + 9, start + 9), None);
        unregister(start);
        assert_eq!(lookup_trap_in_signal_handler(start + 4), None);
    }
}

//! `CodeMemory`: publishing compiled code. Bytes are copied into a fresh mapping,
//! relocations to builtins are resolved, the mapping becomes read+execute (never
//! writable and executable at once), and the trap and address tables are registered
//! for the signal handler until the code is dropped.

use core::fmt;
use core::ptr::NonNull;
use std::sync::Arc;

use environ::{CompiledModuleInfo, DefinedFuncIndex, EntityVec, FunctionLoc, TypeIndex};

use crate::code_registry;
use crate::instance::DefinedFunctionCode;
use crate::libcalls::BUILTINS;
use crate::mmap::Mmap;
use crate::sys::Protection;
use crate::vmcontext::{VMArrayCallFunction, VMWasmCallFunction};

/// Why code could not be published.
#[derive(Debug)]
pub enum PublishError {
    /// Mapping or protecting memory failed.
    Io(std::io::Error),
    /// The metadata points outside the code (a compiler bug).
    Malformed(String),
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(error) => write!(f, "publishing code failed: {error}"),
            Self::Malformed(message) => write!(f, "malformed compiled code: {message}"),
        }
    }
}

impl std::error::Error for PublishError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => Some(error),
            Self::Malformed(_) => None,
        }
    }
}

/// A module's text section, executable and registered for trap lookups.
pub struct CodeMemory {
    mmap: Mmap,
    len: usize,
    info: Arc<CompiledModuleInfo>,
}

impl fmt::Debug for CodeMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeMemory")
            .field("start", &self.mmap.as_mut_ptr())
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

fn malformed(message: String) -> PublishError {
    PublishError::Malformed(message)
}

fn check_loc(
    loc: FunctionLoc,
    len: usize,
    what: impl FnOnce() -> String,
) -> Result<(), PublishError> {
    let end = u64::from(loc.start) + u64::from(loc.length);
    if end > len as u64 {
        return Err(malformed(format!(
            "{} at {loc:?} is outside {len} bytes of code",
            what()
        )));
    }
    Ok(())
}

impl CodeMemory {
    /// Publishes `code` with its metadata.
    ///
    /// # Errors
    ///
    /// When the metadata points outside `code`, or mapping memory fails.
    pub fn publish(code: &[u8], info: Arc<CompiledModuleInfo>) -> Result<Self, PublishError> {
        Self::publish_with_origin(code, info, None)
    }

    /// Publishes functions of a module compiled after the module itself (lazily): the
    /// positions in `info.functions` stand for `funcs`, the module's own indices, and
    /// backtraces through this code name the module whose first section starts at
    /// `module_text_start`.
    ///
    /// # Errors
    ///
    /// As for [`CodeMemory::publish`], and when `funcs` does not list every function.
    pub fn publish_lazy(
        code: &[u8],
        info: Arc<CompiledModuleInfo>,
        module_text_start: usize,
        funcs: Box<[DefinedFuncIndex]>,
    ) -> Result<Self, PublishError> {
        if funcs.len() != info.functions.len() {
            return Err(malformed(format!(
                "{} functions named for {} compiled",
                funcs.len(),
                info.functions.len()
            )));
        }
        let origin = code_registry::Origin {
            text_start: module_text_start,
            funcs,
        };
        Self::publish_with_origin(code, info, Some(origin))
    }

    fn publish_with_origin(
        code: &[u8],
        info: Arc<CompiledModuleInfo>,
        origin: Option<code_registry::Origin>,
    ) -> Result<Self, PublishError> {
        let len = code.len();
        for (func, compiled) in info.functions.iter() {
            check_loc(compiled.wasm_call, len, || format!("function {func}"))?;
            if let Some(array_call) = compiled.array_call {
                check_loc(array_call, len, || format!("array call of {func}"))?;
            }
        }
        for (ty, loc) in &info.wasm_to_array_trampolines {
            check_loc(*loc, len, || format!("trampoline for type {ty}"))?;
        }
        let mmap = Mmap::accessible(len.max(1)).map_err(PublishError::Io)?;
        // SAFETY: the fresh mapping is read-write and at least `len` bytes long.
        let text = unsafe { core::slice::from_raw_parts_mut(mmap.as_mut_ptr(), len) };
        text.copy_from_slice(code);
        for relocation in &info.relocations {
            let at = usize::try_from(relocation.code_offset).unwrap_or(usize::MAX);
            let slot = at
                .checked_add(8)
                .and_then(|end| text.get_mut(at..end))
                .ok_or_else(|| malformed(format!("relocation at {at} is outside the code")))?;
            let target = BUILTINS.address(relocation.target) as u64;
            let value = target.wrapping_add_signed(relocation.addend);
            slot.copy_from_slice(&value.to_le_bytes());
        }
        // SAFETY: the whole mapping is ours, page-aligned, and `text` is not used again.
        unsafe { mmap.protect(0, mmap.len(), Protection::ReadExecute) }
            .map_err(PublishError::Io)?;
        code_registry::register(mmap.as_mut_ptr() as usize, len, Arc::clone(&info), origin);
        Ok(Self { mmap, len, info })
    }

    /// The published bytes.
    pub fn text(&self) -> &[u8] {
        // SAFETY: the mapping is readable and holds `len` bytes that never change.
        unsafe { core::slice::from_raw_parts(self.mmap.as_mut_ptr(), self.len) }
    }

    /// The address of the first byte of code.
    pub fn text_start(&self) -> usize {
        self.mmap.as_mut_ptr() as usize
    }

    /// The metadata the code was published with.
    pub fn info(&self) -> &Arc<CompiledModuleInfo> {
        &self.info
    }

    fn at(&self, loc: FunctionLoc) -> NonNull<u8> {
        let offset = usize::try_from(loc.start).unwrap_or(0);
        // SAFETY: `publish` checked every location against the code length.
        unsafe { NonNull::new_unchecked(self.mmap.as_mut_ptr().add(offset)) }
    }

    /// The wasm-call entry of a defined function.
    pub fn wasm_call(&self, func: DefinedFuncIndex) -> Option<NonNull<VMWasmCallFunction>> {
        Some(self.at(self.info.functions.get(func)?.wasm_call).cast())
    }

    /// The array-call entry of a defined function, if it escapes.
    pub fn array_call(&self, func: DefinedFuncIndex) -> Option<VMArrayCallFunction> {
        let entry = self.at(self.info.functions.get(func)?.array_call?);
        // SAFETY: the jit compiled this entry with the array calling convention, which
        // is exactly `VMArrayCallFunction`; calling it stays unsafe.
        Some(unsafe { core::mem::transmute::<*mut u8, VMArrayCallFunction>(entry.as_ptr()) })
    }

    /// The wasm-to-array trampoline for a signature, if the module has one.
    pub fn wasm_to_array_trampoline(&self, ty: TypeIndex) -> Option<NonNull<VMWasmCallFunction>> {
        Some(self.at(self.info.wasm_to_array_trampoline(ty)?).cast())
    }

    /// Every defined function's entries, as an instance allocation request wants them.
    pub fn function_code(&self) -> EntityVec<DefinedFuncIndex, DefinedFunctionCode> {
        self.info
            .functions
            .keys()
            .filter_map(|func| {
                Some(DefinedFunctionCode {
                    wasm_call: self.wasm_call(func)?,
                    array_call: self.array_call(func),
                })
            })
            .collect()
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        code_registry::unregister(self.text_start());
    }
}

#[cfg(test)]
mod tests {
    use environ::{BuiltinFunction, CompiledFunction, Relocation};

    use super::*;

    #[test]
    fn publishing_resolves_relocations_to_builtin_addresses() {
        let info = CompiledModuleInfo {
            relocations: vec![Relocation {
                code_offset: 8,
                target: BuiltinFunction::MemoryGrow,
                addend: 4,
            }],
            ..CompiledModuleInfo::default()
        };
        let code = CodeMemory::publish(&[0xc3; 16], Arc::new(info)).unwrap();
        let slot: [u8; 8] = code.text()[8..16].try_into().unwrap();
        let expected = BUILTINS.address(BuiltinFunction::MemoryGrow) as u64 + 4;
        assert_eq!(u64::from_le_bytes(slot), expected);
        assert_eq!(code.text()[..8], [0xc3; 8]);
    }

    #[test]
    fn metadata_outside_the_code_is_rejected() {
        let mut info = CompiledModuleInfo::default();
        info.functions.push(CompiledFunction {
            wasm_call: FunctionLoc {
                start: 4,
                length: 8,
            },
            array_call: None,
        });
        let result = CodeMemory::publish(&[0; 8], Arc::new(info));
        assert!(matches!(result, Err(PublishError::Malformed(_))));
        let info = CompiledModuleInfo {
            relocations: vec![Relocation {
                code_offset: 4,
                target: BuiltinFunction::Raise,
                addend: 0,
            }],
            ..CompiledModuleInfo::default()
        };
        assert!(CodeMemory::publish(&[0; 8], Arc::new(info)).is_err());
    }

    #[test]
    fn published_code_is_registered_and_executable() {
        let code = CodeMemory::publish(&[0xc3], Arc::new(CompiledModuleInfo::default())).unwrap();
        assert!(code_registry::is_wasm_code(code.text_start()));
        assert!(!code_registry::is_wasm_code(code.text_start() + 1));
        // SAFETY: the code is a single `ret`, which is a valid `extern "C" fn()`.
        let ret: extern "C" fn() = unsafe { core::mem::transmute(code.text_start()) };
        ret();
    }
}

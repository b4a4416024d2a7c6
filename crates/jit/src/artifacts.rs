//! `CompiledModule`, and how separately compiled functions become one text section: each
//! function's bytes, trap sites and source locations are appended at an aligned offset,
//! then the direct calls between them (the only relocations Cranelift reports, since every
//! callee is in the same text) are patched.

use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::ir::{self, ExternalName, Function};
use cranelift_codegen::{CompiledCode, FinalizedMachExceptionHandler, FinalizedRelocTarget};
use environ::{
    AddressMapEntry, BuiltinFunction, CompiledModuleInfo, FuncIndex, FunctionLoc, HandlerSite,
    Module, TrapCode, TrapSite,
};

use crate::translate::{
    NAMESPACE_BUILTIN, NAMESPACE_LAZY_FUNC_REF, NAMESPACE_LAZY_INDEX, NAMESPACE_WASM,
};

/// A compiled module: one text section plus the plain-data metadata the vm needs to
/// publish and run it.
#[derive(Debug)]
pub struct CompiledModule {
    /// The machine code of every function and trampoline, fully linked: it contains no
    /// relocations, so it runs wherever it is mapped.
    pub text: Vec<u8>,
    /// Where each function and trampoline lies, trap sites and the address map.
    pub info: CompiledModuleInfo,
    /// The module's metadata, moved out of the translation.
    pub module: Module,
}

/// What a call relocation points at.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CallTarget {
    /// A defined wasm function's body.
    Wasm(FuncIndex),
    /// A builtin's trampoline.
    Builtin(BuiltinFunction),
    /// Not a call: the defined-function index a lazy stub template leaves open, an
    /// absolute 8-byte immediate filled in by [`FunctionCode::instantiate`].
    LazyIndex,
    /// Not a call: the `VMContext` offset of the function's `VMFuncRef::wasm_call` that
    /// an escaping function's stub template leaves open, filled in the same way.
    LazyFuncRef,
}

/// Where a relocation's target was placed.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Placed {
    /// At this offset of the same text section (for near calls).
    Offset(u32),
    /// At this address (for absolute 8-byte relocations, in lazily compiled code).
    Absolute(u64),
}

/// One call to patch.
#[derive(Copy, Clone, Debug)]
pub(crate) struct CallReloc {
    offset: u32,
    kind: Reloc,
    target: CallTarget,
    addend: i64,
}

/// The machine code of one function, before layout.
#[derive(Clone, Debug, Default)]
pub(crate) struct FunctionCode {
    bytes: Vec<u8>,
    relocs: Vec<CallReloc>,
    traps: Vec<TrapSite>,
    srclocs: Vec<AddressMapEntry>,
    handlers: Vec<HandlerSite>,
}

impl FunctionCode {
    /// Extracts code, calls, traps and source locations from Cranelift's output.
    ///
    /// # Errors
    ///
    /// A message if the code needs a relocation other than a call to a function of the
    /// same module, which would mean a libcall slipped through.
    pub(crate) fn new(code: &CompiledCode, func: &Function) -> Result<Self, String> {
        let buffer = &code.buffer;
        let relocs = buffer
            .relocs()
            .iter()
            .map(|r| {
                let target = match &r.target {
                    FinalizedRelocTarget::ExternalName(ExternalName::User(name)) => {
                        call_target(&func.params.user_named_funcs()[*name])
                    }
                    _ => None,
                }
                .ok_or_else(|| format!("unexpected relocation {:?} to {:?}", r.kind, r.target))?;
                Ok(CallReloc {
                    offset: r.offset,
                    kind: r.kind,
                    target,
                    addend: r.addend,
                })
            })
            .collect::<Result<_, String>>()?;
        let traps = buffer
            .traps()
            .iter()
            .map(|t| {
                let code =
                    trap_code(t.code).ok_or_else(|| format!("unknown trap code {}", t.code))?;
                Ok(TrapSite {
                    code_offset: t.offset,
                    code,
                })
            })
            .collect::<Result<_, String>>()?;
        // Every try_call has exactly one handler, a catch-all: the translator matches
        // tags itself in the handler block.
        let mut handlers = Vec::new();
        for site in buffer.call_sites() {
            let Some(handler) = site.exception_handlers.first() else {
                continue;
            };
            let frame_offset = site
                .frame_offset
                .ok_or_else(|| "a try_call site without a frame offset".to_string())?;
            let handler_offset = match handler {
                FinalizedMachExceptionHandler::Default(offset)
                | FinalizedMachExceptionHandler::Tag(_, offset) => *offset,
                FinalizedMachExceptionHandler::Context(_) => {
                    return Err("unexpected exception context".to_string());
                }
            };
            handlers.push(HandlerSite {
                return_offset: site.ret_addr,
                handler_offset,
                frame_offset,
            });
        }
        let mut srclocs: Vec<AddressMapEntry> = Vec::new();
        for loc in buffer.get_srclocs_sorted() {
            if loc.loc.is_default() || loc.start == loc.end {
                continue;
            }
            if srclocs
                .last()
                .is_some_and(|e| e.wasm_offset == loc.loc.bits())
            {
                continue;
            }
            srclocs.push(AddressMapEntry {
                code_offset: loc.start,
                wasm_offset: loc.loc.bits(),
            });
        }
        Ok(Self {
            bytes: buffer.data().to_vec(),
            relocs,
            traps,
            srclocs,
            handlers,
        })
    }

    /// The builtins this code calls, whose trampolines the text section must include.
    pub(crate) fn builtins_called(&self) -> impl Iterator<Item = BuiltinFunction> + '_ {
        self.relocs.iter().filter_map(|r| match r.target {
            CallTarget::Builtin(b) => Some(b),
            CallTarget::Wasm(_) | CallTarget::LazyIndex | CallTarget::LazyFuncRef => None,
        })
    }

    /// A copy of a trampoline template for one function: calls to any wasm function
    /// now call `func`, and the open immediates (absolute, 8 bytes) become `index` (the
    /// defined-function index) and `func_ref_field`. What is left to patch is near
    /// calls only.
    pub(crate) fn instantiate(&self, func: FuncIndex, index: u64, func_ref_field: u64) -> Self {
        let mut code = self.clone();
        code.relocs.retain_mut(|r| match r.target {
            CallTarget::Wasm(_) => {
                r.target = CallTarget::Wasm(func);
                true
            }
            CallTarget::LazyIndex | CallTarget::LazyFuncRef => {
                let at = r.offset as usize;
                let base = match r.target {
                    CallTarget::LazyIndex => index,
                    _ => func_ref_field,
                };
                let value = base.wrapping_add_signed(r.addend);
                code.bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
                false
            }
            CallTarget::Builtin(_) => true,
        });
        code
    }

    /// Whether the code needs any patching: a standalone trampoline must not.
    pub(crate) fn has_relocations(&self) -> bool {
        !self.relocs.is_empty()
    }

    /// The bytes, for code that needs no relocation.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

fn call_target(name: &ir::UserExternalName) -> Option<CallTarget> {
    match name.namespace {
        NAMESPACE_WASM => Some(CallTarget::Wasm(FuncIndex::from_u32(name.index))),
        NAMESPACE_BUILTIN => BuiltinFunction::ALL
            .get(name.index as usize)
            .map(|&b| CallTarget::Builtin(b)),
        NAMESPACE_LAZY_INDEX => Some(CallTarget::LazyIndex),
        NAMESPACE_LAZY_FUNC_REF => Some(CallTarget::LazyFuncRef),
        _ => None,
    }
}

/// Maps Cranelift's trap codes to Tarn's: its built-in codes for checks it emits itself,
/// and our own codes, which the translator embeds as user codes.
pub(crate) fn trap_code(code: ir::TrapCode) -> Option<TrapCode> {
    Some(match code {
        ir::TrapCode::STACK_OVERFLOW => TrapCode::StackOverflow,
        ir::TrapCode::HEAP_OUT_OF_BOUNDS => TrapCode::MemoryOutOfBounds,
        ir::TrapCode::INTEGER_OVERFLOW => TrapCode::IntegerOverflow,
        ir::TrapCode::INTEGER_DIVISION_BY_ZERO => TrapCode::IntegerDivisionByZero,
        ir::TrapCode::BAD_CONVERSION_TO_INTEGER => TrapCode::BadConversionToInteger,
        user => return TrapCode::from_u8(user.as_raw().get()),
    })
}

/// A linked text section and its tables, sorted by code offset.
pub(crate) struct LinkedText {
    /// The code, every call patched.
    pub(crate) text: Vec<u8>,
    /// Every trap site.
    pub(crate) trap_sites: Vec<TrapSite>,
    /// Code offsets to wasm offsets.
    pub(crate) address_map: Vec<AddressMapEntry>,
    /// Exception handlers of call sites.
    pub(crate) handler_sites: Vec<HandlerSite>,
}

impl LinkedText {
    /// The text, its tables moved into `info`.
    pub(crate) fn into_text(self, info: &mut CompiledModuleInfo) -> Vec<u8> {
        info.trap_sites = self.trap_sites;
        info.address_map = self.address_map;
        info.handler_sites = self.handler_sites;
        self.text
    }
}

/// Lays functions out one after another and collects their metadata.
#[derive(Default)]
pub(crate) struct TextBuilder {
    text: Vec<u8>,
    traps: Vec<TrapSite>,
    address_map: Vec<AddressMapEntry>,
    handlers: Vec<HandlerSite>,
    relocs: Vec<CallReloc>,
}

impl TextBuilder {
    /// Appends a function at the next `align`-byte boundary and returns where it lies.
    pub(crate) fn append(
        &mut self,
        code: &FunctionCode,
        align: u32,
    ) -> Result<FunctionLoc, String> {
        let padded = self.text.len().next_multiple_of(align.max(1) as usize);
        self.text.resize(padded, 0);
        let start = u32::try_from(padded).map_err(|_| "text section exceeds 4 GiB".to_string())?;
        self.text.extend_from_slice(&code.bytes);
        let length = u32::try_from(code.bytes.len()).map_err(|_| "function exceeds 4 GiB")?;
        self.traps.extend(code.traps.iter().map(|t| TrapSite {
            code_offset: start + t.code_offset,
            ..*t
        }));
        self.address_map
            .extend(code.srclocs.iter().map(|e| AddressMapEntry {
                code_offset: start + e.code_offset,
                ..*e
            }));
        self.handlers
            .extend(code.handlers.iter().map(|h| HandlerSite {
                return_offset: start + h.return_offset,
                handler_offset: start + h.handler_offset,
                frame_offset: h.frame_offset,
            }));
        self.relocs.extend(code.relocs.iter().map(|r| CallReloc {
            offset: start + r.offset,
            ..*r
        }));
        Ok(FunctionLoc { start, length })
    }

    /// Patches every call and returns the text with its trap table and address map.
    ///
    /// # Errors
    ///
    /// A message if a target is missing or a relocation kind is not a near call.
    pub(crate) fn finish(
        mut self,
        lookup: impl Fn(CallTarget) -> Option<Placed>,
    ) -> Result<LinkedText, String> {
        for r in std::mem::take(&mut self.relocs) {
            let target = lookup(r.target)
                .ok_or_else(|| format!("no code for call target {:?}", r.target))?;
            self.patch(r, target)?;
        }
        self.traps.sort_by_key(|t| t.code_offset);
        self.address_map.sort_by_key(|e| e.code_offset);
        self.handlers.sort_by_key(|h| h.return_offset);
        Ok(LinkedText {
            text: self.text,
            trap_sites: self.traps,
            address_map: self.address_map,
            handler_sites: self.handlers,
        })
    }

    fn patch(&mut self, r: CallReloc, target: Placed) -> Result<(), String> {
        let at = r.offset as usize;
        let target = match (r.kind, target) {
            (Reloc::Abs8, Placed::Absolute(address)) => {
                let value = address.wrapping_add_signed(r.addend);
                self.text[at..at + 8].copy_from_slice(&value.to_le_bytes());
                return Ok(());
            }
            (Reloc::Abs8, Placed::Offset(_)) | (_, Placed::Absolute(_)) => {
                return Err(format!("{:?} cannot reach {target:?}", r.kind));
            }
            (_, Placed::Offset(offset)) => offset,
        };
        let delta = i64::from(target) + r.addend - i64::from(r.offset);
        match r.kind {
            Reloc::X86CallPCRel4 | Reloc::X86PCRel4 => {
                let value = i32::try_from(delta).map_err(|_| "call out of range")?;
                self.text[at..at + 4].copy_from_slice(&value.to_le_bytes());
            }
            Reloc::Arm64Call => {
                let words = delta >> 2;
                if !(-(1 << 25)..(1 << 25)).contains(&words) {
                    return Err("call out of range".into());
                }
                let mut insn =
                    u32::from_le_bytes(self.text[at..at + 4].try_into().expect("4 bytes"));
                insn = (insn & !0x03ff_ffff) | (words as u32 & 0x03ff_ffff);
                self.text[at..at + 4].copy_from_slice(&insn.to_le_bytes());
            }
            kind => return Err(format!("unsupported relocation kind {kind:?}")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tarn_trap_code_round_trips_through_cranelift() {
        for code in TrapCode::ALL {
            let clif = crate::translate::user_trap(code);
            assert_eq!(trap_code(clif), Some(code));
        }
        assert_eq!(
            trap_code(ir::TrapCode::HEAP_OUT_OF_BOUNDS),
            Some(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(
            trap_code(ir::TrapCode::STACK_OVERFLOW),
            Some(TrapCode::StackOverflow)
        );
    }

    #[test]
    fn x86_calls_are_patched_relative_to_the_end_of_the_displacement() {
        let mut text = TextBuilder::default();
        let code = FunctionCode {
            bytes: vec![0xe8, 0, 0, 0, 0, 0xc3],
            relocs: vec![CallReloc {
                offset: 1,
                kind: Reloc::X86CallPCRel4,
                target: CallTarget::Wasm(FuncIndex::from_u32(0)),
                addend: -4,
            }],
            ..FunctionCode::default()
        };
        text.append(&code, 16).unwrap();
        let bytes = text.finish(|_| Some(Placed::Offset(0))).unwrap().text;
        assert_eq!(i32::from_le_bytes(bytes[1..5].try_into().unwrap()), -5);
    }
}

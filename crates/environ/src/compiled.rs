//! What the jit hands to the vm besides code bytes, free of Cranelift types: where each
//! function lies in the text section, which instructions may trap and why, which wasm byte
//! each instruction came from, and the few relocations left to resolve.

use crate::entity::EntityVec;
use crate::{BuiltinFunction, DefinedFuncIndex, TrapCode, TypeIndex};

/// A function's place in the text section.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct FunctionLoc {
    /// Offset of the first instruction from the start of the text section.
    pub start: u32,
    /// Length in bytes.
    pub length: u32,
}

impl FunctionLoc {
    /// Whether `offset` lies inside the function.
    pub fn contains(&self, offset: u32) -> bool {
        offset.wrapping_sub(self.start) < self.length
    }
}

/// An instruction that may trap, and why.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TrapSite {
    /// Offset of the trapping instruction from the start of the text section.
    pub code_offset: u32,
    /// Why it traps.
    pub code: TrapCode,
}

/// Maps an instruction back to the wasm operator it came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AddressMapEntry {
    /// Offset of the first instruction of a run from the start of the text section.
    pub code_offset: u32,
    /// Byte offset of the wasm operator in the module.
    pub wasm_offset: u32,
}

/// A place in the text section that must hold an absolute address once code is published.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Relocation {
    /// Offset of the 8-byte slot from the start of the text section.
    pub code_offset: u32,
    /// What address goes there.
    pub target: BuiltinFunction,
    /// Added to the target's address.
    pub addend: i64,
}

/// The compiled code of one defined function.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct CompiledFunction {
    /// The body, with the wasm calling convention.
    pub wasm_call: FunctionLoc,
    /// The array-call entry trampoline, present when the function escapes.
    pub array_call: Option<FunctionLoc>,
}

/// A call site inside a `try_table`: where an exception thrown by the callee lands.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct HandlerSite {
    /// Offset of the call's return address.
    pub return_offset: u32,
    /// Offset of the handler block the unwinder resumes at.
    pub handler_offset: u32,
    /// The calling frame's frame pointer minus its stack pointer at the call: the
    /// unwinder restores the stack pointer from the frame pointer with it.
    pub frame_offset: u32,
}

/// Everything about a module's text section except its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CompiledModuleInfo {
    /// One entry per defined function.
    pub functions: EntityVec<DefinedFuncIndex, CompiledFunction>,
    /// Wasm-call to array-call trampolines for the signatures that imports use, sorted by
    /// type index.
    pub wasm_to_array_trampolines: Vec<(TypeIndex, FunctionLoc)>,
    /// Every trap site, sorted by `code_offset`.
    pub trap_sites: Vec<TrapSite>,
    /// The address map, sorted by `code_offset`.
    pub address_map: Vec<AddressMapEntry>,
    /// Every call site with an exception handler, sorted by `return_offset`.
    pub handler_sites: Vec<HandlerSite>,
    /// Relocations to resolve when publishing.
    pub relocations: Vec<Relocation>,
}

impl CompiledModuleInfo {
    /// The trap recorded at exactly `code_offset`, if any.
    pub fn lookup_trap(&self, code_offset: u32) -> Option<TrapCode> {
        self.trap_sites
            .binary_search_by_key(&code_offset, |site| site.code_offset)
            .ok()
            .map(|i| self.trap_sites[i].code)
    }

    /// The exception handler of the call whose return address is at `return_offset`.
    pub fn lookup_handler(&self, return_offset: u32) -> Option<HandlerSite> {
        self.handler_sites
            .binary_search_by_key(&return_offset, |site| site.return_offset)
            .ok()
            .map(|i| self.handler_sites[i])
    }

    /// The wasm byte offset of the instruction at `code_offset`: the nearest entry at or
    /// before it.
    pub fn lookup_wasm_offset(&self, code_offset: u32) -> Option<u32> {
        let after = self
            .address_map
            .partition_point(|entry| entry.code_offset <= code_offset);
        after
            .checked_sub(1)
            .map(|i| self.address_map[i].wasm_offset)
    }

    /// The defined function whose body contains `code_offset`.
    pub fn func_by_code_offset(&self, code_offset: u32) -> Option<DefinedFuncIndex> {
        self.functions
            .iter()
            .find(|(_, f)| f.wasm_call.contains(code_offset))
            .map(|(index, _)| index)
    }

    /// The wasm-to-array trampoline for a signature, if the module has one.
    pub fn wasm_to_array_trampoline(&self, ty: TypeIndex) -> Option<FunctionLoc> {
        self.wasm_to_array_trampolines
            .binary_search_by_key(&ty, |(t, _)| *t)
            .ok()
            .map(|i| self.wasm_to_array_trampolines[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> CompiledModuleInfo {
        let mut functions = EntityVec::new();
        functions.push(CompiledFunction {
            wasm_call: FunctionLoc {
                start: 0,
                length: 32,
            },
            array_call: None,
        });
        functions.push(CompiledFunction {
            wasm_call: FunctionLoc {
                start: 32,
                length: 16,
            },
            array_call: Some(FunctionLoc {
                start: 48,
                length: 16,
            }),
        });
        CompiledModuleInfo {
            functions,
            wasm_to_array_trampolines: vec![(
                TypeIndex::from_u32(3),
                FunctionLoc {
                    start: 64,
                    length: 8,
                },
            )],
            trap_sites: vec![
                TrapSite {
                    code_offset: 4,
                    code: TrapCode::MemoryOutOfBounds,
                },
                TrapSite {
                    code_offset: 40,
                    code: TrapCode::UnreachableCodeReached,
                },
            ],
            address_map: vec![
                AddressMapEntry {
                    code_offset: 0,
                    wasm_offset: 100,
                },
                AddressMapEntry {
                    code_offset: 10,
                    wasm_offset: 104,
                },
            ],
            handler_sites: vec![HandlerSite {
                return_offset: 20,
                handler_offset: 28,
                frame_offset: 48,
            }],
            relocations: Vec::new(),
        }
    }

    #[test]
    fn handlers_are_found_only_at_their_return_address() {
        let info = info();
        assert_eq!(info.lookup_handler(20).map(|h| h.handler_offset), Some(28));
        assert_eq!(info.lookup_handler(19), None);
        assert_eq!(info.lookup_handler(21), None);
    }

    #[test]
    fn traps_are_found_only_at_their_exact_offset() {
        let info = info();
        assert_eq!(info.lookup_trap(4), Some(TrapCode::MemoryOutOfBounds));
        assert_eq!(info.lookup_trap(40), Some(TrapCode::UnreachableCodeReached));
        assert_eq!(info.lookup_trap(5), None);
    }

    #[test]
    fn wasm_offsets_come_from_the_nearest_preceding_entry() {
        let info = info();
        assert_eq!(info.lookup_wasm_offset(0), Some(100));
        assert_eq!(info.lookup_wasm_offset(9), Some(100));
        assert_eq!(info.lookup_wasm_offset(10), Some(104));
        assert_eq!(info.lookup_wasm_offset(1000), Some(104));
    }

    #[test]
    fn functions_and_trampolines_are_found_by_offset_and_type() {
        let info = info();
        assert_eq!(
            info.func_by_code_offset(31),
            Some(DefinedFuncIndex::from_u32(0))
        );
        assert_eq!(
            info.func_by_code_offset(32),
            Some(DefinedFuncIndex::from_u32(1))
        );
        assert_eq!(info.func_by_code_offset(48), None);
        assert_eq!(
            info.wasm_to_array_trampoline(TypeIndex::from_u32(3)),
            Some(FunctionLoc {
                start: 64,
                length: 8
            })
        );
        assert_eq!(info.wasm_to_array_trampoline(TypeIndex::from_u32(2)), None);
    }
}

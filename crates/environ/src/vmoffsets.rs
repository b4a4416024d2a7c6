//! `VMOffsets`: the one definition of the `VMContext` layout that compiled code and the vm
//! share. The jit turns these offsets into loads and stores; the vm writes its `#[repr(C)]`
//! structs at them and checks their layout against them in tests.

use crate::{
    DefinedGlobalIndex, DefinedMemoryIndex, DefinedTableIndex, FuncIndex, FuncRefIndex,
    GlobalIndex, MemoryIndex, Module, OwnedMemoryIndex, TableIndex,
};

/// The value of a `VMContext`'s first field, to catch a stray pointer early.
pub const VMCONTEXT_MAGIC: u32 = u32::from_le_bytes(*b"tarn");

/// The alignment of a `VMContext`, set by its 16-byte global slots.
pub const VMCONTEXT_ALIGN: u32 = 16;

/// How many entities of each kind a `VMContext` has room for.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct VMContextCounts {
    /// Imported functions.
    pub imported_funcs: u32,
    /// Imported tables.
    pub imported_tables: u32,
    /// Imported memories.
    pub imported_memories: u32,
    /// Imported globals.
    pub imported_globals: u32,
    /// Defined tables.
    pub defined_tables: u32,
    /// Defined memories (owned or shared).
    pub defined_memories: u32,
    /// Defined memories the instance owns; at most `defined_memories`.
    pub owned_memories: u32,
    /// Defined globals.
    pub defined_globals: u32,
    /// Functions with a `VMFuncRef`.
    pub escaped_funcs: u32,
}

impl VMContextCounts {
    /// The counts of a translated module.
    pub fn for_module(module: &Module) -> Self {
        let count = |n: usize| u32::try_from(n).expect("wasmparser limits index spaces to u32");
        Self {
            imported_funcs: count(module.num_imported_funcs),
            imported_tables: count(module.num_imported_tables),
            imported_memories: count(module.num_imported_memories),
            imported_globals: count(module.num_imported_globals),
            defined_tables: count(module.num_defined_tables()),
            defined_memories: count(module.num_defined_memories()),
            owned_memories: count(module.num_owned_memories()),
            defined_globals: count(module.num_defined_globals()),
            escaped_funcs: count(module.num_escaped_funcs),
        }
    }
}

/// One region of the `VMContext`, for display and for layout tests.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct VMContextRegion {
    /// What the region holds.
    pub name: &'static str,
    /// Byte offset from the start of the `VMContext`.
    pub offset: u32,
    /// Size of one element.
    pub element_size: u32,
    /// How many elements.
    pub count: u32,
    /// Required alignment of the region's start.
    pub align: u32,
}

impl VMContextRegion {
    /// Total size in bytes.
    pub fn size(&self) -> u32 {
        self.element_size * self.count
    }

    /// The offset just past the region.
    pub fn end(&self) -> u32 {
        self.offset + self.size()
    }
}

/// The layout of one module's `VMContext`, for a given pointer size.
///
/// | region                    | element                         | count              |
/// |---------------------------|---------------------------------|--------------------|
/// | magic                     | `u32`, padded to a pointer      | 1                  |
/// | store context             | `*mut VMStoreContext`           | 1                  |
/// | builtin function table    | `*const [fn; BuiltinFunction::COUNT]` | 1            |
/// | epoch counter             | `*const AtomicU64`              | 1                  |
/// | type ids                  | `*const [VMSharedTypeIndex]`    | 1                  |
/// | imported memories         | `VMMemoryImport` (2 pointers)   | `imported_memories`|
/// | defined memory pointers   | `*mut VMMemoryDefinition`       | `defined_memories` |
/// | owned memory definitions  | `VMMemoryDefinition` (2 pointers)| `owned_memories`  |
/// | imported functions        | `VMFunctionImport` (3 pointers) | `imported_funcs`   |
/// | imported tables           | `VMTableImport` (2 pointers)    | `imported_tables`  |
/// | imported globals          | `VMGlobalImport` (1 pointer)    | `imported_globals` |
/// | defined tables            | `VMTableDefinition` (2 pointers)| `defined_tables`   |
/// | defined globals           | `VMGlobalDefinition` (16 bytes, 16-aligned) | `defined_globals` |
/// | function references       | `VMFuncRef` (4 pointers)        | `escaped_funcs`    |
///
/// Memories come first because every load and store reads their base; the total size is
/// rounded up to [`VMCONTEXT_ALIGN`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct VMOffsets {
    ptr: u8,
    counts: VMContextCounts,
    imported_memories: u32,
    defined_memories: u32,
    owned_memories: u32,
    imported_funcs: u32,
    imported_tables: u32,
    imported_globals: u32,
    defined_tables: u32,
    defined_globals: u32,
    func_refs: u32,
    size: u32,
}

/// Number of pointer-sized header fields before the first region.
const HEADER_FIELDS: u32 = 5;

impl VMOffsets {
    /// The layout for `module` on a host with `pointer_size`-byte pointers (4 or 8).
    pub fn new(pointer_size: u8, module: &Module) -> Self {
        Self::from_counts(pointer_size, VMContextCounts::for_module(module))
    }

    /// The layout for `module` on this host.
    pub fn for_host(module: &Module) -> Self {
        Self::new(HOST_POINTER_SIZE, module)
    }

    /// The layout for the given counts.
    ///
    /// # Panics
    ///
    /// If `pointer_size` is not 4 or 8, or the layout would not fit in `u32` (impossible
    /// within wasmparser's implementation limits).
    pub fn from_counts(pointer_size: u8, counts: VMContextCounts) -> Self {
        assert!(matches!(pointer_size, 4 | 8), "pointer size must be 4 or 8");
        let p = u32::from(pointer_size);
        let mut cursor = HEADER_FIELDS * p;
        let mut region = |count: u32, element_size: u32, align: u32| -> u32 {
            let start = cursor.next_multiple_of(align);
            let size = count
                .checked_mul(element_size)
                .expect("VMContext too large");
            cursor = start.checked_add(size).expect("VMContext too large");
            start
        };
        let imported_memories = region(counts.imported_memories, 2 * p, p);
        let defined_memories = region(counts.defined_memories, p, p);
        let owned_memories = region(counts.owned_memories, 2 * p, p);
        let imported_funcs = region(counts.imported_funcs, 3 * p, p);
        let imported_tables = region(counts.imported_tables, 2 * p, p);
        let imported_globals = region(counts.imported_globals, p, p);
        let defined_tables = region(counts.defined_tables, 2 * p, p);
        let defined_globals = region(counts.defined_globals, 16, 16);
        let func_refs = region(counts.escaped_funcs, 4 * p, p);
        let size = cursor.next_multiple_of(VMCONTEXT_ALIGN);
        Self {
            ptr: pointer_size,
            counts,
            imported_memories,
            defined_memories,
            owned_memories,
            imported_funcs,
            imported_tables,
            imported_globals,
            defined_tables,
            defined_globals,
            func_refs,
            size,
        }
    }

    /// The pointer size this layout is for.
    pub fn pointer_size(&self) -> u8 {
        self.ptr
    }

    /// The counts this layout is for.
    pub fn counts(&self) -> VMContextCounts {
        self.counts
    }

    fn p(&self) -> u32 {
        u32::from(self.ptr)
    }

    /// Every region in layout order, header fields first.
    pub fn regions(&self) -> Vec<VMContextRegion> {
        let p = self.p();
        let c = &self.counts;
        let header = [
            "magic",
            "store context",
            "builtin functions",
            "epoch counter",
            "type ids",
        ];
        let mut regions: Vec<_> = header
            .iter()
            .zip(0..)
            .map(|(&name, i)| VMContextRegion {
                name,
                offset: i * p,
                element_size: p,
                count: 1,
                align: p,
            })
            .collect();
        let body = [
            (
                "imported memories",
                self.imported_memories,
                2 * p,
                c.imported_memories,
                p,
            ),
            (
                "defined memory pointers",
                self.defined_memories,
                p,
                c.defined_memories,
                p,
            ),
            (
                "owned memory definitions",
                self.owned_memories,
                2 * p,
                c.owned_memories,
                p,
            ),
            (
                "imported functions",
                self.imported_funcs,
                3 * p,
                c.imported_funcs,
                p,
            ),
            (
                "imported tables",
                self.imported_tables,
                2 * p,
                c.imported_tables,
                p,
            ),
            (
                "imported globals",
                self.imported_globals,
                p,
                c.imported_globals,
                p,
            ),
            (
                "defined tables",
                self.defined_tables,
                2 * p,
                c.defined_tables,
                p,
            ),
            (
                "defined globals",
                self.defined_globals,
                16,
                c.defined_globals,
                16,
            ),
            (
                "function references",
                self.func_refs,
                4 * p,
                c.escaped_funcs,
                p,
            ),
        ];
        regions.extend(
            body.into_iter().map(
                |(name, offset, element_size, count, align)| VMContextRegion {
                    name,
                    offset,
                    element_size,
                    count,
                    align,
                },
            ),
        );
        regions
    }

    /// Total size of the `VMContext` in bytes.
    pub fn size_of_vmctx(&self) -> u32 {
        self.size
    }

    // Header fields.

    /// Offset of the magic value.
    pub fn vmctx_magic(&self) -> u32 {
        0
    }

    /// Offset of the `*mut VMStoreContext`.
    pub fn vmctx_store_context(&self) -> u32 {
        self.p()
    }

    /// Offset of the pointer to the builtin function table.
    pub fn vmctx_builtin_functions(&self) -> u32 {
        2 * self.p()
    }

    /// Offset of the pointer to the engine's epoch counter.
    pub fn vmctx_epoch_counter(&self) -> u32 {
        3 * self.p()
    }

    /// Offset of the pointer to the array mapping module type indices to engine-wide ids.
    pub fn vmctx_type_ids(&self) -> u32 {
        4 * self.p()
    }

    // Regions.

    /// Offset of the `VMMemoryImport` of an imported memory.
    pub fn vmctx_vmmemory_import(&self, index: MemoryIndex) -> u32 {
        debug_assert!(index.as_u32() < self.counts.imported_memories);
        self.imported_memories + index.as_u32() * 2 * self.p()
    }

    /// Offset of the `*mut VMMemoryDefinition` of a defined memory.
    pub fn vmctx_vmmemory_pointer(&self, index: DefinedMemoryIndex) -> u32 {
        debug_assert!(index.as_u32() < self.counts.defined_memories);
        self.defined_memories + index.as_u32() * self.p()
    }

    /// Offset of the `VMMemoryDefinition` of an owned memory.
    pub fn vmctx_vmmemory_definition(&self, index: OwnedMemoryIndex) -> u32 {
        debug_assert!(index.as_u32() < self.counts.owned_memories);
        self.owned_memories + index.as_u32() * 2 * self.p()
    }

    /// Offset of the `VMFunctionImport` of an imported function.
    pub fn vmctx_vmfunction_import(&self, index: FuncIndex) -> u32 {
        debug_assert!(index.as_u32() < self.counts.imported_funcs);
        self.imported_funcs + index.as_u32() * 3 * self.p()
    }

    /// Offset of the `VMTableImport` of an imported table.
    pub fn vmctx_vmtable_import(&self, index: TableIndex) -> u32 {
        debug_assert!(index.as_u32() < self.counts.imported_tables);
        self.imported_tables + index.as_u32() * 2 * self.p()
    }

    /// Offset of the `VMGlobalImport` of an imported global.
    pub fn vmctx_vmglobal_import(&self, index: GlobalIndex) -> u32 {
        debug_assert!(index.as_u32() < self.counts.imported_globals);
        self.imported_globals + index.as_u32() * self.p()
    }

    /// Offset of the `VMTableDefinition` of a defined table.
    pub fn vmctx_vmtable_definition(&self, index: DefinedTableIndex) -> u32 {
        debug_assert!(index.as_u32() < self.counts.defined_tables);
        self.defined_tables + index.as_u32() * 2 * self.p()
    }

    /// Offset of the `VMGlobalDefinition` of a defined global.
    pub fn vmctx_vmglobal_definition(&self, index: DefinedGlobalIndex) -> u32 {
        debug_assert!(index.as_u32() < self.counts.defined_globals);
        self.defined_globals + index.as_u32() * 16
    }

    /// Offset of the `VMFuncRef` of an escaping function.
    pub fn vmctx_func_ref(&self, index: FuncRefIndex) -> u32 {
        debug_assert!(index.as_u32() < self.counts.escaped_funcs);
        self.func_refs + index.as_u32() * 4 * self.p()
    }
}

/// The tag bit of an initialised funcref table slot. A slot holding `0` has not been
/// initialised yet (lazy initialisation fills it through
/// `BuiltinFunction::TableGetLazyInitFuncRef`); any other value is a `*const VMFuncRef`
/// with this bit set, so an initialised null reference is `FUNCREF_INIT_BIT` alone.
/// `VMFuncRef`s are pointer-aligned, so the bit never clashes with an address.
pub const FUNCREF_INIT_BIT: usize = 1;

/// Pointer size of the host this crate was compiled for.
pub const HOST_POINTER_SIZE: u8 = core::mem::size_of::<usize>() as u8;

/// Field offsets inside the `VM*` structs; they depend only on the pointer size.
impl VMOffsets {
    /// `VMMemoryImport::from`: the `*mut VMMemoryDefinition` of the exporting instance.
    pub fn vmmemory_import_from(&self) -> u32 {
        0
    }
    /// `VMMemoryImport::vmctx`: the exporting instance.
    pub fn vmmemory_import_vmctx(&self) -> u32 {
        self.p()
    }
    /// Size of `VMMemoryImport`.
    pub fn size_of_vmmemory_import(&self) -> u32 {
        2 * self.p()
    }

    /// `VMMemoryDefinition::base`.
    pub fn vmmemory_definition_base(&self) -> u32 {
        0
    }
    /// `VMMemoryDefinition::current_length`, in bytes.
    pub fn vmmemory_definition_current_length(&self) -> u32 {
        self.p()
    }
    /// Size of `VMMemoryDefinition`.
    pub fn size_of_vmmemory_definition(&self) -> u32 {
        2 * self.p()
    }

    /// `VMFunctionImport::wasm_call`.
    pub fn vmfunction_import_wasm_call(&self) -> u32 {
        0
    }
    /// `VMFunctionImport::array_call`.
    pub fn vmfunction_import_array_call(&self) -> u32 {
        self.p()
    }
    /// `VMFunctionImport::vmctx`: the callee's context.
    pub fn vmfunction_import_vmctx(&self) -> u32 {
        2 * self.p()
    }
    /// Size of `VMFunctionImport`.
    pub fn size_of_vmfunction_import(&self) -> u32 {
        3 * self.p()
    }

    /// `VMTableImport::from`: the `*mut VMTableDefinition` of the exporting instance.
    pub fn vmtable_import_from(&self) -> u32 {
        0
    }
    /// `VMTableImport::vmctx`: the exporting instance.
    pub fn vmtable_import_vmctx(&self) -> u32 {
        self.p()
    }
    /// Size of `VMTableImport`.
    pub fn size_of_vmtable_import(&self) -> u32 {
        2 * self.p()
    }

    /// `VMGlobalImport::from`: the `*mut VMGlobalDefinition` imported.
    pub fn vmglobal_import_from(&self) -> u32 {
        0
    }
    /// Size of `VMGlobalImport`.
    pub fn size_of_vmglobal_import(&self) -> u32 {
        self.p()
    }

    /// `VMTableDefinition::base`: the first element.
    pub fn vmtable_definition_base(&self) -> u32 {
        0
    }
    /// `VMTableDefinition::current_elements`.
    pub fn vmtable_definition_current_elements(&self) -> u32 {
        self.p()
    }
    /// Size of `VMTableDefinition`.
    pub fn size_of_vmtable_definition(&self) -> u32 {
        2 * self.p()
    }

    /// Size of `VMGlobalDefinition`.
    pub fn size_of_vmglobal_definition(&self) -> u32 {
        16
    }

    /// `VMFuncRef::array_call`.
    pub fn vm_func_ref_array_call(&self) -> u32 {
        0
    }
    /// `VMFuncRef::wasm_call`.
    pub fn vm_func_ref_wasm_call(&self) -> u32 {
        self.p()
    }
    /// `VMFuncRef::type_index`: the engine-wide `VMSharedTypeIndex` (`u32`).
    pub fn vm_func_ref_type_index(&self) -> u32 {
        2 * self.p()
    }
    /// `VMFuncRef::vmctx`.
    pub fn vm_func_ref_vmctx(&self) -> u32 {
        3 * self.p()
    }
    /// Size of `VMFuncRef`.
    pub fn size_of_vm_func_ref(&self) -> u32 {
        4 * self.p()
    }

    /// `VMHostFuncContext::func_ref`: the `VMFuncRef` of a host function, after a magic
    /// field padded to a pointer. A host function's `vmctx` points at such a context, so a
    /// wasm-to-array trampoline finds the `array_call` to forward to at
    /// `vmctx + vm_host_func_context_func_ref() + vm_func_ref_array_call()`.
    pub fn vm_host_func_context_func_ref(&self) -> u32 {
        self.p()
    }

    /// `VMStoreContext::fuel_consumed` (`i64`): negative while fuel remains.
    pub fn vmstore_context_fuel_consumed(&self) -> u32 {
        0
    }
    /// `VMStoreContext::epoch_deadline` (`u64`).
    pub fn vmstore_context_epoch_deadline(&self) -> u32 {
        8
    }
    /// `VMStoreContext::stack_limit` (`usize`): the lowest stack address wasm may use.
    pub fn vmstore_context_stack_limit(&self) -> u32 {
        16
    }
    /// `VMStoreContext::last_wasm_exit_fp`: frame pointer of the last wasm frame that
    /// called out to the host.
    pub fn vmstore_context_last_wasm_exit_fp(&self) -> u32 {
        16 + self.p()
    }
    /// `VMStoreContext::last_wasm_exit_pc`: return address of that call.
    pub fn vmstore_context_last_wasm_exit_pc(&self) -> u32 {
        16 + 2 * self.p()
    }
    /// `VMStoreContext::last_wasm_entry_fp`: frame pointer of the host frame that entered
    /// wasm most recently.
    pub fn vmstore_context_last_wasm_entry_fp(&self) -> u32 {
        16 + 3 * self.p()
    }
    /// Size of `VMStoreContext`.
    pub fn size_of_vmstore_context(&self) -> u32 {
        16 + 4 * self.p()
    }
}

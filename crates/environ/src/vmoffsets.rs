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

/// Declares the `VMContext` layout once: the header's pointer-sized fields, then the
/// regions, each with its accessor, index type, count, element size and alignment (as
/// closures of the pointer size) and what an element is. `VMOffsets`, its fields, its
/// layout computation, its accessors, `regions()` and the table in its documentation
/// are all generated from this one list, so they cannot disagree.
macro_rules! vmctx_layout {
    (
        header {
            $(
                $(#[$header_doc:meta])*
                $header_accessor:ident = $header_name:literal, $header_element:literal;
            )*
        }
        regions {
            $(
                $(#[$region_doc:meta])*
                $accessor:ident($index:ident) => $field:ident = $name:literal,
                    $element:literal, count $count:ident,
                    size $size:expr, align $align:expr;
            )*
        }
    ) => {
        /// The layout of one module's `VMContext`, for a given pointer size.
        ///
        /// | region | element | count |
        /// |--------|---------|-------|
        $(#[doc = concat!("| ", $header_name, " | ", $header_element, " | 1 |")])*
        $(#[doc = concat!("| ", $name, " | ", $element, " | `", stringify!($count), "` |")])*
        ///
        /// Memories come first because every load and store reads their base; the total
        /// size is rounded up to [`VMCONTEXT_ALIGN`].
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        pub struct VMOffsets {
            ptr: u8,
            counts: VMContextCounts,
            $($field: u32,)*
            size: u32,
        }

        /// The header's fields, in order.
        const HEADER: &[&str] = &[$($header_name),*];

        /// The header's fields by accessor name; the discriminant is the position.
        #[expect(non_camel_case_types, reason = "named after the accessors")]
        #[derive(Copy, Clone)]
        #[repr(u32)]
        enum HeaderField {
            $($header_accessor,)*
        }

        impl VMOffsets {
            /// The layout for the given counts.
            ///
            /// # Panics
            ///
            /// If `pointer_size` is not 4 or 8, or the layout would not fit in `u32`
            /// (impossible within wasmparser's implementation limits).
            pub fn from_counts(pointer_size: u8, counts: VMContextCounts) -> Self {
                assert!(matches!(pointer_size, 4 | 8), "pointer size must be 4 or 8");
                let p = u32::from(pointer_size);
                let mut cursor = HEADER.len() as u32 * p;
                let mut region = |count: u32, element_size: u32, align: u32| -> u32 {
                    let start = cursor.next_multiple_of(align);
                    let size = count
                        .checked_mul(element_size)
                        .expect("VMContext too large");
                    cursor = start.checked_add(size).expect("VMContext too large");
                    start
                };
                $(let $field = region(counts.$count, ($size)(p), ($align)(p));)*
                let size = cursor.next_multiple_of(VMCONTEXT_ALIGN);
                Self {
                    ptr: pointer_size,
                    counts,
                    $($field,)*
                    size,
                }
            }

            /// Every region in layout order, header fields first.
            pub fn regions(&self) -> Vec<VMContextRegion> {
                let p = self.p();
                let mut regions: Vec<VMContextRegion> = HEADER
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
                $(regions.push(VMContextRegion {
                    name: $name,
                    offset: self.$field,
                    element_size: ($size)(p),
                    count: self.counts.$count,
                    align: ($align)(p),
                });)*
                regions
            }

            $(
                $(#[$header_doc])*
                pub fn $header_accessor(&self) -> u32 {
                    HeaderField::$header_accessor as u32 * self.p()
                }
            )*

            $(
                $(#[$region_doc])*
                pub fn $accessor(&self, index: $index) -> u32 {
                    debug_assert!(index.as_u32() < self.counts.$count);
                    self.$field + index.as_u32() * ($size)(self.p())
                }
            )*
        }
    };
}

vmctx_layout! {
    header {
        /// Offset of the magic value.
        vmctx_magic = "magic", "`u32`, padded to a pointer";
        /// Offset of the `*mut VMStoreContext`.
        vmctx_store_context = "store context", "`*mut VMStoreContext`";
        /// Offset of the pointer to the builtin function table.
        vmctx_builtin_functions = "builtin functions", "`*const [fn; BuiltinFunction::COUNT]`";
        /// Offset of the pointer to the engine's epoch counter.
        vmctx_epoch_counter = "epoch counter", "`*const AtomicU64`";
        /// Offset of the pointer to the array mapping module type indices to engine-wide
        /// ids.
        vmctx_type_ids = "type ids", "`*const [VMSharedTypeIndex]`";
        /// Offset of the pointer to the module's lazy code table (`*const [VMLazySlot]`,
        /// two code pointers per defined function), null when the module was compiled
        /// eagerly.
        vmctx_lazy_code_table = "lazy code table", "`*const [VMLazySlot]`";
    }
    regions {
        /// Offset of the `VMMemoryImport` of an imported memory.
        vmctx_vmmemory_import(MemoryIndex) => imported_memories = "imported memories",
            "`VMMemoryImport` (2 pointers)", count imported_memories,
            size |p| 2 * p, align |p| p;
        /// Offset of the `*mut VMMemoryDefinition` of a defined memory.
        vmctx_vmmemory_pointer(DefinedMemoryIndex) => defined_memories = "defined memory pointers",
            "`*mut VMMemoryDefinition`", count defined_memories,
            size |p| p, align |p| p;
        /// Offset of the `VMMemoryDefinition` of an owned memory.
        vmctx_vmmemory_definition(OwnedMemoryIndex) => owned_memories = "owned memory definitions",
            "`VMMemoryDefinition` (2 pointers)", count owned_memories,
            size |p| 2 * p, align |p| p;
        /// Offset of the `VMFunctionImport` of an imported function.
        vmctx_vmfunction_import(FuncIndex) => imported_funcs = "imported functions",
            "`VMFunctionImport` (3 pointers)", count imported_funcs,
            size |p| 3 * p, align |p| p;
        /// Offset of the `VMTableImport` of an imported table.
        vmctx_vmtable_import(TableIndex) => imported_tables = "imported tables",
            "`VMTableImport` (2 pointers)", count imported_tables,
            size |p| 2 * p, align |p| p;
        /// Offset of the `VMGlobalImport` of an imported global.
        vmctx_vmglobal_import(GlobalIndex) => imported_globals = "imported globals",
            "`VMGlobalImport` (1 pointer)", count imported_globals,
            size |p| p, align |p| p;
        /// Offset of the `VMTableDefinition` of a defined table.
        vmctx_vmtable_definition(DefinedTableIndex) => defined_tables = "defined tables",
            "`VMTableDefinition` (2 pointers)", count defined_tables,
            size |p| 2 * p, align |p| p;
        /// Offset of the `VMGlobalDefinition` of a defined global.
        vmctx_vmglobal_definition(DefinedGlobalIndex) => defined_globals = "defined globals",
            "`VMGlobalDefinition` (16 bytes, 16-aligned)", count defined_globals,
            size |_| 16, align |_| 16;
        /// Offset of the `VMFuncRef` of an escaping function.
        vmctx_func_ref(FuncRefIndex) => func_refs = "function references",
            "`VMFuncRef` (4 pointers)", count escaped_funcs,
            size |p| 4 * p, align |p| p;
    }
}

impl VMOffsets {
    /// The layout for `module` on a host with `pointer_size`-byte pointers (4 or 8).
    pub fn new(pointer_size: u8, module: &Module) -> Self {
        Self::from_counts(pointer_size, VMContextCounts::for_module(module))
    }

    /// The layout for `module` on this host.
    pub fn for_host(module: &Module) -> Self {
        Self::new(HOST_POINTER_SIZE, module)
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

    /// Total size of the `VMContext` in bytes.
    pub fn size_of_vmctx(&self) -> u32 {
        self.size
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

    /// `VMLazySlot::entry`: where direct calls to a lazily compiled function go (its
    /// stub until it is compiled, then its code).
    pub fn vm_lazy_slot_entry(&self) -> u32 {
        0
    }
    /// `VMLazySlot::compiled`: the function's code once compiled, null before.
    pub fn vm_lazy_slot_compiled(&self) -> u32 {
        self.p()
    }
    /// Size of `VMLazySlot`.
    pub fn size_of_vm_lazy_slot(&self) -> u32 {
        2 * self.p()
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

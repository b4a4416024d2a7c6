//! Properties of `VMOffsets` for random entity counts and both pointer sizes.

use proptest::prelude::*;
use tarn_environ::*;

fn counts() -> impl Strategy<Value = VMContextCounts> {
    (
        (0u32..50, 0u32..10, 0u32..5, 0u32..50),
        (0u32..10, 0u32..5, 0u32..50, 0u32..100),
        0u32..=100,
    )
        .prop_map(
            |((f, t, m, g), (dt, dm, dg, ef), owned_pct)| VMContextCounts {
                imported_funcs: f,
                imported_tables: t,
                imported_memories: m,
                imported_globals: g,
                defined_tables: dt,
                defined_memories: dm,
                owned_memories: dm * owned_pct / 100,
                defined_globals: dg,
                escaped_funcs: ef,
            },
        )
}

proptest! {
    #[test]
    fn regions_are_ordered_aligned_and_disjoint(counts in counts(), wide in any::<bool>()) {
        let pointer = if wide { 8 } else { 4 };
        let offsets = VMOffsets::from_counts(pointer, counts);
        let regions = offsets.regions();
        let mut end = 0;
        for region in &regions {
            prop_assert!(region.offset >= end, "{} overlaps its predecessor", region.name);
            prop_assert_eq!(region.offset % region.align, 0, "{} misaligned", region.name);
            prop_assert!(region.align >= u32::from(pointer) || region.count == 0);
            end = region.end();
        }
        let size = offsets.size_of_vmctx();
        prop_assert!(size >= end);
        prop_assert_eq!(size, end.next_multiple_of(VMCONTEXT_ALIGN));
    }

    #[test]
    fn element_offsets_fall_inside_their_regions(counts in counts(), wide in any::<bool>()) {
        let offsets = VMOffsets::from_counts(if wide { 8 } else { 4 }, counts);
        let regions = offsets.regions();
        let region = |name: &str| *regions.iter().find(|r| r.name == name).unwrap();
        let check = |name: &str, offsets: Vec<u32>| -> Result<(), TestCaseError> {
            let r = region(name);
            for (i, offset) in offsets.into_iter().enumerate() {
                prop_assert_eq!(offset, r.offset + i as u32 * r.element_size, "{}", name);
                prop_assert!(offset + r.element_size <= r.end());
            }
            Ok(())
        };
        check("imported functions", (0..counts.imported_funcs)
            .map(|i| offsets.vmctx_vmfunction_import(FuncIndex::from_u32(i))).collect())?;
        check("imported tables", (0..counts.imported_tables)
            .map(|i| offsets.vmctx_vmtable_import(TableIndex::from_u32(i))).collect())?;
        check("imported memories", (0..counts.imported_memories)
            .map(|i| offsets.vmctx_vmmemory_import(MemoryIndex::from_u32(i))).collect())?;
        check("imported globals", (0..counts.imported_globals)
            .map(|i| offsets.vmctx_vmglobal_import(GlobalIndex::from_u32(i))).collect())?;
        check("defined tables", (0..counts.defined_tables)
            .map(|i| offsets.vmctx_vmtable_definition(DefinedTableIndex::from_u32(i))).collect())?;
        check("defined memory pointers", (0..counts.defined_memories)
            .map(|i| offsets.vmctx_vmmemory_pointer(DefinedMemoryIndex::from_u32(i))).collect())?;
        check("owned memory definitions", (0..counts.owned_memories)
            .map(|i| offsets.vmctx_vmmemory_definition(OwnedMemoryIndex::from_u32(i))).collect())?;
        check("defined globals", (0..counts.defined_globals)
            .map(|i| offsets.vmctx_vmglobal_definition(DefinedGlobalIndex::from_u32(i))).collect())?;
        check("function references", (0..counts.escaped_funcs)
            .map(|i| offsets.vmctx_func_ref(FuncRefIndex::from_u32(i))).collect())?;
    }

    #[test]
    fn struct_sizes_scale_with_the_pointer(wide in any::<bool>()) {
        let p = if wide { 8u32 } else { 4 };
        let offsets = VMOffsets::from_counts(p as u8, VMContextCounts::default());
        prop_assert_eq!(offsets.size_of_vm_func_ref(), 4 * p);
        prop_assert_eq!(offsets.vm_func_ref_vmctx() + p, offsets.size_of_vm_func_ref());
        prop_assert_eq!(offsets.size_of_vmfunction_import(), 3 * p);
        prop_assert_eq!(offsets.size_of_vmglobal_definition(), 16);
        prop_assert_eq!(offsets.vmstore_context_last_wasm_entry_fp() + p,
            offsets.size_of_vmstore_context());
    }
}

#[test]
fn header_fields_come_first_in_the_documented_order() {
    let offsets = VMOffsets::from_counts(8, VMContextCounts::default());
    assert_eq!(offsets.vmctx_magic(), 0);
    assert_eq!(offsets.vmctx_store_context(), 8);
    assert_eq!(offsets.vmctx_builtin_functions(), 16);
    assert_eq!(offsets.vmctx_epoch_counter(), 24);
    assert_eq!(offsets.vmctx_type_ids(), 32);
    assert_eq!(offsets.vmctx_lazy_code_table(), 40);
    assert_eq!(offsets.size_of_vmctx(), 48);
}

#[test]
fn a_module_layout_matches_a_hand_computed_one() {
    let module = crate::translate(
        r#"(module
            (import "m" "f" (func))
            (import "m" "t" (table 1 funcref))
            (memory 1)
            (table 1 funcref)
            (global i32 (i32.const 0))
            (global i64 (i64.const 0))
            (func (export "g")))"#,
    );
    let offsets = VMOffsets::new(8, &module);
    let header = 48;
    assert_eq!(
        offsets.vmctx_vmmemory_pointer(DefinedMemoryIndex::from_u32(0)),
        header
    );
    assert_eq!(
        offsets.vmctx_vmmemory_definition(OwnedMemoryIndex::from_u32(0)),
        header + 8
    );
    assert_eq!(
        offsets.vmctx_vmfunction_import(FuncIndex::from_u32(0)),
        header + 24
    );
    assert_eq!(
        offsets.vmctx_vmtable_import(TableIndex::from_u32(0)),
        header + 48
    );
    assert_eq!(
        offsets.vmctx_vmtable_definition(DefinedTableIndex::from_u32(0)),
        header + 64
    );
    assert_eq!(
        offsets.vmctx_vmglobal_definition(DefinedGlobalIndex::from_u32(0)),
        128
    );
    assert_eq!(
        offsets.vmctx_vmglobal_definition(DefinedGlobalIndex::from_u32(1)),
        144
    );
    assert_eq!(offsets.vmctx_func_ref(FuncRefIndex::from_u32(0)), 160);
    assert_eq!(offsets.size_of_vmctx(), 192);
}

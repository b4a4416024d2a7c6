//! Which segments become table and memory images, and where the prefix stops.

use super::*;
use crate::{Features, translate_module};

fn static_init(wat: &str) -> StaticInit {
    let wasm = wat::parse_str(wat).unwrap();
    translate_module(&wasm, Features::default())
        .unwrap()
        .module
        .static_init
}

#[test]
fn constant_function_segments_make_a_table_image() {
    let init = static_init(
        r#"(module
            (table 10 funcref)
            (func $a) (func $b)
            (elem (i32.const 2) $a $b)
            (elem (i32.const 3) funcref (ref.null func) (ref.func $a)))"#,
    );
    assert_eq!(init.imaged_elements, 2);
    let image = init.tables[DefinedTableIndex::from_u32(0)]
        .as_ref()
        .unwrap();
    let a = Some(FuncRefIndex::from_u32(0));
    let b = Some(FuncRefIndex::from_u32(1));
    assert_eq!(&image[..], &[None, None, a, None, a]);
    assert_ne!(a, b);
}

#[test]
fn the_table_prefix_stops_at_the_first_segment_that_could_trap_or_reads_a_global() {
    let init = static_init(
        r#"(module
            (global $g (import "m" "g") i32)
            (table 4 funcref)
            (func $a)
            (elem (i32.const 0) $a)
            (elem (global.get $g) $a)
            (elem (i32.const 1) $a))"#,
    );
    assert_eq!(init.imaged_elements, 1);
    let out_of_bounds = static_init(
        r#"(module (table 2 funcref) (func $a) (elem (i32.const 1) $a $a) (elem (i32.const 0) $a))"#,
    );
    assert_eq!(out_of_bounds.imaged_elements, 0);
    assert!(out_of_bounds.tables[DefinedTableIndex::from_u32(0)].is_none());
}

#[test]
fn imported_tables_and_initialised_tables_get_no_image() {
    let imported = static_init(
        r#"(module (import "m" "t" (table 4 funcref)) (func $a) (elem (i32.const 0) $a))"#,
    );
    assert_eq!(imported.imaged_elements, 0);
    let initialised = static_init(
        r#"(module (func $a) (table 4 funcref (ref.func $a)) (elem (i32.const 0) $a))"#,
    );
    assert_eq!(initialised.imaged_elements, 0);
}

#[test]
fn data_segments_make_a_page_aligned_memory_image() {
    let init = static_init(
        r#"(module (memory 4)
            (data (i32.const 70000) "ab")
            (data (i32.const 65536) "cd")
            (data "passive"))"#,
    );
    assert_eq!(init.imaged_data, 3);
    let layout = init.memories[DefinedMemoryIndex::from_u32(0)]
        .as_ref()
        .unwrap();
    assert_eq!((layout.offset, layout.len), (65536, 65536));
    assert_eq!(
        layout.segments,
        vec![
            (DataIndex::from_u32(0), 70000),
            (DataIndex::from_u32(1), 65536)
        ]
    );
}

#[test]
fn memory_images_need_in_bounds_constant_segments_and_trap_free_elements() {
    let past_minimum = static_init(r#"(module (memory 1) (data (i32.const 65535) "ab"))"#);
    assert_eq!(past_minimum.imaged_data, 0);
    assert!(past_minimum.memories[DefinedMemoryIndex::from_u32(0)].is_none());
    let element_may_trap = static_init(
        r#"(module (memory 1) (table 1 funcref) (func $a)
            (elem (i32.const 1) $a) (data (i32.const 0) "ab"))"#,
    );
    assert!(element_may_trap.memories[DefinedMemoryIndex::from_u32(0)].is_none());
    let wrapped = static_init(r#"(module (memory 1) (data (i32.const -1) "a"))"#);
    assert_eq!(wrapped.imaged_data, 0);
}

#[test]
fn sparse_data_gets_no_image() {
    let init = static_init(
        r#"(module (memory 100) (data (i32.const 0) "a") (data (i32.const 6000000) "b"))"#,
    );
    assert_eq!(init.imaged_data, 2);
    assert!(init.memories[DefinedMemoryIndex::from_u32(0)].is_none());
}

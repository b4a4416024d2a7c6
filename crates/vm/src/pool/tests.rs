//! Slot reuse, image affinity and limits of the pooling allocator, without compiled code.

use environ::{Features, Limits, MemoryType, RefType, TableType, translate_module};

use super::*;
use crate::memory_image::MemoryImages;
use crate::table::TableElement;

fn small_tunables() -> Tunables {
    Tunables {
        memory_reservation: 4 << 16,
        memory_guard_size: 1 << 16,
        ..Tunables::default_for_host()
    }
}

fn pool(total: u32) -> PoolingInstanceAllocator {
    let config = PoolingConfig {
        total_instances: total,
        total_memories: total,
        total_tables: total,
        max_memory_size: 3 << 16,
        table_elements: 100,
    };
    PoolingInstanceAllocator::new(config, &small_tunables()).unwrap()
}

fn memory_type(minimum: u64) -> MemoryType {
    MemoryType {
        limits: Limits {
            minimum,
            maximum: None,
        },
        shared: false,
        memory64: false,
    }
}

#[test]
fn a_reused_memory_slot_shows_nothing_of_its_last_memory() {
    let pool = pool(1);
    let mut first = LinearMemory::new_pooled(memory_type(2), None, None, &pool.memories).unwrap();
    let base = first.base();
    first.data_mut()[100] = 7;
    first.data_mut()[2 * 65536 - 1] = 9;
    assert_eq!(first.grow(1, None).unwrap(), Some(2));
    first.data_mut()[3 * 65536 - 1] = 11;
    assert_eq!(first.grow(1, None).unwrap(), None, "beyond max_memory_size");
    drop(first);
    assert_eq!(pool.free_memory_slots(), 1);
    let second = LinearMemory::new_pooled(memory_type(1), None, None, &pool.memories).unwrap();
    assert_eq!(second.base(), base, "the one slot is reused");
    assert_eq!(second.data().len(), 65536);
    assert!(second.data().iter().all(|&b| b == 0));
}

#[test]
fn limits_are_errors_that_name_them() {
    let pool = pool(1);
    let held = LinearMemory::new_pooled(memory_type(1), None, None, &pool.memories).unwrap();
    let error = LinearMemory::new_pooled(memory_type(1), None, None, &pool.memories).unwrap_err();
    assert!(error.to_string().contains("all 1 memory slots"), "{error}");
    drop(held);
    let error = LinearMemory::new_pooled(memory_type(4), None, None, &pool.memories).unwrap_err();
    assert!(error.to_string().contains("maximum memory size"), "{error}");
    let ty = TableType {
        element: RefType::FUNCREF,
        limits: Limits {
            minimum: 101,
            maximum: None,
        },
        table64: false,
    };
    let error = Table::new_pooled(ty, None, &pool.tables).unwrap_err();
    assert!(error.to_string().contains("100 table elements"), "{error}");
}

#[test]
fn a_reused_table_slot_is_zero_and_grows_only_within_it() {
    let pool = pool(1);
    let ty = TableType {
        element: RefType::EXTERNREF,
        limits: Limits {
            minimum: 10,
            maximum: None,
        },
        table64: false,
    };
    let mut table = Table::new_pooled(ty, None, &pool.tables).unwrap();
    table.fill(0, TableElement::ExternRef(5), 10).unwrap();
    assert_eq!(
        table.grow(90, TableElement::ExternRef(6), None).unwrap(),
        Some(10)
    );
    assert_eq!(table.get(99), Some(TableElement::ExternRef(6)));
    assert_eq!(
        table.grow(1, TableElement::ExternRef(6), None).unwrap(),
        None
    );
    drop(table);
    let table = Table::new_pooled(ty, None, &pool.tables).unwrap();
    assert_eq!(table.size(), 10);
    assert!((0..10).all(|i| table.get(i) == Some(TableElement::ExternRef(0))));
}

#[test]
fn a_slot_keeps_its_image_for_the_same_module_and_drops_it_for_another() {
    let module = |text: &str| {
        let wasm = wat::parse_str(text).unwrap();
        translate_module(&wasm, Features::default()).unwrap().module
    };
    let a = module(r#"(module (memory 1) (data (i32.const 10) "image a"))"#);
    let b = module(r#"(module (memory 1) (data (i32.const 20) "image b"))"#);
    let (images_a, images_b) = (
        MemoryImages::new(&a).unwrap(),
        MemoryImages::new(&b).unwrap(),
    );
    let image_a = images_a.get(environ::DefinedMemoryIndex::from_u32(0));
    let image_b = images_b.get(environ::DefinedMemoryIndex::from_u32(0));
    let pool = pool(1);
    let mut memory =
        LinearMemory::new_pooled(memory_type(1), None, image_a, &pool.memories).unwrap();
    assert!(memory.has_image());
    assert_eq!(&memory.data()[10..17], b"image a");
    memory.data_mut()[10] = b'X';
    memory.data_mut()[5000] = 1;
    drop(memory);
    let memory = LinearMemory::new_pooled(memory_type(1), None, image_a, &pool.memories).unwrap();
    assert_eq!(
        &memory.data()[10..17],
        b"image a",
        "the image again, not the write"
    );
    assert_eq!(memory.data()[5000], 0);
    drop(memory);
    let memory = LinearMemory::new_pooled(memory_type(1), None, image_b, &pool.memories).unwrap();
    assert_eq!(&memory.data()[20..27], b"image b");
    assert!(memory.data()[..20].iter().all(|&b| b == 0));
    drop(memory);
    let memory = LinearMemory::new_pooled(memory_type(1), None, None, &pool.memories).unwrap();
    assert!(!memory.has_image());
    assert!(memory.data().iter().all(|&b| b == 0));
}

#[test]
fn a_refused_table_does_not_touch_the_next_slot() {
    // 512 elements fill a 4 KiB slot exactly, so zeroing one element too many would
    // reach the next slot.
    let config = PoolingConfig {
        total_instances: 2,
        total_memories: 2,
        total_tables: 2,
        max_memory_size: 1 << 16,
        table_elements: 512,
    };
    let pool = PoolingInstanceAllocator::new(config, &small_tunables()).unwrap();
    let ty = |minimum| TableType {
        element: RefType::EXTERNREF,
        limits: Limits {
            minimum,
            maximum: None,
        },
        table64: false,
    };
    let first = Table::new_pooled(ty(1), None, &pool.tables).unwrap();
    let mut second = Table::new_pooled(ty(1), None, &pool.tables).unwrap();
    second.set(0, TableElement::ExternRef(5)).unwrap();
    drop(first);
    let error = Table::new_pooled(ty(513), None, &pool.tables).unwrap_err();
    assert!(error.to_string().contains("512 table elements"), "{error}");
    assert_eq!(second.get(0), Some(TableElement::ExternRef(5)));
}

//! Instance initialisation: lazy funcref tables and copy-on-write memory images behave
//! exactly like filling and copying, including every case that falls back to copying.

use tarn::{Config, Engine, Extern, Func, Instance, Module, Store, Val};

/// The engines every test runs on: lazy tables with memory images, and the eager,
/// copying configuration.
fn engines() -> [Engine; 2] {
    let mut eager = Config::new();
    eager.table_lazy_init(false).memory_init_cow(false);
    [Engine::default(), Engine::new(&eager).unwrap()]
}

fn instance(store: &mut Store<()>, wat: &str) -> Instance {
    let module = Module::new(store.engine(), wat).unwrap();
    Instance::new(&mut *store, &module, &[]).unwrap()
}

fn call_i32(store: &mut Store<()>, instance: &Instance, name: &str, arg: i32) -> i32 {
    instance
        .get_typed_func::<i32, i32>(&mut *store, name)
        .unwrap()
        .call(&mut *store, arg)
        .unwrap()
}

const BIG_TABLE: &str = r#"(module
    (type $t (func (result i32)))
    (table $t (export "table") 100000 funcref)
    (func $one (result i32) (i32.const 1))
    (func $two (result i32) (i32.const 2))
    (elem (i32.const 0) $one $two)
    (elem (i32.const 99998) $two $one)
    (elem (i32.const 50000) funcref (ref.null func) (ref.func $two))
    (func (export "call") (param i32) (result i32)
        (call_indirect (type $t) (local.get 0)))
    (func (export "is_null") (param i32) (result i32)
        (ref.is_null (table.get (local.get 0))))
    (func (export "copy") (param i32) (result i32)
        ;; copies three slots starting at the argument to 10..13, reports slot 11
        (table.copy (i32.const 10) (local.get 0) (i32.const 3))
        (call_indirect (type $t) (i32.const 11))))"#;

#[test]
fn a_large_table_from_segments_reads_the_same_lazily_and_eagerly() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let instance = instance(&mut store, BIG_TABLE);
        assert_eq!(call_i32(&mut store, &instance, "call", 0), 1);
        assert_eq!(call_i32(&mut store, &instance, "call", 99999), 1);
        assert_eq!(call_i32(&mut store, &instance, "call", 50001), 2);
        assert_eq!(call_i32(&mut store, &instance, "is_null", 50000), 1);
        assert_eq!(call_i32(&mut store, &instance, "is_null", 1), 0);
        assert_eq!(call_i32(&mut store, &instance, "is_null", 7), 1);
        let call = instance.get_func(&mut store, "call").unwrap();
        let error = call
            .call(&mut store, &[Val::I32(60000)], &mut [Val::I32(0)])
            .unwrap_err();
        assert!(
            error.to_string().contains("uninitialized element"),
            "{error}"
        );
        // Copying out of slots no one has touched yet carries their functions.
        assert_eq!(call_i32(&mut store, &instance, "copy", 99997), 2);
        let table = instance.get_table(&mut store, "table").unwrap();
        let host_read = table.get(&mut store, 99998).unwrap();
        let Val::FuncRef(Some(func)) = host_read else {
            panic!("slot 99998 should hold $two, got {host_read:?}")
        };
        assert_eq!(
            func.typed::<(), i32>(&store)
                .unwrap()
                .call(&mut store, ())
                .unwrap(),
            2
        );
        assert!(matches!(table.get(&mut store, 3), Some(Val::FuncRef(None))));
    }
}

#[test]
fn an_importer_sees_the_exporters_lazy_slots() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let exporter = instance(&mut store, BIG_TABLE);
        let table = exporter.get_table(&mut store, "table").unwrap();
        let importer = Module::new(
            &engine,
            r#"(module
                (type $t (func (result i32)))
                (import "m" "table" (table 100000 funcref))
                (table $own 4 funcref)
                (func (export "call") (param i32) (result i32)
                    (call_indirect (type $t) (local.get 0)))
                (func (export "copy_in") (param i32) (result i32)
                    (table.copy $own 0 (i32.const 0) (local.get 0) (i32.const 2))
                    (call_indirect $own (type $t) (i32.const 1))))"#,
        )
        .unwrap();
        let importer = Instance::new(&mut store, &importer, &[Extern::Table(table)]).unwrap();
        assert_eq!(call_i32(&mut store, &importer, "call", 99998), 2);
        assert_eq!(call_i32(&mut store, &importer, "copy_in", 99998), 1);
        assert_eq!(call_i32(&mut store, &exporter, "call", 99998), 2);
    }
}

#[test]
fn writes_replace_lazy_slots_and_grown_slots_hold_their_initial_value() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let instance = instance(&mut store, BIG_TABLE);
        let table = instance.get_table(&mut store, "table").unwrap();
        table.set(&mut store, 0, Val::FuncRef(None)).unwrap();
        assert_eq!(call_i32(&mut store, &instance, "is_null", 0), 1);
        let host = Func::wrap(&mut store, || 7i32);
        table.grow(&mut store, 1, Val::FuncRef(Some(host))).unwrap();
        assert_eq!(call_i32(&mut store, &instance, "call", 100000), 7);
    }
}

#[test]
fn instances_of_one_module_do_not_share_written_memory() {
    let wat = r#"(module
        (memory (export "m") 2)
        (data (i32.const 65530) "hello, image")
        (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
        (func (export "store") (param i32) (result i32)
            (i32.store8 (local.get 0) (i32.const 33)) (i32.const 0)))"#;
    for engine in engines() {
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let a = Instance::new(&mut store, &module, &[]).unwrap();
        let b = Instance::new(&mut store, &module, &[]).unwrap();
        assert_eq!(call_i32(&mut store, &a, "load", 65530), i32::from(b'h'));
        call_i32(&mut store, &a, "store", 65530);
        assert_eq!(call_i32(&mut store, &a, "load", 65530), 33);
        assert_eq!(call_i32(&mut store, &b, "load", 65530), i32::from(b'h'));
        let memory = b.get_memory(&mut store, "m").unwrap();
        assert_eq!(&memory.data(&store)[65530..65542], b"hello, image");
        memory.grow(&mut store, 1).unwrap();
        assert_eq!(&memory.data(&store)[65536..65542], b" image");
        assert!(memory.data(&store)[65542..].iter().all(|&b| b == 0));
        // A fresh store instantiates from the same, unchanged image.
        let mut other = Store::new(&engine, ());
        let c = Instance::new(&mut other, &module, &[]).unwrap();
        assert_eq!(call_i32(&mut other, &c, "load", 65530), i32::from(b'h'));
    }
}

/// Runs `wat` on both engines and returns each engine's bytes of export `m` from
/// `range`; the two must agree.
fn memory_after_instantiation(wat: &str, range: core::ops::Range<usize>) -> Vec<u8> {
    let [lazy, eager] = engines().map(|engine| {
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, wat).unwrap();
        let mut linker = tarn::Linker::new(&engine);
        let global_type = tarn::GlobalType::new(tarn::ValType::I32, tarn::Mutability::Const);
        let global = tarn::Global::new(&mut store, global_type, Val::I32(100)).unwrap();
        linker.define(&mut store, "env", "g", global).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let memory = instance.get_memory(&mut store, "m").unwrap();
        memory.data(&store)[range.clone()].to_vec()
    });
    assert_eq!(lazy, eager);
    lazy
}

#[test]
fn segments_that_cannot_be_imaged_are_still_copied() {
    // An offset read from a global.
    let global = r#"(module (import "env" "g" (global i32)) (memory (export "m") 1)
        (data (i32.const 0) "ab") (data (global.get 0) "cd"))"#;
    assert_eq!(memory_after_instantiation(global, 0..2), b"ab");
    assert_eq!(memory_after_instantiation(global, 100..102), b"cd");
    // Data far apart, which would make a sparse image.
    let sparse = r#"(module (global (import "env" "g") i32) (memory (export "m") 100)
        (data (i32.const 1) "x") (data (i32.const 6000000) "y"))"#;
    assert_eq!(memory_after_instantiation(sparse, 0..2), b"\0x");
    assert_eq!(memory_after_instantiation(sparse, 6000000..6000001), b"y");
    // A later segment overwriting an imaged one after a non-constant one.
    let overwrite = r#"(module (global (import "env" "g") i32) (memory (export "m") 1)
        (data (i32.const 100) "image") (data (global.get 0) "copy"))"#;
    assert_eq!(memory_after_instantiation(overwrite, 100..105), b"copye");
}

#[test]
fn a_segment_that_traps_leaves_an_imported_memory_as_the_spec_says() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let memory = tarn::Memory::new(&mut store, tarn::MemoryType::new(1, None)).unwrap();
        let module = Module::new(
            &engine,
            r#"(module (import "env" "m" (memory 1))
                (data (i32.const 0) "written")
                (data (i32.const 65535) "too long"))"#,
        )
        .unwrap();
        let error = Instance::new(&mut store, &module, &[Extern::Memory(memory)]).unwrap_err();
        assert!(error.to_string().contains("out of bounds"), "{error}");
        assert_eq!(&memory.data(&store)[..7], b"written");
    }
}

#[test]
fn an_element_segment_that_traps_keeps_data_segments_unapplied() {
    // Element segments run before data segments; when one traps, the defined memory
    // must stay empty even though its segment could be imaged, which the module can
    // show through a function it placed in an imported table first.
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let table = tarn::Table::new(
            &mut store,
            tarn::TableType::new(tarn::RefType::FUNCREF, 1, None),
            Val::FuncRef(None),
        )
        .unwrap();
        let module = Module::new(
            &engine,
            r#"(module
                (import "env" "t" (table 1 funcref))
                (memory 1)
                (table $own 1 funcref)
                (func $peek (result i32) (i32.load8_u (i32.const 0)))
                (elem (table 0) (i32.const 0) func $peek)
                (elem (table $own) (i32.const 1) func $peek)
                (data (i32.const 0) "x"))"#,
        )
        .unwrap();
        let error = Instance::new(&mut store, &module, &[Extern::Table(table)]).unwrap_err();
        assert!(error.to_string().contains("out of bounds"), "{error}");
        let Some(Val::FuncRef(Some(peek))) = table.get(&mut store, 0) else {
            panic!("the first segment should have been written");
        };
        let peek = peek.typed::<(), i32>(&store).unwrap();
        assert_eq!(peek.call(&mut store, ()).unwrap(), 0);
    }
}

#[test]
fn an_image_of_many_overlapping_segments_reads_like_copying_them_in_order() {
    // More segments than are written one by one, spread over two 64 KiB write chunks
    // with an all-zero chunk between, later ones overwriting earlier ones.
    let mut wat =
        String::from(r#"(module (global (import "env" "g") i32) (memory (export "m") 3)"#);
    let mut expected = vec![0u8; 3 << 16];
    for i in 0..40usize {
        let at = if i % 2 == 0 { 3 * i } else { (2 << 16) + 5 * i };
        let text = format!("seg{i:02}");
        wat.push_str(&format!("(data (i32.const {at}) \"{text}\")"));
        expected[at..at + text.len()].copy_from_slice(text.as_bytes());
    }
    wat.push(')');
    assert_eq!(memory_after_instantiation(&wat, 0..3 << 16), expected);
}

//! Wasm 3.0's memories and tables through the API: 64-bit memories and tables (host-made
//! and exported, their bounds at the top of the 64-bit range), several memories in one
//! module, extended constant expressions, and `-W` switching proposals off in the CLI.

use tarn::{
    Config, Engine, Extern, Linker, Memory, MemoryType, Module, RefType, Store, Table, TableType,
    TrapCode, Val,
};

use crate::{assert_error, instantiate, tarn, temp_file, trap_code, typed};

const MEMORY64: &str = r#"(module
  (memory (export "mem") i64 1 4)
  (func (export "load") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load_far") (param i64) (result i64)
    (i64.load offset=0xffff_ffff_0000_0000 (local.get 0)))
  (func (export "store") (param i64 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "size") (result i64) memory.size)
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64)
    (memory.fill (local.get 0) (local.get 1) (local.get 2))))"#;

#[test]
fn a_64_bit_memory_checks_every_address_up_to_the_top_of_the_range() {
    let (mut store, instance) = instantiate(MEMORY64);
    let memory = instance.get_memory(&mut store, "mem").unwrap();
    assert!(memory.ty(&store).is_64());
    assert_eq!(memory.ty(&store).maximum(), Some(4));
    let load = typed::<i64, i32>(&mut store, &instance, "load");
    let store8 = typed::<(i64, i32), ()>(&mut store, &instance, "store");
    store8.call(&mut store, (65535, 7)).unwrap();
    assert_eq!(load.call(&mut store, 65535).unwrap(), 7);
    assert_eq!(memory.data(&store)[65535], 7);
    for address in [65536, 1 << 32, (1 << 32) + 1, i64::MAX, -1, -2] {
        let error = load.call(&mut store, address).unwrap_err();
        assert_eq!(
            trap_code(&error),
            Some(TrapCode::MemoryOutOfBounds),
            "{address}"
        );
    }
    // An offset near the top of the range: address + offset overflows or lands far out.
    let load_far = typed::<i64, i64>(&mut store, &instance, "load_far");
    for address in [0, 0x1_0000_0000, -1] {
        let error = load_far.call(&mut store, address).unwrap_err();
        assert_eq!(
            trap_code(&error),
            Some(TrapCode::MemoryOutOfBounds),
            "{address}"
        );
    }
    let size = typed::<(), i64>(&mut store, &instance, "size");
    let grow = typed::<i64, i64>(&mut store, &instance, "grow");
    assert_eq!(grow.call(&mut store, 2).unwrap(), 1);
    assert_eq!(size.call(&mut store, ()).unwrap(), 3);
    assert_eq!(grow.call(&mut store, 2).unwrap(), -1, "past the maximum");
    assert_eq!(grow.call(&mut store, i64::MAX).unwrap(), -1);
    assert_eq!(load.call(&mut store, 3 * 65536 - 1).unwrap(), 0);
    let fill = typed::<(i64, i32, i64), ()>(&mut store, &instance, "fill");
    let error = fill.call(&mut store, (1, 0, -1)).unwrap_err();
    assert_eq!(trap_code(&error), Some(TrapCode::MemoryOutOfBounds));
}

#[test]
fn a_64_bit_memory_grows_past_4_gib() {
    let (mut store, instance) = instantiate(
        r#"(module
          (memory (export "mem") i64 1)
          (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
          (func (export "store") (param i64 i64) (i64.store (local.get 0) (local.get 1)))
          (func (export "load") (param i64) (result i64) (i64.load (local.get 0))))"#,
    );
    let grow = typed::<i64, i64>(&mut store, &instance, "grow");
    let store64 = typed::<(i64, i64), ()>(&mut store, &instance, "store");
    let load = typed::<i64, i64>(&mut store, &instance, "load");
    store64.call(&mut store, (8, 0x1234)).unwrap();
    // 4 GiB plus one page: beyond the default reservation, so the memory moves.
    assert_eq!(grow.call(&mut store, 65536).unwrap(), 1);
    let far = (1i64 << 32) + 8;
    store64.call(&mut store, (far, 0x5678)).unwrap();
    assert_eq!(load.call(&mut store, far).unwrap(), 0x5678);
    assert_eq!(
        load.call(&mut store, 8).unwrap(),
        0x1234,
        "contents survive the move"
    );
    let error = load.call(&mut store, (65537 << 16) - 7).unwrap_err();
    assert_eq!(trap_code(&error), Some(TrapCode::MemoryOutOfBounds));
}

#[test]
fn host_made_64_bit_memories_and_tables_link_only_to_64_bit_imports() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new64(1, Some(2))).unwrap();
    assert_eq!(memory.ty(&store), MemoryType::new64(1, Some(2)));
    assert_eq!(memory.grow(&mut store, 1).unwrap(), 1);
    let table = Table::new(
        &mut store,
        TableType::new64(RefType::FUNCREF, 3, None),
        Val::FuncRef(None),
    )
    .unwrap();
    assert!(table.ty(&store).is_64());
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "memory", memory).unwrap();
    linker.define(&store, "host", "table", table).unwrap();
    let user = Module::new(
        &engine,
        r#"(module
          (import "host" "memory" (memory i64 1))
          (import "host" "table" (table i64 1 funcref))
          (func (export "sizes") (result i64 i64) memory.size table.size))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &user).unwrap();
    let sizes = typed::<(), (i64, i64)>(&mut store, &instance, "sizes");
    assert_eq!(sizes.call(&mut store, ()).unwrap(), (2, 3));
    let wants_32 = Module::new(&engine, r#"(module (import "host" "memory" (memory 1)))"#).unwrap();
    assert_error(linker.instantiate(&mut store, &wants_32), "memory");
    let wants_32 = Module::new(
        &engine,
        r#"(module (import "host" "table" (table 1 funcref)))"#,
    )
    .unwrap();
    assert_error(linker.instantiate(&mut store, &wants_32), "table");
}

#[test]
fn several_memories_are_separate_and_copy_between_each_other() {
    let (mut store, instance) = instantiate(
        r#"(module
          (memory $a (export "a") 1)
          (memory $b (export "b") 1)
          (memory $c (export "c") i64 1)
          (data (memory $b) (i32.const 10) "hello")
          (func (export "copy_b_to_a") (param i32 i32 i32)
            (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
          (func (export "copy_b_to_c") (param i64 i32 i32)
            (memory.copy $c $b (local.get 0) (local.get 1) (local.get 2)))
          (func (export "load_a") (param i32) (result i32) (i32.load8_u $a (local.get 0)))
          (func (export "load_b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
          (func (export "sizes") (result i32 i32 i64)
            (memory.size $a) (memory.grow $b (i32.const 1)) (memory.size $c)))"#,
    );
    let load_a = typed::<i32, i32>(&mut store, &instance, "load_a");
    let load_b = typed::<i32, i32>(&mut store, &instance, "load_b");
    assert_eq!(load_a.call(&mut store, 10).unwrap(), 0);
    assert_eq!(load_b.call(&mut store, 10).unwrap(), i32::from(b'h'));
    let copy = typed::<(i32, i32, i32), ()>(&mut store, &instance, "copy_b_to_a");
    copy.call(&mut store, (100, 10, 5)).unwrap();
    let a = instance.get_memory(&mut store, "a").unwrap();
    assert_eq!(&a.data(&store)[100..105], b"hello");
    let error = copy.call(&mut store, (65534, 10, 5)).unwrap_err();
    assert_eq!(trap_code(&error), Some(TrapCode::MemoryOutOfBounds));
    let copy64 = typed::<(i64, i32, i32), ()>(&mut store, &instance, "copy_b_to_c");
    copy64.call(&mut store, (7, 10, 5)).unwrap();
    let c = instance.get_memory(&mut store, "c").unwrap();
    assert_eq!(&c.data(&store)[7..12], b"hello");
    let sizes = typed::<(), (i32, i32, i64)>(&mut store, &instance, "sizes");
    assert_eq!(sizes.call(&mut store, ()).unwrap(), (1, 1, 1));
    let Some(Extern::Memory(b)) = instance.get_export(&mut store, "b") else {
        panic!("b is a memory");
    };
    assert_eq!(b.size(&store), 2);
}

#[test]
fn extended_constants_initialise_globals_and_segment_offsets_once() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (import "env" "base" (global $base i32))
          (global $scaled i32 (i32.mul (global.get $base) (i32.const 4)))
          (global $wide (export "wide") i64
            (i64.sub (i64.mul (i64.const 0x1_0000_0000) (i64.const 3)) (i64.const 1)))
          (memory (export "mem") 1)
          (data (i32.add (global.get $base) (i32.const 2)) "x")
          (func (export "scaled") (result i32) (global.get $scaled)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let base = tarn::Global::new(
        &mut store,
        tarn::GlobalType::new(tarn::ValType::I32, tarn::Mutability::Const),
        Val::I32(40),
    )
    .unwrap();
    linker.define(&store, "env", "base", base).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let scaled = typed::<(), i32>(&mut store, &instance, "scaled");
    assert_eq!(scaled.call(&mut store, ()).unwrap(), 160);
    let wide = instance.get_global(&mut store, "wide").unwrap();
    assert_eq!(wide.get(&mut store).i64(), Some(3 * (1 << 32) - 1));
    let memory = instance.get_memory(&mut store, "mem").unwrap();
    assert_eq!(memory.data(&store)[42], b'x');
}

#[test]
fn each_proposal_switched_off_rejects_its_modules_by_name() {
    let cases = [
        (
            "multi-memory",
            "(module (memory 1) (memory 1))",
            "multiple memories",
        ),
        ("memory64", "(module (memory i64 1))", "memory64"),
        (
            "extended-const",
            "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
            "constant expression required",
        ),
        (
            "tail-call",
            "(module (func $f (return_call $f)))",
            "tail call",
        ),
    ];
    for (name, wat, message) in cases {
        let mut config = Config::new();
        config.wasm_proposal(name, false).unwrap();
        let engine = Engine::new(&config).unwrap();
        assert_error(Module::new(&engine, wat), message);
        assert!(
            Module::new(&Engine::default(), wat).is_ok(),
            "{name} on by default"
        );
    }
    let error = Config::new()
        .wasm_proposal("gc", true)
        .map(drop)
        .unwrap_err();
    assert!(
        error.contains("unknown WebAssembly proposal `gc`"),
        "{error}"
    );
}

#[test]
fn tarn_run_and_wast_take_w_switches() {
    let wat = temp_file(
        "w_switch",
        "mem64.wat",
        br#"(module (memory (export "m") i64 1)
          (func (export "size") (result i64) memory.size))"#,
    );
    let wat = wat.to_str().unwrap();
    let out = tarn(&["run", "--invoke", "size", wat]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
    let out = tarn(&["run", "-W", "memory64=n", "--invoke", "size", wat]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("memory64"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tarn(&["run", "-W", "nonsense=y", "--invoke", "size", wat]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown WebAssembly proposal"));
    let script = temp_file(
        "w_switch",
        "tail.wast",
        b"(module (func $f (result i32) (return_call $g)) (func $g (result i32) (i32.const 1)))",
    );
    let script = script.to_str().unwrap();
    assert_eq!(tarn(&["wast", script]).status.code(), Some(0));
    let out = tarn(&["wast", "-W", "tail-call=n", script]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("tail call"));
}

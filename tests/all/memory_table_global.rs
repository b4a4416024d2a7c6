//! The `Memory`, `Table` and `Global` APIs.

use tarn::{
    Engine, Func, Global, GlobalType, Instance, Memory, MemoryType, Module, Mutability, RefType,
    Store, Table, TableType, Val, ValType,
};

use crate::assert_error;

#[test]
fn memory_read_write_grow_and_bounds() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(3))).unwrap();
    assert_eq!(memory.size(&store), 1);
    assert_eq!(memory.data_size(&store), 65536);
    memory.write(&mut store, 65530, b"edge!!").unwrap();
    let mut buf = [0; 6];
    memory.read(&store, 65530, &mut buf).unwrap();
    assert_eq!(&buf, b"edge!!");
    assert_error(memory.write(&mut store, 65531, b"over!!"), "out of bounds");
    assert_error(memory.read(&store, usize::MAX, &mut buf), "out of bounds");
    assert_eq!(memory.grow(&mut store, 2).unwrap(), 1);
    assert_eq!(memory.size(&store), 3);
    let message = memory.grow(&mut store, 1).unwrap_err().to_string();
    assert!(
        message.contains("3 pages (maximum Some(3)) by 1"),
        "{message}"
    );
    memory.data_mut(&mut store)[3 * 65536 - 1] = 9;
    assert_eq!(memory.data(&store)[3 * 65536 - 1], 9);
    // The type's minimum is the current size, as the spec's external types have it.
    assert_eq!(memory.ty(&store), MemoryType::new(3, Some(3)));
}

#[test]
fn wasm_sees_host_memory_writes_and_growth() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module (memory (export "m") 1)
        (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
        (func (export "size") (result i32) (memory.size)))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let memory = instance.get_memory(&mut store, "m").unwrap();
    let load = instance
        .get_typed_func::<i32, i32>(&mut store, "load")
        .unwrap();
    let size = instance
        .get_typed_func::<(), i32>(&mut store, "size")
        .unwrap();
    memory.grow(&mut store, 1).unwrap();
    memory.write(&mut store, 70000, &[77]).unwrap();
    assert_eq!(load.call(&mut store, 70000).unwrap(), 77);
    assert_eq!(size.call(&mut store, ()).unwrap(), 2);
}

#[test]
fn tables_hold_functions_and_grow() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let table = Table::new(
        &mut store,
        TableType::new(RefType::FUNCREF, 2, Some(4)),
        Val::FuncRef(None),
    )
    .unwrap();
    let f = Func::wrap(&mut store, || 5i32);
    table.set(&mut store, 1, Val::FuncRef(Some(f))).unwrap();
    assert!(matches!(table.get(&mut store, 0), Some(Val::FuncRef(None))));
    let Some(Val::FuncRef(Some(g))) = table.get(&mut store, 1) else {
        panic!("a function")
    };
    assert_eq!(
        g.typed::<(), i32>(&store)
            .unwrap()
            .call(&mut store, ())
            .unwrap(),
        5
    );
    assert!(table.get(&mut store, 2).is_none());
    let message = table
        .set(&mut store, 2, Val::FuncRef(None))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("index 2 in a table of 2 elements"),
        "{message}"
    );
    assert_error(table.set(&mut store, 0, Val::I32(1)), "type");
    assert_eq!(table.grow(&mut store, 2, Val::FuncRef(Some(f))).unwrap(), 2);
    assert!(matches!(
        table.get(&mut store, 3),
        Some(Val::FuncRef(Some(_)))
    ));
    assert_error(table.grow(&mut store, 1, Val::FuncRef(None)), "maximum");
    assert_eq!(table.size(&store), 4);
}

#[test]
fn globals_respect_mutability_and_type() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let constant = Global::new(
        &mut store,
        GlobalType::new(ValType::F64, Mutability::Const),
        Val::from(1.5f64),
    )
    .unwrap();
    assert_eq!(constant.get(&mut store).f64(), Some(1.5));
    assert_error(constant.set(&mut store, Val::from(2.0f64)), "immutable");
    let variable = Global::new(
        &mut store,
        GlobalType::new(ValType::I64, Mutability::Var),
        Val::I64(1),
    )
    .unwrap();
    variable.set(&mut store, Val::I64(-9)).unwrap();
    assert_eq!(variable.get(&mut store).i64(), Some(-9));
    assert_error(variable.set(&mut store, Val::I32(0)), "type");
    assert_error(
        Global::new(
            &mut store,
            GlobalType::new(ValType::I32, Mutability::Const),
            Val::I64(0),
        ),
        "type",
    );
}

#[test]
fn exported_globals_are_shared_with_wasm() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module (global (export "g") (mut i32) (i32.const 3))
        (func (export "bump") (global.set 0 (i32.add (global.get 0) (i32.const 1)))))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let g = instance.get_global(&mut store, "g").unwrap();
    let bump = instance
        .get_typed_func::<(), ()>(&mut store, "bump")
        .unwrap();
    bump.call(&mut store, ()).unwrap();
    assert_eq!(g.get(&mut store).i32(), Some(4));
    g.set(&mut store, Val::I32(100)).unwrap();
    bump.call(&mut store, ()).unwrap();
    assert_eq!(g.get(&mut store).i32(), Some(101));
    assert_eq!(g.ty(&store), GlobalType::new(ValType::I32, Mutability::Var));
}

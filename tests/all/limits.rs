//! A `ResourceLimiter` denies memory and table growth, from wasm and from the host.

use tarn::{Engine, Error, Instance, Module, ResourceLimiter, Store};

use crate::assert_error;

struct Caps {
    max_memory_bytes: usize,
    max_table_elements: usize,
    denied: usize,
}

impl ResourceLimiter for Caps {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> Result<bool, Error> {
        let allowed = desired <= self.max_memory_bytes;
        self.denied += usize::from(!allowed);
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> Result<bool, Error> {
        let allowed = desired <= self.max_table_elements;
        self.denied += usize::from(!allowed);
        Ok(allowed)
    }
}

const GROWER: &str = r#"(module
  (memory (export "memory") 1)
  (table (export "table") 1 funcref)
  (func (export "grow_memory") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow_table") (param i32) (result i32)
    (table.grow (ref.null func) (local.get 0))))"#;

#[test]
fn a_limiter_denies_growth_from_wasm_and_from_the_host() {
    let engine = Engine::default();
    let module = Module::new(&engine, GROWER).unwrap();
    let caps = Caps {
        max_memory_bytes: 3 << 16,
        max_table_elements: 5,
        denied: 0,
    };
    let mut store = Store::new(&engine, caps);
    store.limiter(|caps| caps);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let grow_memory = instance
        .get_typed_func::<i32, i32>(&mut store, "grow_memory")
        .unwrap();
    let grow_table = instance
        .get_typed_func::<i32, i32>(&mut store, "grow_table")
        .unwrap();

    assert_eq!(grow_memory.call(&mut store, 2).unwrap(), 1);
    assert_eq!(grow_memory.call(&mut store, 1).unwrap(), -1);
    assert_eq!(grow_table.call(&mut store, 4).unwrap(), 1);
    assert_eq!(grow_table.call(&mut store, 1).unwrap(), -1);

    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert_error(
        memory.grow(&mut store, 1),
        "failed to grow a memory of 3 pages",
    );
    assert_eq!(memory.size(&store), 3);
    let table = instance.get_table(&mut store, "table").unwrap();
    assert_error(
        table.grow(&mut store, 1, tarn::Val::FuncRef(None)),
        "failed to grow a table of 5 elements",
    );
    assert_eq!(table.size(&store), 5);
    assert_eq!(store.data().denied, 4);
}

#[test]
fn a_limiter_can_refuse_instantiation() {
    let engine = Engine::default();
    let module = Module::new(&engine, GROWER).unwrap();
    let caps = Caps {
        max_memory_bytes: 0,
        max_table_elements: 10,
        denied: 0,
    };
    let mut store = Store::new(&engine, caps);
    store.limiter(|caps| caps);
    let error = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert!(error.to_string().contains("memory"), "{error}");
}

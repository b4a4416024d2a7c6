//! The pooling allocator through the API: limits are errors naming them, freed slots are
//! reused with nothing of the previous instance visible, and bounds still trap.

use tarn::{
    Config, Engine, Instance, InstanceAllocationStrategy, Module, PoolingAllocationConfig, Store,
};

fn pooling_engine(configure: impl FnOnce(&mut PoolingAllocationConfig)) -> Engine {
    let mut pooling = PoolingAllocationConfig::new();
    pooling
        .total_core_instances(2)
        .total_memories(2)
        .total_tables(2)
        .max_memory_size(4 << 16)
        .table_elements(1000);
    configure(&mut pooling);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    Engine::new(&config).unwrap()
}

const MEMORY: &str = r#"(module
    (memory (export "memory") 1)
    (data (i32.const 100) "image")
    (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

struct Probe {
    store: Store<()>,
    instance: Instance,
}

impl Probe {
    fn new(engine: &Engine, module: &Module) -> tarn::Result<Self> {
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, module, &[])?;
        Ok(Self { store, instance })
    }

    fn load(&mut self, address: i32) -> tarn::Result<i32> {
        let load = self
            .instance
            .get_typed_func::<i32, i32>(&mut self.store, "load")?;
        load.call(&mut self.store, address)
    }

    fn store(&mut self, address: i32, value: i32) {
        let store = self
            .instance
            .get_typed_func::<(i32, i32), ()>(&mut self.store, "store")
            .unwrap();
        store.call(&mut self.store, (address, value)).unwrap();
    }

    fn grow(&mut self, pages: i32) -> i32 {
        let grow = self
            .instance
            .get_typed_func::<i32, i32>(&mut self.store, "grow")
            .unwrap();
        grow.call(&mut self.store, pages).unwrap()
    }
}

#[test]
fn reused_slots_show_nothing_of_the_previous_instance_and_bounds_still_trap() {
    for cow in [true, false] {
        let engine = {
            let mut pooling = PoolingAllocationConfig::new();
            pooling
                .total_core_instances(1)
                .total_memories(1)
                .total_tables(1)
                .max_memory_size(4 << 16);
            let mut config = Config::new();
            config
                .memory_init_cow(cow)
                .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
            Engine::new(&config).unwrap()
        };
        let module = Module::new(&engine, MEMORY).unwrap();
        let mut first = Probe::new(&engine, &module).unwrap();
        assert_eq!(first.load(100).unwrap(), i32::from(b'i'));
        first.store(100, 0x55);
        first.store(5000, 0x66);
        assert_eq!(first.grow(2), 1);
        first.store(3 * 65536 - 1, 0x77);
        assert_eq!(first.grow(1), 3);
        assert_eq!(first.grow(1), -1, "max_memory_size is 4 pages");
        drop(first);
        let mut second = Probe::new(&engine, &module).unwrap();
        assert_eq!(second.load(100).unwrap(), i32::from(b'i'), "cow {cow}");
        assert_eq!(second.load(5000).unwrap(), 0, "cow {cow}");
        let error = second.load(65536).unwrap_err();
        let trap = error.downcast_ref::<tarn::Trap>().expect("a trap");
        assert_eq!(trap.code(), tarn::TrapCode::MemoryOutOfBounds);
        assert_eq!(second.grow(2), 1);
        assert_eq!(
            second.load(3 * 65536 - 1).unwrap(),
            0,
            "grown pages are zero again"
        );
    }
}

#[test]
fn exhausted_slots_are_errors_until_freed() {
    let engine = pooling_engine(|_| {});
    let module = Module::new(&engine, MEMORY).unwrap();
    let a = Probe::new(&engine, &module).unwrap();
    let b = Probe::new(&engine, &module).unwrap();
    let Err(error) = Probe::new(&engine, &module) else {
        panic!("a third instance should not fit");
    };
    assert!(
        error.to_string().contains("all 2 instance slots"),
        "{error}"
    );
    drop(a);
    let c = Probe::new(&engine, &module).unwrap();
    drop((b, c));
    // Memories run out before instances when a module has two.
    let two = Module::new(&engine, "(module (memory 1) (memory 1))").unwrap();
    let mut store = Store::new(&engine, ());
    Instance::new(&mut store, &two, &[]).unwrap();
    let error = Instance::new(&mut store, &two, &[]).unwrap_err();
    assert!(error.to_string().contains("all 2 memory slots"), "{error}");
}

#[test]
fn sizes_beyond_the_limits_are_errors_naming_them() {
    let engine = pooling_engine(|_| {});
    let mut store = Store::new(&engine, ());
    let big_memory = Module::new(&engine, "(module (memory 5))").unwrap();
    let error = Instance::new(&mut store, &big_memory, &[]).unwrap_err();
    assert!(error.to_string().contains("maximum memory size"), "{error}");
    let big_table = Module::new(&engine, "(module (table 1001 funcref))").unwrap();
    let error = Instance::new(&mut store, &big_table, &[]).unwrap_err();
    assert!(error.to_string().contains("1000 table elements"), "{error}");
    let grows = Module::new(
        &engine,
        r#"(module (table 999 funcref)
            (func (export "grow") (param i32) (result i32)
                (table.grow (ref.null func) (local.get 0))))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &grows, &[]).unwrap();
    let grow = instance
        .get_typed_func::<i32, i32>(&mut store, "grow")
        .unwrap();
    assert_eq!(grow.call(&mut store, 1).unwrap(), 999);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
}

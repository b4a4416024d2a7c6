//! Properties of growth: any sequence of `Memory::grow` and `Table::grow` calls leaves
//! sizes equal to a model that knows only the maximums, fails exactly when the model
//! says so, and fills new space with zeros or the given element.

use proptest::prelude::*;
use tarn::{Engine, Func, Memory, MemoryType, RefType, Store, Table, TableType, Val};

/// One growth request.
#[derive(Clone, Debug)]
enum Grow {
    Memory(u64),
    Table { delta: u32, with_func: bool },
}

fn grow_op() -> impl Strategy<Value = Grow> {
    prop_oneof![
        prop_oneof![0..4u64, Just(65_537), Just(u64::MAX)].prop_map(Grow::Memory),
        (prop_oneof![0..40u32, Just(u32::MAX)], any::<bool>())
            .prop_map(|(delta, with_func)| Grow::Table { delta, with_func }),
    ]
}

/// Memory limits: a minimum and an optional maximum at least as large.
fn limits(largest: u32) -> impl Strategy<Value = (u32, Option<u32>)> {
    (0..=largest / 2).prop_flat_map(move |min| (Just(min), proptest::option::of(min..=largest)))
}

/// The model's answer to growing from `size` by `delta` under `maximum`.
fn model_grow(size: u64, delta: u64, maximum: u64) -> Option<u64> {
    size.checked_add(delta).filter(|new| *new <= maximum)
}

#[test]
fn growth_follows_a_model_of_sizes_and_maximums() {
    let engine = Engine::default();
    let table_limits = (0..=100u32).prop_flat_map(|min| (Just(min), min..=200));
    let strategy = (
        limits(16),
        table_limits,
        proptest::collection::vec(grow_op(), 1..24),
    );
    proptest!(|((memory_limits, table_limits, ops) in strategy)| {
        let mut store = Store::new(&engine, ());
        let memory_ty = MemoryType::new(memory_limits.0, memory_limits.1);
        let memory = Memory::new(&mut store, memory_ty).unwrap();
        // Tables always get a maximum here: without one, a `u32::MAX` delta would be
        // legal and ask for billions of elements.
        let table_ty = TableType::new(RefType::FUNCREF, table_limits.0, Some(table_limits.1));
        let table = Table::new(&mut store, table_ty, Val::FuncRef(None)).unwrap();
        let func = Func::wrap(&mut store, || {});
        let memory_max = u64::from(memory_limits.1.unwrap_or(65_536));
        let table_max = u64::from(table_limits.1);
        let (mut pages, mut elements) = (u64::from(memory_limits.0), u64::from(table_limits.0));
        for op in ops {
            match op {
                Grow::Memory(delta) => {
                    let expected = model_grow(pages, delta, memory_max);
                    let result = memory.grow(&mut store, delta);
                    prop_assert_eq!(result.ok(), expected.map(|_| pages));
                    if let Some(new) = expected {
                        pages = new;
                        prop_assert!(memory.data(&store).iter().all(|b| *b == 0));
                    }
                }
                Grow::Table { delta, with_func } => {
                    let init = Val::FuncRef(with_func.then_some(func));
                    let expected = model_grow(elements, u64::from(delta), table_max);
                    let result = table.grow(&mut store, delta, init);
                    prop_assert_eq!(result.ok().map(u64::from), expected.map(|_| elements));
                    if let (Some(new), true) = (expected, delta > 0) {
                        let last = table.get(&mut store, (new - 1) as u32).unwrap();
                        prop_assert_eq!(last.func_ref().unwrap().is_some(), with_func);
                        elements = new;
                    }
                }
            }
            prop_assert_eq!(memory.size(&store), pages);
            prop_assert_eq!(memory.data_size(&store) as u64, pages << 16);
            prop_assert_eq!(u64::from(table.size(&store)), elements);
        }
    });
}

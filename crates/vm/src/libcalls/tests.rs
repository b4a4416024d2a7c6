//! Tests of the builtin table and of every builtin.

use environ::BuiltinType;

use crate::vmcontext::VMContext;

/// The builtin parameter or result type a Rust type stands for.
pub(super) trait AbiType {
    const TYPE: BuiltinType;
}

impl AbiType for *mut VMContext {
    const TYPE: BuiltinType = BuiltinType::VmCtx;
}
impl AbiType for u32 {
    const TYPE: BuiltinType = BuiltinType::I32;
}
impl AbiType for u64 {
    const TYPE: BuiltinType = BuiltinType::I64;
}
impl AbiType for f32 {
    const TYPE: BuiltinType = BuiltinType::F32;
}
impl AbiType for f64 {
    const TYPE: BuiltinType = BuiltinType::F64;
}
impl AbiType for usize {
    const TYPE: BuiltinType = BuiltinType::Pointer;
}

use core::ptr::NonNull;
use std::panic;

use environ::{
    BuiltinFunction, DefinedMemoryIndex, DefinedTableIndex, FUNCREF_INIT_BIT, FuncIndex,
    GROW_FAILED, GROW_TRAPPED, TableIndex, TrapCode,
};

use super::{BUILTINS, VMBuiltinFunctionsArray, guarded};
use crate::instance::{InstanceHandle, ResolvedImports};
use crate::store::{HostError, ResourceLimiter, StoreHooks};
use crate::table::TableElement;
use crate::test_support::catch_closure;
use crate::test_support::{TestStore, module};
use crate::trap::{Trap, TrapReason};
use crate::traphandlers::record_host_error;

#[test]
fn the_table_has_one_slot_per_builtin_in_order_with_matching_signatures() {
    assert_eq!(
        size_of::<VMBuiltinFunctionsArray>(),
        BuiltinFunction::COUNT * size_of::<usize>()
    );
    let declared = VMBuiltinFunctionsArray::declared();
    assert_eq!(declared.len(), BuiltinFunction::COUNT);
    for (slot, (builtin, offset, signature)) in declared.into_iter().enumerate() {
        assert_eq!(builtin, BuiltinFunction::ALL[slot]);
        assert_eq!(offset, slot * size_of::<usize>(), "{builtin}");
        assert_eq!(signature, builtin.signature(), "{builtin}");
        assert_ne!(BUILTINS.address(builtin), 0);
    }
}

const MODULE: &str = r#"
    (module
      (memory 1 2)
      (table $f 2 4 funcref)
      (table $e 2 externref)
      (func $a)
      (elem $p func $a $a)
      (data $d "hello"))
"#;

fn instance(store: &TestStore) -> InstanceHandle {
    store.instantiate(&module(MODULE), ResolvedImports::default())
}

fn memory(handle: &InstanceHandle) -> &[u8] {
    handle
        .instance()
        .defined_memory(DefinedMemoryIndex::from_u32(0))
        .data()
}

fn table(handle: &InstanceHandle, index: u32) -> Vec<TableElement> {
    let table = handle
        .instance()
        .defined_table(DefinedTableIndex::from_u32(index));
    (0..table.size() as u64)
        .filter_map(|i| table.get(i))
        .collect()
}

/// Runs `f` inside `catch_traps` for `store`, reporting what it recorded.
fn trapping(store: &TestStore, f: impl FnOnce() -> bool) -> Result<(), Trap> {
    with_hooks(store, None, f)
}

/// Runs `f` inside `catch_traps` for `store`, with `hooks` as the store's.
fn with_hooks(
    store: &TestStore,
    hooks: Option<NonNull<dyn StoreHooks>>,
    f: impl FnOnce() -> bool,
) -> Result<(), Trap> {
    let mut f = Some(f);
    // SAFETY: the store context and hooks outlive the call, and `f` only calls builtins.
    unsafe {
        catch_closure(store.context_ptr(), hooks, 1 << 20, || {
            f.take().is_some_and(|f| f())
        })
    }
}

#[test]
fn memory_grow_returns_the_old_size_or_grow_failed() {
    let store = TestStore::new();
    let handle = instance(&store);
    assert_eq!((BUILTINS.memory_grow)(handle.vmctx(), 0, 1), 1);
    assert_eq!(
        (BUILTINS.memory_grow)(handle.vmctx(), 0, 1),
        GROW_FAILED.cast_unsigned()
    );
    assert_eq!(memory(&handle).len(), 2 << 16);
}

#[test]
fn memory_fill_copy_and_init_follow_the_spec_bounds() {
    let store = TestStore::new();
    let handle = instance(&store);
    let vmctx = handle.vmctx();
    assert_eq!((BUILTINS.memory_fill)(vmctx, 0, 10, 0x1ab, 3), 1);
    assert_eq!(&memory(&handle)[9..14], &[0, 0xab, 0xab, 0xab, 0]);
    assert_eq!((BUILTINS.memory_copy)(vmctx, 0, 11, 0, 9, 3), 1);
    assert_eq!(&memory(&handle)[10..14], &[0xab, 0, 0xab, 0xab]);
    assert_eq!((BUILTINS.memory_init)(vmctx, 0, 0, 100, 1, 4), 1);
    assert_eq!(&memory(&handle)[100..104], b"ello");
    assert_eq!((BUILTINS.memory_fill)(vmctx, 0, 1 << 16, 0, 0), 1);
    let trap = trapping(&store, || {
        (BUILTINS.memory_fill)(vmctx, 0, 1 << 16, 0, 1) != 0
    });
    assert_eq!(trap.unwrap_err().code(), Some(TrapCode::MemoryOutOfBounds));
    let trap = trapping(&store, || {
        (BUILTINS.memory_copy)(vmctx, 0, 0, 0, u64::MAX, 2) != 0
    });
    assert_eq!(trap.unwrap_err().code(), Some(TrapCode::MemoryOutOfBounds));
    let trap = trapping(&store, || (BUILTINS.memory_init)(vmctx, 0, 0, 0, 3, 3) != 0);
    assert_eq!(trap.unwrap_err().code(), Some(TrapCode::MemoryOutOfBounds));
}

#[test]
fn data_drop_empties_the_segment() {
    let store = TestStore::new();
    let handle = instance(&store);
    let vmctx = handle.vmctx();
    (BUILTINS.data_drop)(vmctx, 0);
    assert_eq!((BUILTINS.memory_init)(vmctx, 0, 0, 0, 0, 0), 1);
    let trap = trapping(&store, || (BUILTINS.memory_init)(vmctx, 0, 0, 0, 0, 1) != 0);
    assert_eq!(trap.unwrap_err().code(), Some(TrapCode::MemoryOutOfBounds));
}

#[test]
fn table_grow_fills_with_the_init_value_up_to_the_maximum() {
    let store = TestStore::new();
    let handle = instance(&store);
    let vmctx = handle.vmctx();
    let func = handle.instance().func_ref(FuncIndex::from_u32(0)).unwrap();
    let raw = func.as_ptr() as usize;
    assert_eq!((BUILTINS.table_grow)(vmctx, 0, 2, raw), 2);
    assert_eq!(table(&handle, 0)[3], TableElement::FuncRef(func.as_ptr()));
    assert_eq!(
        (BUILTINS.table_grow)(vmctx, 0, 1, raw),
        GROW_FAILED.cast_unsigned()
    );
    assert_eq!((BUILTINS.table_grow)(vmctx, 1, 1, 0x55), 2);
    assert_eq!(table(&handle, 1)[2], TableElement::ExternRef(0x55));
}

#[test]
fn table_fill_copy_init_and_elem_drop_follow_the_spec_bounds() {
    let store = TestStore::new();
    let handle = instance(&store);
    let vmctx = handle.vmctx();
    let func = handle
        .instance()
        .func_ref(FuncIndex::from_u32(0))
        .unwrap()
        .as_ptr();
    assert_eq!((BUILTINS.table_fill)(vmctx, 1, 0, 0x10, 2), 1);
    assert_eq!(table(&handle, 1), vec![TableElement::ExternRef(0x10); 2]);
    assert_eq!((BUILTINS.table_init)(vmctx, 0, 0, 1, 1, 1), 1);
    assert_eq!(table(&handle, 0)[1], TableElement::FuncRef(func));
    assert_eq!((BUILTINS.table_copy)(vmctx, 0, 0, 0, 1, 1), 1);
    assert_eq!(table(&handle, 0), vec![TableElement::FuncRef(func); 2]);
    let trap = trapping(&store, || (BUILTINS.table_copy)(vmctx, 0, 0, 1, 0, 2) != 0);
    assert_eq!(trap.unwrap_err().code(), Some(TrapCode::TableOutOfBounds));
    let trap = trapping(&store, || (BUILTINS.table_fill)(vmctx, 1, 3, 0, 0) != 0);
    assert_eq!(trap.unwrap_err().code(), Some(TrapCode::TableOutOfBounds));
    (BUILTINS.elem_drop)(vmctx, 0);
    let trap = trapping(&store, || (BUILTINS.table_init)(vmctx, 0, 0, 0, 0, 1) != 0);
    assert_eq!(trap.unwrap_err().code(), Some(TrapCode::TableOutOfBounds));
    assert_eq!((BUILTINS.table_init)(vmctx, 0, 0, 2, 0, 0), 1);
}

#[test]
fn lazy_init_initialises_an_empty_slot_to_null() {
    let store = TestStore::new();
    let mut handle = instance(&store);
    let definition = handle.instance().table_definition(TableIndex::from_u32(0));
    // SAFETY: the table is alive with two slots; nothing else borrows it.
    unsafe { *(*definition).base = 0 };
    let lazy = BUILTINS.table_get_lazy_init_func_ref;
    assert_eq!(lazy(handle.vmctx(), 0, 0), 0);
    // SAFETY: as above.
    let slot = unsafe { *(*definition).base };
    assert_eq!(slot, FUNCREF_INIT_BIT);
    let func = handle
        .instance()
        .func_ref(FuncIndex::from_u32(0))
        .unwrap()
        .as_ptr();
    handle
        .instance_mut()
        .with_defined_table(DefinedTableIndex::from_u32(0), |table| {
            table.set(1, TableElement::FuncRef(func))
        })
        .unwrap();
    assert_eq!(lazy(handle.vmctx(), 0, 1), func as usize);
}

/// Store hooks that refuel, refuse epochs, and fail table growth with an error.
struct Hooks;

impl ResourceLimiter for Hooks {
    fn memory_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> Result<bool, HostError> {
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        _: usize,
        _: Option<usize>,
    ) -> Result<bool, HostError> {
        if current == 0 {
            Ok(true)
        } else {
            Err(crate::Error::msg("table growth vetoed"))
        }
    }
}

impl StoreHooks for Hooks {
    fn limiter(&mut self) -> Option<&mut dyn ResourceLimiter> {
        Some(self)
    }

    fn out_of_gas(&mut self) -> Result<bool, HostError> {
        Ok(true)
    }

    fn new_epoch(&mut self) -> Result<bool, HostError> {
        Err(crate::Error::msg("epoch hook failed"))
    }
}

#[test]
fn out_of_gas_and_new_epoch_trap_without_a_store_and_ask_the_store_otherwise() {
    let store = TestStore::new();
    let handle = instance(&store);
    let vmctx = handle.vmctx();
    let trap = trapping(&store, || (BUILTINS.out_of_gas)(vmctx) != 0);
    assert_eq!(trap.unwrap_err().code(), Some(TrapCode::OutOfFuel));
    let trap = trapping(&store, || (BUILTINS.new_epoch)(vmctx) != 0);
    assert_eq!(trap.unwrap_err().code(), Some(TrapCode::Interrupt));

    let mut hooks = Hooks;
    let hooks: NonNull<dyn StoreHooks> = NonNull::from(&mut hooks);
    let mut refuelled = 0;
    with_hooks(&store, Some(hooks), || {
        refuelled = (BUILTINS.out_of_gas)(vmctx);
        true
    })
    .unwrap();
    assert_eq!(refuelled, 1);
    let trap = with_hooks(&store, Some(hooks), || (BUILTINS.new_epoch)(vmctx) != 0);
    assert_eq!(trap.unwrap_err().to_string(), "epoch hook failed");
    let trap = with_hooks(&store, Some(hooks), || {
        (BUILTINS.table_grow)(vmctx, 0, 1, 0) != GROW_TRAPPED.cast_unsigned()
    });
    assert_eq!(trap.unwrap_err().to_string(), "table growth vetoed");
}

#[test]
fn raise_returns_the_recorded_host_error_unchanged() {
    #[derive(Debug)]
    struct Custom(u32);
    impl core::fmt::Display for Custom {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            write!(f, "custom {}", self.0)
        }
    }
    impl std::error::Error for Custom {}

    let store = TestStore::new();
    let handle = instance(&store);
    let vmctx = handle.vmctx();
    let trap = trapping(&store, || {
        record_host_error(crate::Error::new(Custom(7))).unwrap();
        (BUILTINS.raise)(vmctx);
        true
    })
    .unwrap_err();
    let TrapReason::Host(error) = trap.into_reason() else {
        panic!("expected a host error")
    };
    assert_eq!(error.downcast::<Custom>().unwrap().0, 7);
}

#[test]
fn a_panic_inside_a_builtin_is_raised_at_once_and_resumed_by_catch_traps() {
    let store = TestStore::new();
    let result = panic::catch_unwind(panic::AssertUnwindSafe(|| {
        trapping(&store, || guarded(|| -> bool { panic!("builtin bug") }))
    }));
    let payload = result.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"builtin bug"));
}

#[test]
fn float_builtins_round_like_wasm() {
    let vmctx = core::ptr::null_mut();
    assert_eq!((BUILTINS.ceil_f32)(vmctx, 1.25), 2.0);
    assert_eq!((BUILTINS.ceil_f64)(vmctx, -1.5), -1.0);
    assert_eq!((BUILTINS.floor_f32)(vmctx, -1.25), -2.0);
    assert_eq!((BUILTINS.floor_f64)(vmctx, 1.75), 1.0);
    assert_eq!((BUILTINS.trunc_f32)(vmctx, -1.75), -1.0);
    assert_eq!((BUILTINS.trunc_f64)(vmctx, 2.5), 2.0);
    assert_eq!((BUILTINS.nearest_f32)(vmctx, 2.5), 2.0);
    assert_eq!((BUILTINS.nearest_f64)(vmctx, 3.5), 4.0);
    assert!((BUILTINS.nearest_f64)(vmctx, -0.4).is_sign_negative());
    assert!((BUILTINS.ceil_f32)(vmctx, f32::NAN).is_nan());
}

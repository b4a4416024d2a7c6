//! The `spectest` host module the spec tests import from (defined in the testsuite's
//! MANIFEST, section 7). Each script gets a fresh one, because tests mutate its memory and
//! table.

use tarn::{
    Error, Func, Global, GlobalType, Linker, Memory, MemoryType, Mutability, RefType, Store, Table,
    TableType, Val,
};

/// Defines every `spectest` export in `linker`, created in `store`.
pub(crate) fn link_spectest(linker: &mut Linker<()>, store: &mut Store<()>) -> Result<(), Error> {
    let funcs = [
        ("print", Func::wrap(&mut *store, || {})),
        ("print_i32", Func::wrap(&mut *store, |_: i32| {})),
        ("print_i64", Func::wrap(&mut *store, |_: i64| {})),
        ("print_f32", Func::wrap(&mut *store, |_: f32| {})),
        ("print_f64", Func::wrap(&mut *store, |_: f64| {})),
        (
            "print_i32_f32",
            Func::wrap(&mut *store, |_: i32, _: f32| {}),
        ),
        (
            "print_f64_f64",
            Func::wrap(&mut *store, |_: f64, _: f64| {}),
        ),
    ];
    for (name, func) in funcs {
        linker.define(&*store, "spectest", name, func)?;
    }
    let globals = [
        ("global_i32", Val::I32(666)),
        ("global_i64", Val::I64(666)),
        ("global_f32", Val::F32(0x4426_a666)),
        ("global_f64", Val::F64(0x4084_d4cc_cccc_cccd)),
    ];
    for (name, value) in globals {
        let ty = GlobalType::new(value.ty(), Mutability::Const);
        let global = Global::new(&mut *store, ty, value)?;
        linker.define(&*store, "spectest", name, global)?;
    }
    let table = Table::new(
        &mut *store,
        TableType::new(RefType::FUNCREF, 10, Some(20)),
        Val::FuncRef(None),
    )?;
    linker.define(&*store, "spectest", "table", table)?;
    // A 64-bit table exists only where the engine accepts 64-bit tables.
    if store.engine().config().proposal_enabled("memory64") == Some(true) {
        let table64 = Table::new(
            &mut *store,
            TableType::new64(RefType::FUNCREF, 10, Some(20)),
            Val::FuncRef(None),
        )?;
        linker.define(&*store, "spectest", "table64", table64)?;
    }
    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define(&*store, "spectest", "memory", memory)?;
    Ok(())
}

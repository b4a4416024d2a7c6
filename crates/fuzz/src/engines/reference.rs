//! wasmi, the reference interpreter of the differential oracle, behind the same small
//! interface as Tarn's side so the oracle compares like with like.

use std::sync::OnceLock;

use wasmi::{
    Engine, Extern, Func, Instance, Linker, Module, Nullable, Ref, RefType, Store, StoreLimits,
    StoreLimitsBuilder,
};

use super::tarn::{CALL_FUEL, Fuel};
use super::{MEMORY_LIMIT_BYTES, TABLE_LIMIT_ELEMENTS};

use crate::values::{CallOutcome, ExportKind, Limit, Snapshot, TableEntry, TrapKind, Value};

/// An instance of a module in a fresh wasmi store.
pub struct WasmiInstance {
    store: Store<StoreLimits>,
    instance: Instance,
    fuel: Fuel,
}

/// wasmi configured for the proposals of [`crate::generators::FUZZ_FEATURES`], metering
/// fuel when Tarn does, so that running out of fuel is only ever excused when both
/// engines ran out.
fn engine(fuel: Fuel) -> &'static Engine {
    static ENGINES: OnceLock<[Engine; 2]> = OnceLock::new();
    let engines = ENGINES.get_or_init(|| {
        [Fuel::Unmetered, Fuel::Metered].map(|fuel| {
            let mut config = wasmi::Config::default();
            config.wasm_simd(true).wasm_relaxed_simd(false);
            config.wasm_tail_call(true).wasm_extended_const(true);
            config.wasm_multi_memory(true).wasm_memory64(true);
            config
                .wasm_wide_arithmetic(false)
                .wasm_custom_page_sizes(false);
            config.consume_fuel(fuel == Fuel::Metered);
            Engine::new(&config)
        })
    });
    &engines[fuel as usize]
}

impl WasmiInstance {
    /// Compiles and instantiates `wasm`, running its start function.
    ///
    /// # Errors
    ///
    /// wasmi's error, from validation, instantiation or the start function.
    pub fn new(fuel: Fuel, wasm: &[u8]) -> Result<Self, wasmi::Error> {
        let engine = engine(fuel);
        let module = Module::new(engine, wasm)?;
        let limits = StoreLimitsBuilder::new()
            .memory_size(MEMORY_LIMIT_BYTES)
            .table_elements(TABLE_LIMIT_ELEMENTS)
            .build();
        let mut store = Store::new(engine, limits);
        store.limiter(|limits| limits);
        if fuel == Fuel::Metered {
            store.set_fuel(CALL_FUEL)?;
        }
        let instance =
            Linker::<StoreLimits>::new(engine).instantiate_and_start(&mut store, &module)?;
        Ok(Self {
            store,
            instance,
            fuel,
        })
    }

    /// The exports, in order, with their kinds and types.
    pub fn exports(&self) -> Vec<(String, ExportKind)> {
        self.instance
            .exports(&self.store)
            .map(|export| {
                let name = export.name().to_owned();
                let kind = match export.into_extern() {
                    Extern::Func(func) => {
                        let ty = func.ty(&self.store);
                        ExportKind::Func {
                            params: ty.params().iter().map(|t| to_tarn_type(*t)).collect(),
                            results: ty.results().iter().map(|t| to_tarn_type(*t)).collect(),
                        }
                    }
                    Extern::Memory(_) => ExportKind::Memory,
                    Extern::Global(global) => {
                        ExportKind::Global(to_tarn_type(global.ty(&self.store).content()))
                    }
                    Extern::Table(table) => {
                        ExportKind::Table(match table.ty(&self.store).element() {
                            RefType::Func => tarn::ValType::FUNCREF,
                            RefType::Extern => tarn::ValType::EXTERNREF,
                        })
                    }
                };
                (name, kind)
            })
            .collect()
    }

    /// Calls the exported function `name` with `args`.
    ///
    /// # Panics
    ///
    /// If the call fails with anything but a trap, which would be a harness bug.
    pub fn call(&mut self, name: &str, args: &[Value]) -> CallOutcome {
        let func = self
            .instance
            .get_func(&self.store, name)
            .expect("the export is a function");
        let ty = func.ty(&self.store);
        let params: Vec<wasmi::Val> = args
            .iter()
            .zip(ty.params())
            .map(|(arg, ty)| to_wasmi(*arg, *ty))
            .collect();
        let mut results: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|ty| wasmi::Val::default_for_ty(*ty))
            .collect();
        if self.fuel == Fuel::Metered {
            self.store.set_fuel(CALL_FUEL).expect("fuel is enabled");
        }
        match func.call(&mut self.store, &params, &mut results) {
            Ok(()) => CallOutcome::Returned(results.iter().map(from_wasmi).collect()),
            Err(error) => outcome_of_error(&error),
        }
    }

    /// The state of every exported memory, global and table.
    pub fn snapshot(&self) -> Snapshot {
        let mut snapshot = Snapshot::default();
        // wasmi's handles have no `PartialEq`; their `Debug` form names the store slot,
        // which is the function's identity within one store.
        let mut funcs: Vec<(String, String)> = self
            .instance
            .exports(&self.store)
            .filter_map(|export| {
                let name = export.name().to_owned();
                Some((name, format!("{:?}", export.into_func()?)))
            })
            .collect();
        funcs.sort();
        let name_of = |func: &Func| {
            let identity = format!("{func:?}");
            funcs
                .iter()
                .find(|(_, f)| *f == identity)
                .map(|(name, _)| name.clone())
        };
        for export in self.instance.exports(&self.store) {
            let name = export.name().to_owned();
            match export.into_extern() {
                Extern::Memory(memory) => {
                    let data = memory.data(&self.store).to_vec();
                    snapshot.memories.insert(name, data);
                }
                Extern::Global(global) => {
                    let value = from_wasmi(&global.get(&self.store));
                    snapshot.globals.insert(name, value);
                }
                Extern::Table(table) => {
                    let entries = (0..table.size(&self.store))
                        .map(|index| match table.get(&self.store, index) {
                            Some(Ref::Func(Nullable::Val(func))) => {
                                TableEntry::Func(name_of(&func))
                            }
                            Some(Ref::Extern(Nullable::Val(_))) => TableEntry::Extern,
                            Some(Ref::Func(Nullable::Null) | Ref::Extern(Nullable::Null)) => {
                                TableEntry::Null
                            }
                            None => panic!("wasmi's table {name:?} has no entry {index}"),
                        })
                        .collect();
                    snapshot.tables.insert(name, entries);
                }
                Extern::Func(_) => {}
            }
        }
        snapshot
    }
}

/// How a failed wasmi call or instantiation ended.
///
/// # Panics
///
/// If the error is neither a trap nor a resource limit.
pub fn outcome_of_error(error: &wasmi::Error) -> CallOutcome {
    use wasmi::TrapCode as T;
    let code = error
        .as_trap_code()
        .unwrap_or_else(|| panic!("wasmi failed without trapping: {error}"));
    CallOutcome::Trapped(match code {
        T::StackOverflow => return CallOutcome::Limit(Limit::StackOverflow),
        T::OutOfFuel => return CallOutcome::Limit(Limit::OutOfFuel),
        T::GrowthOperationLimited | T::OutOfSystemMemory => {
            return CallOutcome::Limit(Limit::Resources);
        }
        T::UnreachableCodeReached => TrapKind::Unreachable,
        T::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        T::TableOutOfBounds => TrapKind::TableOutOfBounds,
        T::IndirectCallToNull => TrapKind::IndirectCallToNull,
        T::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        T::IntegerOverflow => TrapKind::IntegerOverflow,
        T::BadConversionToInteger => TrapKind::BadConversionToInteger,
        T::BadSignature => TrapKind::BadSignature,
    })
}

/// How a failed wasmi instantiation ended. wasmi reports an out-of-bounds element or
/// data segment as a table or memory error rather than a trap code; those are the traps
/// the spec prescribes, and its other table and memory errors are resource limits.
///
/// # Panics
///
/// As for [`outcome_of_error`], for any other error.
pub fn outcome_of_instantiation_error(error: &wasmi::Error) -> CallOutcome {
    use wasmi::errors::{ErrorKind, InstantiationError, MemoryError, TableError};
    match error.kind() {
        ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. }) => {
            CallOutcome::Trapped(TrapKind::TableOutOfBounds)
        }
        ErrorKind::Table(
            TableError::InitOutOfBounds
            | TableError::SetOutOfBounds
            | TableError::CopyOutOfBounds
            | TableError::FillOutOfBounds,
        ) => CallOutcome::Trapped(TrapKind::TableOutOfBounds),
        ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => {
            CallOutcome::Trapped(TrapKind::MemoryOutOfBounds)
        }
        ErrorKind::Table(_) | ErrorKind::Memory(_) => CallOutcome::Limit(Limit::Resources),
        _ => outcome_of_error(error),
    }
}

fn to_wasmi(value: Value, ty: wasmi::ValType) -> wasmi::Val {
    match value {
        Value::I32(v) => wasmi::Val::I32(v),
        Value::I64(v) => wasmi::Val::I64(v),
        Value::F32(bits) => wasmi::Val::F32(wasmi::F32::from_bits(bits)),
        Value::F64(bits) => wasmi::Val::F64(wasmi::F64::from_bits(bits)),
        Value::V128(bits) => wasmi::Val::V128(wasmi::V128::from(bits)),
        Value::NullRef | Value::Ref => wasmi::Val::default_for_ty(ty),
    }
}

fn to_tarn_type(ty: wasmi::ValType) -> tarn::ValType {
    use wasmi::ValType as W;
    match ty {
        W::I32 => tarn::ValType::I32,
        W::I64 => tarn::ValType::I64,
        W::F32 => tarn::ValType::F32,
        W::F64 => tarn::ValType::F64,
        W::V128 => tarn::ValType::V128,
        W::FuncRef => tarn::ValType::FUNCREF,
        W::ExternRef => tarn::ValType::EXTERNREF,
    }
}

fn from_wasmi(value: &wasmi::Val) -> Value {
    match value {
        wasmi::Val::I32(v) => Value::I32(*v),
        wasmi::Val::I64(v) => Value::I64(*v),
        wasmi::Val::F32(v) => Value::F32(v.to_bits()),
        wasmi::Val::F64(v) => Value::F64(v.to_bits()),
        wasmi::Val::V128(v) => Value::V128(v.as_u128()),
        wasmi::Val::FuncRef(f) => null_or_not(f.is_null()),
        wasmi::Val::ExternRef(r) => null_or_not(r.is_null()),
    }
}

fn null_or_not(null: bool) -> Value {
    if null { Value::NullRef } else { Value::Ref }
}

//! The exceptions oracle: a generated module that throws and catches (wasm-smith with
//! exception handling on) runs in Tarn alone, since wasmi does not implement the
//! proposal. Each export is called twice, from fresh stores: once directly from the
//! host, and once from a wrapper module whose `try_table` catches everything, through a
//! host function that calls the export and hands back its error unchanged. So an
//! exception crosses wasm frames, a host frame and wasm frames again.
//!
//! For about half of the inputs, the host function then throws an exception of its own
//! (of a host-created tag) after the export returns, so host-thrown exceptions are
//! caught by wasm too.
//!
//! It checks that an export that throws to the host is caught by the wrapper (and one
//! that traps still traps with the same code there), that a thrown exception's payload
//! matches its tag's type, that every store stays usable after a throw or a trap (a
//! second direct call gives an outcome too), and that exceptions nothing refers to do
//! not accumulate.

use arbitrary::Unstructured;
use tarn::{
    Caller, Engine, ExnRef, Extern, Func, FuncType, HeapType, Instance, Linker, Module, Store, Tag,
    TagType, ThrownException, Trap, Val, ValType,
};

use super::Verdict;
use crate::engines::tarn::CALL_FUEL;
use crate::engines::{Fuel, TarnConfig};
use crate::generators::{self, FUZZ_FEATURES};

/// How one call ended, as far as this oracle compares.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ending {
    /// It returned (the wrapper: its `try_table` caught nothing).
    Returned,
    /// The wrapper's `try_table` caught an exception.
    Caught,
    /// An exception escaped to the host.
    Thrown,
    /// It trapped with this code.
    Trapped(tarn::TrapCode),
}

/// Runs the oracle on the fuzzer's bytes.
///
/// # Panics
///
/// When an outcome differs between the direct and the wrapped call, a thrown payload
/// does not match its tag, or a call fails with something other than a trap or an
/// exception.
pub fn exceptions(data: &[u8]) -> Verdict {
    let mut u = Unstructured::new(data);
    let Ok(wasm) = module(&mut u) else {
        return Verdict::Skipped("not enough bytes for a module");
    };
    let engine = TarnConfig::Default.engine(Fuel::Metered);
    let Ok(module) = Module::new(engine, &wasm) else {
        panic!("Tarn rejects a module wasm-smith generated with exceptions on");
    };
    let throw_from_host: bool = u.arbitrary().unwrap_or(false);
    for export in module.exports() {
        let tarn::ExternType::Func(ty) = export.ty else {
            continue;
        };
        let Ok(args) = generators::arguments(&mut u, ty.params()) else {
            break;
        };
        let args: Vec<Val> = args
            .iter()
            .zip(ty.params())
            .map(|(a, t)| a.to_tarn(t))
            .collect();
        let Some(direct) = call_directly(engine, &module, export.name, &ty, &args) else {
            continue;
        };
        let Some(wrapped) = call_wrapped(engine, &module, export.name, &ty, &args, throw_from_host)
        else {
            continue;
        };
        // Fuel and stack depth differ by the wrapper's frames: running out of either
        // is inconclusive.
        let inconclusive = |e: &Ending| {
            matches!(
                e,
                Ending::Trapped(tarn::TrapCode::OutOfFuel | tarn::TrapCode::StackOverflow)
            )
        };
        if inconclusive(&direct) || inconclusive(&wrapped) {
            continue;
        }
        let expected = match &direct {
            Ending::Thrown => Ending::Caught,
            Ending::Returned if throw_from_host => Ending::Caught,
            other => other.clone(),
        };
        assert_eq!(
            wrapped, expected,
            "{}: directly {direct:?}, but through a catching wrapper {wrapped:?}",
            export.name
        );
    }
    Verdict::Checked
}

/// The module [`exceptions`] generates from the front of `u`.
pub(super) fn module(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let mut config = generators::module_config(u, FUZZ_FEATURES)?;
    config.max_tags = u.int_in_range(1..=4)?;
    generators::terminating_module(u, config)
}

/// Calls the export from the host in a fresh store, twice (the second call shows the
/// store is still usable); `None` when instantiation itself stopped (a trap in the
/// start function or a segment).
fn call_directly(
    engine: &Engine,
    module: &Module,
    name: &str,
    ty: &FuncType,
    args: &[Val],
) -> Option<Ending> {
    let mut store = fueled_store(engine);
    let instance = Instance::new(&mut store, module, &[]).ok()?;
    let func = instance.get_func(&mut store, name)?;
    let mut results: Vec<Val> = ty.results().iter().map(Val::default_for).collect();
    let result = func.call(&mut store, args, &mut results);
    let first = ending(&mut store, result);
    store.set_fuel(CALL_FUEL).expect("fuel is on");
    let result = func.call(&mut store, args, &mut results);
    let _second = ending(&mut store, result);
    assert!(
        store.exception_count() <= 4 * 1024,
        "{name}: {} exceptions held after two calls",
        store.exception_count()
    );
    Some(first)
}

/// Calls the export from a wrapper module that catches everything, through a host
/// function that calls the export and returns its error unchanged, and after a normal
/// return throws an exception of a host tag when `throw_from_host`. `None` when the
/// generated module does not instantiate.
fn call_wrapped(
    engine: &Engine,
    module: &Module,
    name: &str,
    ty: &FuncType,
    args: &[Val],
    throw_from_host: bool,
) -> Option<Ending> {
    let mut store = fueled_store(engine);
    let instance = Instance::new(&mut store, module, &[]).ok()?;
    let export = instance.get_func(&mut store, name)?;
    let tag = if throw_from_host {
        let ty = TagType::new([ValType::I32, ValType::F64]);
        let tag = Tag::new(&mut store, &ty).expect("a host tag");
        Some((tag, vec![Val::I32(7), Val::F64(0)]))
    } else {
        None
    };
    let relay = Func::new(
        &mut store,
        ty.clone(),
        move |mut caller: Caller<'_, ()>, params: &[Val], results: &mut [Val]| {
            export.call(&mut caller, params, results)?;
            match &tag {
                Some((tag, payload)) => {
                    let exn = ExnRef::new(&mut caller, tag, payload)?;
                    Err(ThrownException::new(exn).into())
                }
                None => Ok(()),
            }
        },
    );
    let wrapper = Module::new(engine, wrapper_wat(ty)).expect("the wrapper compiles");
    let mut linker = Linker::new(engine);
    linker
        .define(&store, "m", "f", Extern::Func(relay))
        .expect("defines the relay");
    let wrapper = linker
        .instantiate(&mut store, &wrapper)
        .expect("the wrapper links");
    let run = wrapper
        .get_func(&mut store, "run")
        .expect("the wrapper exports run");
    let mut caught = [Val::I32(0)];
    match run.call(&mut store, args, &mut caught) {
        Ok(()) => match caught[0] {
            Val::I32(0) => Some(Ending::Returned),
            Val::I32(1) => Some(Ending::Caught),
            ref other => panic!("the wrapper returned {other:?}"),
        },
        Err(error) => Some(ending_of_error(&mut store, &error)),
    }
}

/// A module that imports `m.f` of type `ty` and exports `run` with its parameters,
/// returning 0 when `f` returns and 1 when it throws anything.
fn wrapper_wat(ty: &FuncType) -> String {
    let list = |types: &[ValType]| {
        types
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let params = list(ty.params());
    let results = list(ty.results());
    let gets: String = (0..ty.params().len())
        .map(|i| format!("(local.get {i})"))
        .collect();
    let drops = "(drop)".repeat(ty.results().len());
    format!(
        r#"(module
          (import "m" "f" (func $f (param {params}) (result {results})))
          (func (export "run") (param {params}) (result i32)
            (block $caught
              (try_table (catch_all $caught) (call $f {gets}) {drops})
              (return (i32.const 0)))
            (i32.const 1)))"#
    )
}

fn fueled_store(engine: &Engine) -> Store<()> {
    let mut store = Store::new(engine, ());
    store.set_fuel(CALL_FUEL).expect("fuel is on");
    store
}

fn ending(store: &mut Store<()>, result: tarn::Result<()>) -> Ending {
    match result {
        Ok(()) => Ending::Returned,
        Err(error) => ending_of_error(store, &error),
    }
}

/// A failed call's ending; a thrown exception's payload is read and checked against its
/// tag's type.
fn ending_of_error(store: &mut Store<()>, error: &tarn::Error) -> Ending {
    if let Some(thrown) = error.downcast_ref::<ThrownException>() {
        let exn = thrown.exception();
        let tag = exn
            .tag(&mut *store)
            .expect("the exception's tag is in the store");
        let payload = exn.payload(&mut *store).expect("the payload reads");
        let ty = tag.ty(&*store);
        assert_eq!(payload.len(), ty.payload().len(), "payload of {ty}");
        for (value, ty) in payload.iter().zip(ty.payload()) {
            assert!(
                payload_matches(value, ty),
                "payload value {value:?} for {ty}"
            );
        }
        return Ending::Thrown;
    }
    match error.downcast_ref::<Trap>() {
        Some(trap) => Ending::Trapped(trap.code()),
        None => panic!("a call failed with neither a trap nor an exception: {error}"),
    }
}

/// Whether a payload value has the type its tag declares.
fn payload_matches(value: &Val, ty: &ValType) -> bool {
    let top = ty.as_ref().map(|r| r.heap_type().top());
    match value {
        Val::I32(_) => *ty == ValType::I32,
        Val::I64(_) => *ty == ValType::I64,
        Val::F32(_) => *ty == ValType::F32,
        Val::F64(_) => *ty == ValType::F64,
        Val::V128(_) => *ty == ValType::V128,
        Val::FuncRef(_) => top == Some(HeapType::Func),
        Val::ExternRef(_) => top == Some(HeapType::Extern),
        Val::ExnRef(_) => top == Some(HeapType::Exn),
    }
}

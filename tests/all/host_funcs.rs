//! Host functions: closures with and without `Caller`, reading guest memory, and host
//! errors passing through wasm frames unchanged.

use std::fmt;

use tarn::{
    Caller, Engine, Error, Extern, Func, FuncType, Instance, Linker, Module, Store, Trap, Val,
    ValType,
};

use crate::assert_error;

const GUEST: &str = r#"(module
  (import "host" "sum_bytes" (func $sum (param i32 i32) (result i32)))
  (import "host" "fail" (func $fail (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "\01\02\03\04\05")
  (func (export "sum") (result i32) (call $sum (i32.const 100) (i32.const 5)))
  (func $inner (param i32) (call $fail (local.get 0)))
  (func (export "fail_deep") (param i32) (call $inner (local.get 0))))"#;

#[derive(Debug, PartialEq)]
struct HostFailure(i32);

impl fmt::Display for HostFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host failure {}", self.0)
    }
}

impl std::error::Error for HostFailure {}

fn linker(engine: &Engine) -> Linker<u32> {
    let mut linker = Linker::new(engine);
    linker
        .func_wrap(
            "host",
            "sum_bytes",
            |mut caller: Caller<'_, u32>, ptr: i32, len: i32| -> Result<i32, Error> {
                *caller.data_mut() += 1;
                let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
                    return Err(Error::msg("no memory"));
                };
                let data = memory.data(&caller);
                let bytes = &data[ptr as usize..(ptr + len) as usize];
                Ok(bytes.iter().map(|&b| i32::from(b)).sum())
            },
        )
        .unwrap();
    linker
        .func_wrap("host", "fail", |code: i32| -> Result<(), Error> {
            Err(HostFailure(code).into())
        })
        .unwrap();
    linker
}

#[test]
fn a_closure_reads_guest_memory_through_caller() {
    let engine = Engine::default();
    let module = Module::new(&engine, GUEST).unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = linker(&engine).instantiate(&mut store, &module).unwrap();
    let sum = instance
        .get_typed_func::<(), i32>(&mut store, "sum")
        .unwrap();
    assert_eq!(sum.call(&mut store, ()).unwrap(), 15);
    assert_eq!(sum.call(&mut store, ()).unwrap(), 15);
    assert_eq!(*store.data(), 2);
}

#[test]
fn a_host_error_passes_through_wasm_frames_unchanged() {
    let engine = Engine::default();
    let module = Module::new(&engine, GUEST).unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = linker(&engine).instantiate(&mut store, &module).unwrap();
    let fail = instance
        .get_typed_func::<i32, ()>(&mut store, "fail_deep")
        .unwrap();
    let error = fail.call(&mut store, 17).unwrap_err();
    assert!(!error.is::<Trap>());
    assert_eq!(error.downcast_ref::<HostFailure>(), Some(&HostFailure(17)));
    // The store is usable afterwards.
    let sum = instance
        .get_typed_func::<(), i32>(&mut store, "sum")
        .unwrap();
    assert_eq!(sum.call(&mut store, ()).unwrap(), 15);
}

#[test]
fn dynamic_host_functions_check_their_results() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let ty = FuncType::new([ValType::I64, ValType::I64], [ValType::I64]);
    let add = Func::new(&mut store, ty.clone(), |_caller, params, results| {
        results[0] = Val::I64(params[0].i64().unwrap() + params[1].i64().unwrap());
        Ok(())
    });
    assert_eq!(add.ty(&store), ty);
    let mut results = [Val::I64(0)];
    add.call(&mut store, &[Val::I64(2), Val::I64(40)], &mut results)
        .unwrap();
    assert_eq!(results[0].i64(), Some(42));
    // Wrong argument types are an error, not undefined behaviour.
    assert_error(
        add.call(&mut store, &[Val::I32(2), Val::I64(40)], &mut results),
        "type",
    );
    assert_error(
        add.call(&mut store, &[Val::I64(2)], &mut results),
        "argument",
    );

    let liar = Func::new(
        &mut store,
        FuncType::new([], [ValType::I32]),
        |_caller, _params, results| {
            results[0] = Val::F64(0);
            Ok(())
        },
    );
    let module = Module::new(
        &engine,
        r#"(module (import "" "f" (func $f (result i32)))
        (func (export "g") (result i32) (call $f)))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[liar.into()]).unwrap();
    let g = instance.get_typed_func::<(), i32>(&mut store, "g").unwrap();
    let error = g.call(&mut store, ()).unwrap_err();
    assert!(error.to_string().contains("type"), "{error}");
}

#[test]
fn wasm_calls_host_calls_wasm() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
        (import "" "twice" (func $twice (param i32) (result i32)))
        (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
        (func (export "run") (param i32) (result i32) (call $twice (local.get 0))))"#,
    )
    .unwrap();
    let twice = Func::wrap(
        &mut store,
        |mut caller: Caller<'_, ()>, x: i32| -> Result<i32, Error> {
            let inc = caller
                .get_export("inc")
                .and_then(|e| e.into_func())
                .unwrap();
            let inc = inc.typed::<i32, i32>(&caller)?;
            let once = inc.call(&mut caller, x)?;
            inc.call(&mut caller, once)
        },
    );
    let instance = Instance::new(&mut store, &module, &[twice.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 40).unwrap(), 42);
}

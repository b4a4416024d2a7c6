//! The rows' operations on Wasmtime.

use super::Op;
use ::wasmtime::{Engine, Instance, Module, Store};

/// Calls the kernel export `run(arg)`, once per operation, in one long-lived instance.
pub fn kernel(wasm: &[u8], arg: i32) -> Op {
    kernel_export(wasm, "run", arg)
}

/// Calls the kernel export `name(arg)`, once per operation, in one long-lived instance.
pub fn kernel_export(wasm: &[u8], name: &str, arg: i32) -> Op {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("wasmtime compiles the kernel");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("wasmtime instantiates");
    let run = instance
        .get_typed_func::<i32, i64>(&mut store, name)
        .expect("wasmtime finds the kernel");
    Box::new(move || run.call(&mut store, arg).expect("wasmtime runs the kernel"))
}

/// Calls the trivial export `inc` `calls` times from the host, chaining the results.
pub fn host_calls(wasm: &[u8], calls: u32) -> Op {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("wasmtime compiles inc");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("wasmtime instantiates");
    let inc = instance
        .get_typed_func::<i32, i32>(&mut store, "inc")
        .expect("wasmtime finds inc");
    Box::new(move || {
        let mut value = 0;
        for _ in 0..calls {
            value = inc.call(&mut store, value).expect("wasmtime calls inc");
        }
        i64::from(value)
    })
}

/// Returns what `probe` gives on a first instance, and an operation that creates a
/// fresh store, instantiates the module in it and drops both.
pub fn instantiation(wasm: &[u8]) -> (i64, Op) {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("wasmtime compiles the module");
    let probe = instantiate_and_probe(&engine, &module);
    let op = move || {
        let mut store = Store::new(&engine, ());
        Instance::new(&mut store, &module, &[]).expect("wasmtime instantiates");
        0
    };
    (probe, Box::new(op))
}

/// An operation that creates a fresh store and instantiates the module through an
/// `InstancePre` made once by a linker.
pub fn instantiation_pre(wasm: &[u8]) -> Op {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("wasmtime compiles the module");
    let linker = ::wasmtime::Linker::<()>::new(&engine);
    let pre = linker
        .instantiate_pre(&module)
        .expect("wasmtime resolves the imports");
    Box::new(move || {
        let mut store = Store::new(&engine, ());
        pre.instantiate(&mut store).expect("wasmtime instantiates");
        0
    })
}

/// An operation that creates a fresh store, instantiates the module in it, calls `probe`
/// (which touches the memory, a table, globals) and drops both.
pub fn instantiation_and_call(wasm: &[u8]) -> Op {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("wasmtime compiles the module");
    Box::new(move || instantiate_and_probe(&engine, &module))
}

fn instantiate_and_probe(engine: &Engine, module: &Module) -> i64 {
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, module, &[]).expect("wasmtime instantiates");
    let probe = instance
        .get_typed_func::<(), i32>(&mut store, "probe")
        .and_then(|probe| probe.call(&mut store, ()))
        .expect("wasmtime runs probe");
    i64::from(probe)
}

/// Returns what `run(arg)` gives on the compiled module, and an operation that compiles
/// the module and returns its export count.
pub fn compilation(wasm: &[u8], arg: i32) -> (i64, Op) {
    let engine = Engine::default();
    let wasm = wasm.to_vec();
    let check = kernel(&wasm, arg)();
    let op = move || {
        let module = Module::new(&engine, &wasm).expect("wasmtime compiles the module");
        module.exports().len() as i64
    };
    (check, Box::new(op))
}

/// An operation that instantiates a WASI command with stdout in memory and runs its
/// `_start`; it returns the number of bytes the program printed.
pub fn wasi_start(wasm: &[u8]) -> Op {
    use wasmtime_wasi::p1::{self, WasiP1Ctx};
    use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
    use wasmtime_wasi::{I32Exit, WasiCtxBuilder};
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("wasmtime compiles the program");
    let mut linker = ::wasmtime::Linker::<WasiP1Ctx>::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).expect("wasmtime links WASI");
    Box::new(move || {
        let stdout = MemoryOutputPipe::new(1 << 16);
        let wasi = WasiCtxBuilder::new()
            .arg("hello.wasm")
            .stdout(stdout.clone())
            .build_p1();
        let mut store = Store::new(&engine, wasi);
        let instance = linker
            .instantiate(&mut store, &module)
            .expect("wasmtime instantiates the program");
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .expect("wasmtime finds _start");
        match start.call(&mut store, ()) {
            Ok(()) => {}
            Err(e) if e.downcast_ref::<I32Exit>().is_some_and(|e| e.0 == 0) => {}
            Err(e) => panic!("wasmtime runs the program: {e}"),
        }
        stdout.contents().len() as i64
    })
}

/// Calls the WASI module's export `name` (with `arg` when given) once per operation, in
/// one long-lived instance with `dir` preopened as `/`.
pub fn wasi_export(wasm: &[u8], dir: &std::path::Path, name: &str, arg: Option<i32>) -> Op {
    use wasmtime_wasi::p1::{self, WasiP1Ctx};
    use wasmtime_wasi::{FsPerms, WasiCtxBuilder};
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("wasmtime compiles the module");
    let mut linker = ::wasmtime::Linker::<WasiP1Ctx>::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).expect("wasmtime links WASI");
    let wasi = WasiCtxBuilder::new()
        .preopened_dir(dir, "/", FsPerms::ReadWrite)
        .expect("wasmtime preopens the directory")
        .build_p1();
    let mut store = Store::new(&engine, wasi);
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("wasmtime instantiates");
    match arg {
        Some(arg) => {
            let f = instance
                .get_typed_func::<i32, i64>(&mut store, name)
                .expect("wasmtime finds the export");
            Box::new(move || f.call(&mut store, arg).expect("wasmtime runs the export"))
        }
        None => {
            let f = instance
                .get_typed_func::<(), i64>(&mut store, name)
                .expect("wasmtime finds the export");
            Box::new(move || f.call(&mut store, ()).expect("wasmtime runs the export"))
        }
    }
}

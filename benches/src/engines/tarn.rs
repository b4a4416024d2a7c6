//! The rows' operations on Tarn.

use super::Op;
use ::tarn::{Engine, Instance, Module, Store};

/// Calls the kernel export `run(arg)`, once per operation, in one long-lived instance.
pub fn kernel(wasm: &[u8], arg: i32) -> Op {
    kernel_export(wasm, "run", arg)
}

/// Calls the kernel export `name(arg)`, once per operation, in one long-lived instance.
pub fn kernel_export(wasm: &[u8], name: &str, arg: i32) -> Op {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("tarn compiles the kernel");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("tarn instantiates");
    let run = instance
        .get_typed_func::<i32, i64>(&mut store, name)
        .expect("tarn finds the kernel");
    Box::new(move || run.call(&mut store, arg).expect("tarn runs the kernel"))
}

/// Calls the trivial export `inc` `calls` times from the host, chaining the results.
pub fn host_calls(wasm: &[u8], calls: u32) -> Op {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("tarn compiles inc");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("tarn instantiates");
    let inc = instance
        .get_typed_func::<i32, i32>(&mut store, "inc")
        .expect("tarn finds inc");
    Box::new(move || {
        let mut value = 0;
        for _ in 0..calls {
            value = inc.call(&mut store, value).expect("tarn calls inc");
        }
        i64::from(value)
    })
}

/// Returns what `probe` gives on a first instance, and an operation that creates a
/// fresh store, instantiates the module in it and drops both.
pub fn instantiation(wasm: &[u8]) -> (i64, Op) {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("tarn compiles the module");
    let probe = instantiate_and_probe(&engine, &module);
    let op = move || {
        let mut store = Store::new(&engine, ());
        Instance::new(&mut store, &module, &[]).expect("tarn instantiates");
        0
    };
    (probe, Box::new(op))
}

/// An operation that creates a fresh store and instantiates the module through an
/// `InstancePre` made once by a linker.
pub fn instantiation_pre(wasm: &[u8]) -> Op {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("tarn compiles the module");
    let linker = ::tarn::Linker::<()>::new(&engine);
    let pre = linker
        .instantiate_pre(&module)
        .expect("tarn resolves the imports");
    Box::new(move || {
        let mut store = Store::new(&engine, ());
        pre.instantiate(&mut store).expect("tarn instantiates");
        0
    })
}

/// An operation that creates a fresh store, instantiates the module in it, calls `probe`
/// (which touches the memory, a table, globals) and drops both.
pub fn instantiation_and_call(wasm: &[u8]) -> Op {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("tarn compiles the module");
    Box::new(move || instantiate_and_probe(&engine, &module))
}

fn instantiate_and_probe(engine: &Engine, module: &Module) -> i64 {
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, module, &[]).expect("tarn instantiates");
    let probe = instance
        .get_typed_func::<(), i32>(&mut store, "probe")
        .and_then(|probe| probe.call(&mut store, ()))
        .expect("tarn runs probe");
    i64::from(probe)
}

/// Returns what `run(arg)` gives on the compiled module, and an operation that compiles
/// the module and returns its export count.
pub fn compilation(wasm: &[u8], arg: i32) -> (i64, Op) {
    let engine = Engine::default();
    let wasm = wasm.to_vec();
    let check = kernel(&wasm, arg)();
    let op = move || {
        let module = Module::new(&engine, &wasm).expect("tarn compiles the module");
        module.exports().len() as i64
    };
    (check, Box::new(op))
}

/// An operation that instantiates a WASI command with stdout in memory and runs its
/// `_start`; it returns the number of bytes the program printed.
pub fn wasi_start(wasm: &[u8]) -> Op {
    use tarn_wasi::{I32Exit, MemoryOutputPipe, WasiCtx};
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("tarn compiles the program");
    let mut linker = ::tarn::Linker::new(&engine);
    tarn_wasi::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx).expect("tarn links WASI");
    Box::new(move || {
        let stdout = MemoryOutputPipe::new(1 << 16);
        let wasi = WasiCtx::builder().arg("hello.wasm").stdout(stdout.clone()).build();
        let mut store = Store::new(&engine, wasi);
        let instance = linker
            .instantiate(&mut store, &module)
            .expect("tarn instantiates the program");
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .expect("tarn finds _start");
        match start.call(&mut store, ()) {
            Ok(()) => {}
            Err(e) if e.downcast_ref::<I32Exit>() == Some(&I32Exit(0)) => {}
            Err(e) => panic!("tarn runs the program: {e}"),
        }
        stdout.contents().len() as i64
    })
}

/// Calls the WASI module's export `name` (with `arg` when given) once per operation, in
/// one long-lived instance with `dir` preopened as `/`.
pub fn wasi_export(wasm: &[u8], dir: &std::path::Path, name: &str, arg: Option<i32>) -> Op {
    use tarn_wasi::{DirPerms, FilePerms, WasiCtx};
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("tarn compiles the module");
    let mut linker = ::tarn::Linker::new(&engine);
    tarn_wasi::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx).expect("tarn links WASI");
    let mut builder = WasiCtx::builder();
    builder
        .preopened_dir(dir, "/", DirPerms::all(), FilePerms::all())
        .expect("tarn preopens the directory");
    let mut store = Store::new(&engine, builder.build());
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("tarn instantiates");
    match arg {
        Some(arg) => {
            let f = instance
                .get_typed_func::<i32, i64>(&mut store, name)
                .expect("tarn finds the export");
            Box::new(move || f.call(&mut store, arg).expect("tarn runs the export"))
        }
        None => {
            let f = instance
                .get_typed_func::<(), i64>(&mut store, name)
                .expect("tarn finds the export");
            Box::new(move || f.call(&mut store, ()).expect("tarn runs the export"))
        }
    }
}

//! The rows' operations on Wasmtime: the engine-only runners from `engine_runners!`, and
//! the WASI ones, which set up `wasmtime-wasi` its own way.

super::engine_runners!(wasmtime, "wasmtime");

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

//! The rows' operations on Tarn: the engine-only runners from `engine_runners!`, and
//! the WASI ones, which set up `tarn-wasi` its own way.

super::engine_runners!(tarn, "tarn");

/// An engine with the default settings but for its compilation strategy.
pub fn engine(strategy: ::tarn::CompilationStrategy) -> Engine {
    let mut config = ::tarn::Config::new();
    config.compilation_strategy(strategy);
    Engine::new(&config).expect("tarn accepts the config")
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
        let wasi = WasiCtx::builder()
            .arg("hello.wasm")
            .stdout(stdout.clone())
            .build();
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

//! Embedding a WASI program: run the C hello world of `examples/wasi/` with arguments,
//! an environment variable and a preopened directory, capture what it prints, and read
//! its exit status.
//!
//! Run with `cargo run --example wasi_embed`.

use tarn::{Engine, Error, Linker, Module, Store};
use tarn_wasi::{DirPerms, FilePerms, I32Exit, MemoryOutputPipe, WasiCtx};

fn main() -> Result<(), Error> {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/wasi");
    let engine = Engine::default();
    let module = Module::from_binary(&engine, &std::fs::read(format!("{examples}/hello.wasm"))?)?;

    let mut linker = Linker::new(&engine);
    tarn_wasi::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi)?;

    // The guest gets only what is granted here: no host environment, no other files.
    let stdout = MemoryOutputPipe::new(1 << 20);
    let wasi = WasiCtx::builder()
        .args(&[
            "hello.wasm",
            "from",
            "an embedder",
            "--read",
            "/data/greeting.txt",
        ])
        .env("GREETING", "hi")
        .stdout(stdout.clone())
        .inherit_stderr()
        .preopened_dir(examples, "/data", DirPerms::READ, FilePerms::READ)?
        .build();
    let mut store = Store::new(&engine, wasi);

    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    let status = match start.call(&mut store, ()) {
        Ok(()) => 0,
        Err(error) => error.downcast::<I32Exit>()?.0,
    };

    println!("the guest printed:");
    print!("{}", String::from_utf8_lossy(&stdout.contents()));
    println!("and exited with status {status}");
    Ok(())
}

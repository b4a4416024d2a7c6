//! The embedding API: in-memory stdio, arguments and environment, `proc_exit` as
//! `I32Exit`, and preopen errors.

use tarn::{Engine, Linker, Module, Store};
use tarn_wasi::{DirPerms, FilePerms, I32Exit, MemoryInputPipe, MemoryOutputPipe, WasiCtx};

/// A guest that copies stdin to stdout, writes its first argument and the value of its
/// environment to stderr, then exits with the byte count as its status.
const ECHO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $argsz (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $envsz (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $total i32) (local $n i32)
    ;; iovec at 0: buffer at 1024, 64 bytes at a time
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 64))
    (block $done (loop $copy
      (br_if $done (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $n (i32.load (i32.const 8)))
      (br_if $done (i32.eqz (local.get $n)))
      (i32.store (i32.const 16) (i32.const 1024))
      (i32.store (i32.const 20) (local.get $n))
      (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
      (local.set $total (i32.add (local.get $total) (local.get $n)))
      (br $copy)))
    ;; argv[1] to stderr (its length: the sizes minus argv[0]'s, here known to be 5)
    (drop (call $argsz (i32.const 32) (i32.const 36)))
    (drop (call $args (i32.const 2048) (i32.const 3072)))
    (i32.store (i32.const 40) (i32.load (i32.const 2052)))
    (i32.store (i32.const 44) (i32.const 5))
    (drop (call $write (i32.const 2) (i32.const 40) (i32.const 1) (i32.const 24)))
    ;; the first environment variable to stderr ("K=V")
    (drop (call $envsz (i32.const 32) (i32.const 36)))
    (drop (call $env (i32.const 4096) (i32.const 5120)))
    (i32.store (i32.const 40) (i32.load (i32.const 4096)))
    (i32.store (i32.const 44) (i32.const 3))
    (drop (call $write (i32.const 2) (i32.const 40) (i32.const 1) (i32.const 24)))
    (call $exit (local.get $total))))"#;

#[test]
fn pipes_arguments_environment_and_exit_status_reach_the_embedder() {
    let engine = Engine::default();
    let module = Module::new(&engine, ECHO).unwrap();
    let mut linker = Linker::new(&engine);
    tarn_wasi::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx).unwrap();
    let stdout = MemoryOutputPipe::new(1 << 20);
    let stderr = MemoryOutputPipe::new(1 << 20);
    let input: Vec<u8> = (0..200u8).collect();
    let wasi = WasiCtx::builder()
        .args(&["echo", "first"])
        .env("K", "V")
        .stdin(MemoryInputPipe::new(input.clone()))
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .build();
    let mut store = Store::new(&engine, wasi);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    let error = start.call(&mut store, ()).unwrap_err();
    assert_eq!(
        error.downcast_ref::<I32Exit>(),
        Some(&I32Exit(200)),
        "{error}"
    );
    assert!(!error.is::<tarn::Trap>());
    assert_eq!(stdout.contents(), input);
    assert_eq!(stderr.contents(), b"firstK=V");
}

#[test]
fn an_output_pipe_refuses_bytes_past_its_capacity() {
    let engine = Engine::default();
    let module = Module::new(&engine, ECHO).unwrap();
    let mut linker = Linker::new(&engine);
    tarn_wasi::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx).unwrap();
    let stdout = MemoryOutputPipe::new(100);
    let wasi = WasiCtx::builder()
        .args(&["echo", "first"])
        .env("K", "V")
        .stdin(MemoryInputPipe::new(vec![7; 300]))
        .stdout(stdout.clone())
        .build();
    let mut store = Store::new(&engine, wasi);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    start.call(&mut store, ()).unwrap_err();
    assert_eq!(
        stdout.contents().len(),
        64,
        "the second 64-byte write did not fit"
    );
}

#[test]
fn a_missing_preopen_directory_is_an_error_naming_it() {
    let error = WasiCtx::builder()
        .preopened_dir("/no/such/dir", "/", DirPerms::all(), FilePerms::all())
        .map(drop)
        .unwrap_err();
    assert!(error.to_string().contains("/no/such/dir"), "{error}");
}

#[test]
fn a_module_without_memory_gets_an_error_not_a_crash() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
             (import "wasi_snapshot_preview1" "fd_close" (func $c (param i32) (result i32)))
             (func (export "yield") (result i32) (call $y))
             (func (export "close") (result i32) (call $c (i32.const 0))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    tarn_wasi::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx).unwrap();
    let mut store = Store::new(&engine, WasiCtx::builder().build());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let close = instance
        .get_typed_func::<(), i32>(&mut store, "close")
        .unwrap();
    let error = close.call(&mut store, ()).unwrap_err();
    assert!(error.to_string().contains("exports no memory"), "{error}");
}

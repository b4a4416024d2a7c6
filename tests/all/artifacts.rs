//! Ahead-of-time artifacts: round trips through bytes and files, rejection of artifacts
//! for other settings, and of truncated, corrupted and foreign bytes.

use tarn::{Config, Engine, Instance, Module, Store};

use crate::{tarn, temp_file};

const RICH: &str = r#"(module $rich
    (import "env" "add" (func $add (param i32 i32) (result i32)))
    (type $unary (func (param i32) (result i32)))
    (memory (export "memory") 1)
    (table 4 funcref)
    (global $g (mut i32) (i32.const 5))
    (data (i32.const 16) "artifact")
    (elem (i32.const 1) $double)
    (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
    (func (export "run") (param i32) (result i32)
        (call $add
            (call_indirect (type $unary) (local.get 0) (i32.const 1))
            (i32.add (global.get $g) (i32.load8_u (i32.const 16)))))
    (func (export "trap") (i32.div_u (i32.const 1) (i32.const 0)) drop))"#;

/// Instantiates `module` with `env.add` and calls `run(20)`: 40 + 5 + `b'a'`.
fn run_rich(engine: &Engine, module: &Module) -> i32 {
    let mut store = Store::new(engine, ());
    let add = tarn::Func::wrap(&mut store, |a: i32, b: i32| a + b);
    let instance = Instance::new(&mut store, module, &[add.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    run.call(&mut store, 20).unwrap()
}

fn load(engine: &Engine, bytes: &[u8]) -> tarn::Result<Module> {
    // SAFETY: every artifact here was written by this Tarn (or is rejected before its
    // code is used, which is what the tests check).
    unsafe { Module::deserialize(engine, bytes) }
}

#[test]
fn serialized_and_precompiled_modules_run_like_compiled_ones() {
    let engine = Engine::default();
    let module = Module::new(&engine, RICH).unwrap();
    let expected = run_rich(&engine, &module);
    assert_eq!(expected, 40 + 5 + i32::from(b'a'));
    let bytes = module.serialize().unwrap();
    let loaded = load(&engine, &bytes).unwrap();
    assert_eq!(run_rich(&engine, &loaded), expected);
    assert_eq!(loaded.name(), Some("rich"));
    assert_eq!(loaded.exports().len(), 3);
    let precompiled = engine.precompile_module(RICH).unwrap();
    assert!(Engine::is_precompiled(&precompiled));
    let other_engine = Engine::default();
    let loaded = load(&other_engine, &precompiled).unwrap();
    assert_eq!(run_rich(&other_engine, &loaded), expected);
    // Traps keep their code and the function name in loaded code.
    let mut store = Store::new(&engine, ());
    let add = tarn::Func::wrap(&mut store, |a: i32, b: i32| a + b);
    let module = load(&engine, &bytes).unwrap();
    let instance = Instance::new(&mut store, &module, &[add.into()]).unwrap();
    let trap = instance.get_func(&mut store, "trap").unwrap();
    let error = trap.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(
        error.downcast_ref::<tarn::Trap>().unwrap().code(),
        tarn::TrapCode::IntegerDivisionByZero
    );
}

#[test]
fn files_load_by_mapping() {
    let engine = Engine::default();
    let bytes = engine.precompile_module(RICH).unwrap();
    let path = temp_file("files_load_by_mapping", "rich.cwasm", &bytes);
    // SAFETY: the file was just written by this Tarn and nothing changes it.
    let module = unsafe { Module::deserialize_file(&engine, &path) }.unwrap();
    assert_eq!(run_rich(&engine, &module), 40 + 5 + i32::from(b'a'));
    let missing = path.with_file_name("missing.cwasm");
    // SAFETY: the file does not exist; loading fails before reading anything.
    let error = unsafe { Module::deserialize_file(&engine, &missing) }.unwrap_err();
    assert!(error.to_string().contains("missing.cwasm"), "{error}");
}

fn rejection(engine: &Engine, bytes: &[u8]) -> String {
    load(engine, bytes).unwrap_err().to_string()
}

#[test]
fn artifacts_for_other_settings_are_rejected_naming_the_difference() {
    let bytes = Engine::default().precompile_module(RICH).unwrap();
    let mut no_simd = Config::new();
    no_simd.wasm_simd(false);
    let message = rejection(&Engine::new(&no_simd).unwrap(), &bytes);
    assert!(
        message.contains("proposal `simd` is on in it but off"),
        "{message}"
    );
    let mut fuel = Config::new();
    fuel.consume_fuel(true);
    let message = rejection(&Engine::new(&fuel).unwrap(), &bytes);
    assert!(
        message.contains("`consume_fuel` is false in it but true"),
        "{message}"
    );
    let mut unoptimised = Config::new();
    unoptimised.cranelift_opt_level(tarn::OptLevel::None);
    let message = rejection(&Engine::new(&unoptimised).unwrap(), &bytes);
    assert!(message.contains("opt_level"), "{message}");
}

#[test]
fn truncated_corrupted_and_foreign_bytes_are_rejected() {
    let engine = Engine::default();
    let bytes = engine.precompile_module(RICH).unwrap();
    for len in [0, 7, 8, 19, 20, 100, bytes.len() / 2, bytes.len() - 1] {
        let message = rejection(&engine, &bytes[..len]);
        assert!(
            message.starts_with("cannot load precompiled module"),
            "{len}: {message}"
        );
    }
    for at in [8, 12, 20, 60, bytes.len() / 2, bytes.len() - 1] {
        let mut corrupt = bytes.clone();
        corrupt[at] ^= 0x10;
        let message = rejection(&engine, &corrupt);
        assert!(
            message.contains("checksum") || message.contains("format version"),
            "byte {at}: {message}"
        );
    }
    let wasm = wat::parse_str(RICH).unwrap();
    assert!(rejection(&engine, &wasm).contains("a WebAssembly module, not a precompiled one"));
    assert!(rejection(&engine, b"hello, world, this is not an artifact").contains("bad magic"));
}

#[test]
fn tarn_compile_then_run_allow_precompiled() {
    let dir = temp_file("tarn_compile", "placeholder", b"");
    let artifact = dir.with_file_name("fib.cwasm");
    let fib = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fib.wat");
    let artifact_arg = artifact.to_str().unwrap();
    let compiled = tarn(&["compile", fib, "-o", artifact_arg]);
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let run = tarn(&[
        "run",
        "--allow-precompiled",
        artifact_arg,
        "--invoke",
        "fib",
        "20",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout), "6765\n");
    let refused = tarn(&["run", artifact_arg, "--invoke", "fib", "20"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("needs --allow-precompiled"));
    let other = tarn(&[
        "run",
        "-W",
        "simd=n",
        "--allow-precompiled",
        artifact_arg,
        "--invoke",
        "fib",
        "20",
    ]);
    assert!(!other.status.success());
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(
        stderr.contains("proposal `simd` is on in it but off in this engine"),
        "{stderr}"
    );
}

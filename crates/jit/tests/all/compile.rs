//! Whole-module compilation: layout, trampolines, trap sites, address map and errors.

use environ::{CompileError, TrapCode, Tunables};

use super::{assert_simd_unsupported, compile, compile_with, compiler_without_sse41};

#[test]
fn escaping_functions_get_an_array_call_trampoline_and_others_do_not() {
    let m = compile(
        r#"(module
            (func $hidden (result i32) i32.const 1)
            (func (export "seen") (result i32) call $hidden))"#,
    )
    .unwrap();
    let funcs: Vec<_> = m.info.functions.values().copied().collect();
    assert!(funcs[0].array_call.is_none());
    assert!(funcs[1].array_call.is_some());
    assert!(m.text.len() >= (funcs[1].wasm_call.start + funcs[1].wasm_call.length) as usize);
}

#[test]
fn each_imported_signature_gets_one_wasm_to_array_trampoline() {
    let m = compile(
        r#"(module
            (import "h" "a" (func (param i32)))
            (import "h" "b" (func (param i32)))
            (import "h" "c" (func (result f64)))
            (func (export "f") i32.const 1 call 0))"#,
    )
    .unwrap();
    assert_eq!(m.info.wasm_to_array_trampolines.len(), 2);
}

#[test]
fn unreachable_division_and_the_stack_check_record_trap_sites() {
    let m = compile(
        r#"(module
            (func (export "u") unreachable)
            (func (export "c") (param i32) (result i32) local.get 0 call 1)
            (func (export "d") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s))"#,
    )
    .unwrap();
    let codes: Vec<_> = m.info.trap_sites.iter().map(|t| t.code).collect();
    assert!(codes.contains(&TrapCode::UnreachableCodeReached));
    assert!(codes.contains(&TrapCode::IntegerDivisionByZero));
    assert!(codes.contains(&TrapCode::StackOverflow));
    assert!(
        m.info
            .trap_sites
            .windows(2)
            .all(|w| w[0].code_offset <= w[1].code_offset)
    );
}

#[test]
fn loads_are_trap_sites_and_map_back_to_their_wasm_offset() {
    let wasm = wat::parse_str(
        r#"(module (memory 1)
            (func (export "l") (param i32) (result i32) local.get 0 i32.load))"#,
    )
    .unwrap();
    let m = super::compile_bytes(
        &wasm,
        environ::Features::default(),
        Tunables::default(),
        tarn_jit::OptLevel::Speed,
    )
    .unwrap();
    let site = m
        .info
        .trap_sites
        .iter()
        .find(|t| t.code == TrapCode::MemoryOutOfBounds)
        .expect("the load is a trap site");
    let wasm_offset = m.info.lookup_wasm_offset(site.code_offset).unwrap();
    assert_eq!(wasm[wasm_offset as usize], 0x28, "the i32.load opcode");
    assert!(!m.info.address_map.is_empty());
}

#[test]
fn an_invalid_body_is_an_invalid_error_with_its_offset() {
    let wasm = wat::parse_str(r#"(module (func (result i32) i64.const 0))"#).unwrap();
    let err = super::compile_bytes(
        &wasm,
        environ::Features::default(),
        Tunables::default(),
        tarn_jit::OptLevel::Speed,
    )
    .unwrap_err();
    assert!(
        matches!(err, CompileError::Invalid { offset, .. } if offset > 0),
        "{err}"
    );
}

#[test]
fn compilation_is_deterministic_across_threads() {
    let wat = r#"(module
        (func (export "a") (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
        (func (export "b") (param i64) (result i64) local.get 0 i64.const 3 i64.rem_s)
        (func (export "c") (param f32) (result f32) local.get 0 f32.nearest)
        (func (export "d") (result i32) i32.const 1 call 0 drop i32.const 0))"#;
    let first = compile(wat).unwrap();
    let second = compile(wat).unwrap();
    assert_eq!(first.text, second.text);
    assert_eq!(first.info, second.info);
}

#[test]
fn fuel_and_epochs_compile_when_switched_on() {
    let tunables = Tunables {
        consume_fuel: true,
        epoch_interruption: true,
        ..Tunables::default()
    };
    let m = compile_with(
        r#"(module (func (export "spin") (param i32)
            (loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0)))"#,
        tunables,
    )
    .unwrap();
    assert!(!m.text.is_empty());
}

#[test]
fn explicit_bounds_checks_compile_without_signals() {
    let tunables = Tunables {
        signals_based_traps: false,
        ..Tunables::default()
    };
    let m = compile_with(
        r#"(module (memory 1)
            (func (export "s") (param i32 i64) local.get 0 local.get 1 i64.store offset=8))"#,
        tunables,
    )
    .unwrap();
    assert!(
        m.info
            .trap_sites
            .iter()
            .any(|t| t.code == TrapCode::MemoryOutOfBounds)
    );
}

#[test]
fn a_standalone_host_trampoline_needs_no_relocation() {
    let compiler = tarn_jit::Compiler::new(Tunables::default(), tarn_jit::OptLevel::Speed).unwrap();
    let ty = environ::FuncType::new(
        [environ::WasmValType::I32, environ::WasmValType::F64],
        [environ::WasmValType::I64],
    );
    let bytes = compiler.compile_wasm_to_array_trampoline(&ty).unwrap();
    assert!(!bytes.is_empty());
}

#[test]
fn v128_locals_and_simd_operators_compile() {
    compile(r#"(module (func (local v128)))"#).unwrap();
    compile(
        r#"(module (func (param v128 v128) (result v128)
             (i32x4.add (local.get 0) (v128.const i64x2 1 2))
             (local.get 1) (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31)))"#,
    )
    .unwrap();
}

#[test]
fn br_table_edges_with_values_are_shared_per_depth() {
    compile(
        r#"(module (func (param i32) (result i32)
            (block $a (result i32)
              (block $b (result i32)
                i32.const 7 local.get 0 br_table $a $b $a $b $a $b $a)
              drop i32.const 1)))"#,
    )
    .unwrap();
}

#[test]
fn a_compiler_and_its_output_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<tarn_jit::Compiler>();
    shared::<tarn_jit::CompiledModule>();
}

#[test]
fn parallel_and_serial_compilation_produce_identical_code() {
    use environ::{Features, translate_module};
    use tarn_jit::{Compiler, OptLevel};
    let funcs: String = (0..40)
        .map(|i| format!("(func (export \"f{i}\") (param i32) (result i32) local.get 0 i32.const {i} i32.mul call {})", (i + 1) % 40))
        .collect();
    let wasm = wat::parse_str(format!("(module {funcs})")).unwrap();
    let compile = |parallel: bool| {
        let translation = translate_module(&wasm, Features::default()).unwrap();
        Compiler::new(Tunables::default(), OptLevel::Speed)
            .unwrap()
            .with_parallel_compilation(parallel)
            .compile_module(translation)
            .unwrap()
    };
    let (serial, parallel) = (compile(false), compile(true));
    assert_eq!(serial.text, parallel.text);
    assert_eq!(serial.info, parallel.info);
}

#[test]
fn functions_with_more_results_than_return_registers_compile() {
    let results = "i64 ".repeat(20);
    let values = "i64.const 1 ".repeat(20);
    let m = compile(&format!(
        r#"(module
            (func $many (result {results}) {values})
            (func (export "f") (result {results}) call $many))"#
    ))
    .unwrap();
    assert_eq!(m.info.functions.len(), 2);
}

#[test]
fn simd_on_a_host_without_sse41_is_a_clear_error_and_scalar_rounding_still_compiles() {
    let compile_without_sse41 = |wat: &str| {
        let wasm = wat::parse_str(wat).unwrap();
        let translation = environ::translate_module(&wasm, environ::Features::default())?;
        compiler_without_sse41()?.compile_module(translation)
    };
    let Err(err) = compile_without_sse41(r#"(module (func (result v128) v128.const i64x2 0 0))"#)
    else {
        panic!("SIMD compiled without SSE4.1");
    };
    assert_simd_unsupported(&err);
    compile_without_sse41(
        r#"(module (func (param f64) (result f64) (f64.nearest (local.get 0))))"#,
    )
    .unwrap();
}

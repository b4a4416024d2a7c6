//! Lazy compilation's two entry points: `prepare_lazy` (validation and the first text
//! section of stubs and trampolines) and `compile_lazy` (bodies into a section of their
//! own).

use environ::{CompileError, DefinedFuncIndex, Features, Tunables, translate_module};
use tarn_jit::{Compiler, LazyModule, OptLevel};

use super::{assert_simd_unsupported, compiler_without_sse41};

const MODULE: &str = r#"(module
    (import "h" "log" (func (param i32)))
    (func $hidden (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
    (func (export "seen") (param i32) (result i32) (call $hidden (local.get 0)))
    (func $self (export "self") (param i32) (result i32)
        (if (result i32) (local.get 0)
            (then (call $self (i32.sub (local.get 0) (i32.const 1))))
            (else (call 0 (i32.const 1)) (i32.const 0)))))"#;

fn prepare(compiler: &Compiler, wasm: &[u8]) -> Result<LazyModule, CompileError> {
    compiler.prepare_lazy(translate_module(wasm, Features::default())?)
}

fn compiler() -> Compiler {
    Compiler::new(Tunables::default(), OptLevel::Speed).unwrap()
}

#[test]
fn preparing_lays_out_a_stub_per_function_and_compiles_no_body() {
    let wasm = wat::parse_str(MODULE).unwrap();
    let lazy = prepare(&compiler(), &wasm).unwrap();
    let funcs: Vec<_> = lazy.info.functions.values().copied().collect();
    assert_eq!(funcs.len(), 3);
    assert_eq!(lazy.bodies.len(), 3);
    // Only escaping functions get an array-call entry, as with eager code.
    assert!(funcs[0].array_call.is_none());
    assert!(funcs[1].array_call.is_some() && funcs[2].array_call.is_some());
    // Stubs of one signature are copies of one template: the same length.
    assert_eq!(funcs[1].wasm_call.length, funcs[2].wasm_call.length);
    assert_eq!(lazy.info.wasm_to_array_trampolines.len(), 1);
    // Every builtin has a trampoline inside the text.
    assert!(
        lazy.builtin_trampolines
            .iter()
            .all(|&start| (start as usize) < lazy.text.len())
    );
    // No address map: no body was compiled.
    assert!(lazy.info.address_map.is_empty());
}

#[test]
fn an_invalid_body_fails_preparation_with_the_first_error_in_index_order() {
    let wasm = wat::parse_str(
        r#"(module (func (result i32) i32.const 1)
            (func (result i32) i64.const 1)
            (func (result f32) i32.const 1))"#,
    )
    .unwrap();
    for parallel in [true, false] {
        let compiler = compiler().with_parallel_compilation(parallel);
        let Err(CompileError::Invalid { message, offset }) = prepare(&compiler, &wasm) else {
            panic!("an invalid module was prepared");
        };
        assert!(message.contains("type mismatch"), "{message}");
        assert!(
            (0x20..0x28).contains(&offset),
            "offset {offset:#x}: not the second body's"
        );
    }
}

#[test]
fn compiled_bodies_call_their_section_directly_and_builtins_by_address() {
    let compiler = compiler();
    let wasm = wat::parse_str(MODULE).unwrap();
    let lazy = prepare(&compiler, &wasm).unwrap();
    let builtins: Vec<u64> = lazy
        .builtin_trampolines
        .iter()
        .map(|&offset| 0x7000_0000 + u64::from(offset))
        .collect();
    let all: Vec<_> = lazy.bodies.iter().collect();
    let code = compiler
        .compile_lazy(&lazy.module, &wasm, &all, &builtins)
        .unwrap();
    assert_eq!(code.funcs, all.iter().map(|(f, _)| *f).collect::<Vec<_>>());
    assert_eq!(code.info.functions.len(), 3);
    // The address map points into the module's bytes, as eager code's does.
    assert!(!code.info.address_map.is_empty());
    let in_module = |e: &environ::AddressMapEntry| (e.wasm_offset as usize) < wasm.len();
    assert!(code.info.address_map.iter().all(in_module));
    // `seen` calls `hidden`, compiled in the same section: a direct call, so no callee
    // is left for later. Compiled alone, `seen` reports `hidden` as its callee.
    assert!(code.callees.is_empty(), "{:?}", code.callees);
    let seen = DefinedFuncIndex::from_u32(1);
    let alone = compiler
        .compile_lazy(
            &lazy.module,
            &wasm,
            &[(seen, &lazy.bodies[seen])],
            &builtins,
        )
        .unwrap();
    assert_eq!(alone.callees, [DefinedFuncIndex::from_u32(0)]);
}

#[test]
fn lazily_compiled_simd_on_a_host_without_sse41_is_the_same_clear_error() {
    let compiler = compiler_without_sse41().unwrap();
    // The API compiles eagerly on such a host, so `Module::new` reports this at once.
    assert!(!compiler.compiles_every_valid_body());
    assert!(self::compiler().compiles_every_valid_body());
    let wasm = wat::parse_str(r#"(module (func (result v128) v128.const i64x2 0 0))"#).unwrap();
    let lazy = prepare(&compiler, &wasm).unwrap();
    let builtins = vec![0; lazy.builtin_trampolines.len()];
    let all: Vec<_> = lazy.bodies.iter().collect();
    let err = compiler
        .compile_lazy(&lazy.module, &wasm, &all, &builtins)
        .unwrap_err();
    assert_simd_unsupported(&err);
}

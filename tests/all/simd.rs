//! SIMD through the API: `v128` values in typed calls and globals, NaN canonicalisation
//! for scalar and vector floats, deterministic relaxed SIMD, and `v128` on the command line.

use tarn::{Config, Engine, Instance, Module, Store, V128, Val};

use crate::tarn as tarn_cli;

const FLOATS: &str = r#"(module
  (global (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
  (func (export "swap") (param v128) (result v128)
    (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get 0) (local.get 0)))
  (func (export "div32") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
  (func (export "sqrt64") (param f64) (result f64) (f64.sqrt (local.get 0)))
  (func (export "vdiv") (param v128 v128) (result v128) (f32x4.div (local.get 0) (local.get 1)))
  (func (export "vadd64") (param v128 v128) (result v128) (f64x2.add (local.get 0) (local.get 1)))
  (func (export "neg32") (param f32) (result f32) (f32.neg (local.get 0))))"#;

fn instance(config: &Config) -> (Store<()>, Instance) {
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, FLOATS).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

const CANONICAL_F32: u32 = 0x7fc0_0000;
const CANONICAL_F64: u64 = 0x7ff8_0000_0000_0000;

/// Four f32 lanes as a v128.
fn f32x4(lanes: [u32; 4]) -> V128 {
    let mut bits = 0u128;
    for (i, lane) in lanes.iter().enumerate() {
        bits |= u128::from(*lane) << (32 * i);
    }
    V128::from_bits(bits)
}

#[test]
fn v128_values_pass_through_typed_calls_and_globals() {
    let (mut store, instance) = instance(&Config::new());
    let swap = instance
        .get_typed_func::<V128, V128>(&mut store, "swap")
        .unwrap();
    let v = V128::from_bits(0x0011_2233_4455_6677_8899_aabb_ccdd_eeff);
    assert_eq!(
        swap.call(&mut store, v).unwrap().as_u128(),
        0x8899_aabb_ccdd_eeff_0011_2233_4455_6677
    );
    let g = instance.get_global(&mut store, "g").unwrap();
    assert!(matches!(g.get(&mut store), Val::V128(b) if b == 0x4_0000_0003_0000_0002_0000_0001));
    g.set(&mut store, Val::from(v)).unwrap();
    assert!(matches!(g.get(&mut store), Val::V128(b) if b == v.as_u128()));
}

#[test]
fn nan_canonicalization_makes_every_nan_result_canonical() {
    let mut config = Config::new();
    config.nan_canonicalization(true);
    let (mut store, instance) = instance(&config);
    let div32 = instance
        .get_typed_func::<(f32, f32), f32>(&mut store, "div32")
        .unwrap();
    let sqrt64 = instance
        .get_typed_func::<f64, f64>(&mut store, "sqrt64")
        .unwrap();
    let vdiv = instance
        .get_typed_func::<(V128, V128), V128>(&mut store, "vdiv")
        .unwrap();
    let vadd64 = instance
        .get_typed_func::<(V128, V128), V128>(&mut store, "vadd64")
        .unwrap();
    let neg32 = instance
        .get_typed_func::<f32, f32>(&mut store, "neg32")
        .unwrap();
    // 0/0 is a negative NaN on x86 hardware; a NaN operand's payload would propagate.
    assert_eq!(
        div32.call(&mut store, (0.0, 0.0)).unwrap().to_bits(),
        CANONICAL_F32
    );
    let payload = f32::from_bits(0xffc0_1234);
    assert_eq!(
        div32.call(&mut store, (payload, 1.0)).unwrap().to_bits(),
        CANONICAL_F32
    );
    assert_eq!(
        sqrt64.call(&mut store, -1.0).unwrap().to_bits(),
        CANONICAL_F64
    );
    assert_eq!(div32.call(&mut store, (1.0, 4.0)).unwrap(), 0.25);
    let zeros = f32x4([0, 0, 0, 0]);
    let ones = f32x4([1.0f32.to_bits(); 4]);
    assert_eq!(
        vdiv.call(&mut store, (zeros, zeros)).unwrap(),
        f32x4([CANONICAL_F32; 4])
    );
    let mixed = vdiv
        .call(&mut store, (f32x4([0, 1.0f32.to_bits(), 0, 0]), ones))
        .unwrap();
    assert_eq!(mixed, f32x4([0, 1.0f32.to_bits(), 0, 0]));
    let nan64 = V128::from_bits(u128::from(0xfff8_0000_0000_0001u64));
    let v = vadd64.call(&mut store, (nan64, V128::default())).unwrap();
    assert_eq!(v.as_u128() as u64, CANONICAL_F64);
    assert_eq!((v.as_u128() >> 64) as u64, 0);
    // Sign operations are bit operations: they keep the payload, as the spec says.
    assert_eq!(
        neg32.call(&mut store, payload).unwrap().to_bits(),
        0x7fc0_1234
    );
}

#[test]
fn without_canonicalization_the_hardware_nan_comes_through() {
    let (mut store, instance) = instance(&Config::new());
    let div32 = instance
        .get_typed_func::<(f32, f32), f32>(&mut store, "div32")
        .unwrap();
    let nan = div32.call(&mut store, (0.0, 0.0)).unwrap();
    assert!(nan.is_nan());
    if cfg!(target_arch = "x86_64") {
        assert_eq!(nan.to_bits(), 0xffc0_0000, "x86's default NaN is negative");
    }
}

/// `relaxed_madd` of values whose product rounds: fused and unfused results differ.
const MADD: &str = r#"(module
  (func (export "madd") (param f32 f32 f32) (result f32)
    (f32x4.extract_lane 0
      (f32x4.relaxed_madd (f32x4.splat (local.get 0)) (f32x4.splat (local.get 1))
                          (f32x4.splat (local.get 2))))))"#;

#[test]
fn deterministic_relaxed_simd_gives_the_unfused_result() {
    let (a, b) = (1.0f32 + f32::EPSILON, 1.0f32 - f32::EPSILON);
    let c = -1.0f32;
    let unfused = a * b + c;
    let fused = a.mul_add(b, c);
    assert_ne!(
        unfused.to_bits(),
        fused.to_bits(),
        "the inputs tell the two apart"
    );
    for deterministic in [true, false] {
        let mut config = Config::new();
        config
            .wasm_relaxed_simd(true)
            .relaxed_simd_deterministic(deterministic);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, MADD).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let madd = instance
            .get_typed_func::<(f32, f32, f32), f32>(&mut store, "madd")
            .unwrap();
        let result = madd.call(&mut store, (a, b, c)).unwrap();
        if deterministic {
            assert_eq!(result.to_bits(), unfused.to_bits());
        } else {
            assert!(result == fused || result == unfused, "{result}");
        }
    }
    // With the proposal switched off, relaxed SIMD is rejected at validation.
    let mut off = Config::new();
    off.wasm_relaxed_simd(false);
    let Err(error) = Module::new(&Engine::new(&off).unwrap(), MADD) else {
        panic!("relaxed SIMD was accepted without the feature");
    };
    assert!(error.to_string().contains("relaxed SIMD"), "{error}");
}

#[test]
fn tarn_run_takes_and_prints_v128_values() {
    let path = crate::temp_file("simd", "swap.wat", FLOATS.as_bytes());
    let output = tarn_cli(&[
        "run",
        "--invoke",
        "swap",
        path.to_str().unwrap(),
        "0x00112233445566778899aabbccddeeff",
    ]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.trim(), "0x8899aabbccddeeff0011223344556677");
    let output = tarn_cli(&["run", "--invoke", "swap", path.to_str().unwrap(), "0xnope"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("cannot parse `0xnope` as v128"), "{stderr}");
}

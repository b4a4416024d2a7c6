//! A long-running embedder's loop: compile, instantiate, call and drop thousands of modules
//! with distinct function types (some importing a host function of that type), round after
//! round, on one engine. After every round the engine's signature registry must be back to
//! empty, and after a warm-up round the process's resident memory may grow by at most
//! 512 KiB per round: nothing the engine keeps per module may outlive the module.
//!
//! Its own test binary (`harness = false`) so no other test's allocations move the
//! resident-memory figures. `TARN_CHURN_MODULES` sets the modules per round (default
//! 12,000) and `TARN_CHURN_ROUNDS` the rounds (default 4).

use std::process::ExitCode;

use tarn::{Config, Engine, Func, FuncType, Instance, Module, Store, Val, ValType};

/// The most resident memory a round after the first may add.
const MAX_GROWTH_PER_ROUND: u64 = 512 << 10;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The resident set size of this process, from `/proc/self/statm`.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux has /proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("statm's second field is the resident page count");
    // The page size of every host Tarn supports (x86-64 Linux).
    pages * 4096
}

/// Parameter types that spell `n` in base 4, eight digits: 65,536 distinct signatures.
fn params_for(n: usize) -> Vec<ValType> {
    (0..8)
        .map(|digit| match (n >> (2 * digit)) & 3 {
            0 => ValType::I32,
            1 => ValType::I64,
            2 => ValType::F32,
            _ => ValType::F64,
        })
        .collect()
}

fn wat_type(ty: ValType) -> &'static str {
    match ty {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        _ => "f64",
    }
}

/// One module of signature number `n`: `f` returns 7 (or calls the imported `host` of the
/// same signature, which returns 7, when `import_host`).
fn module_wat(n: usize, import_host: bool) -> String {
    let params: Vec<&str> = params_for(n).into_iter().map(wat_type).collect();
    let params = params.join(" ");
    if import_host {
        let args: String = (0..8).map(|i| format!(" (local.get {i})")).collect();
        format!(
            "(module (import \"\" \"host\" (func $host (param {params}) (result i32))) \
             (func (export \"f\") (param {params}) (result i32) (call $host{args})))"
        )
    } else {
        format!("(module (func (export \"f\") (param {params}) (result i32) i32.const 7))")
    }
}

fn run_one(engine: &Engine, n: usize) {
    let import_host = n.is_multiple_of(10);
    let module = Module::new(engine, module_wat(n, import_host)).expect("the module compiles");
    let mut store = Store::new(engine, ());
    let params = params_for(n);
    let mut imports = Vec::new();
    if import_host {
        let ty = FuncType::new(params.clone(), [ValType::I32]);
        imports.push(
            Func::new(&mut store, ty, |_, _, results| {
                results[0] = Val::I32(7);
                Ok(())
            })
            .into(),
        );
    }
    let instance = Instance::new(&mut store, &module, &imports).expect("it instantiates");
    let f = instance.get_func(&mut store, "f").expect("f is exported");
    let args: Vec<Val> = params.iter().map(Val::default_for).collect();
    let mut results = [Val::I32(0)];
    f.call(&mut store, &args, &mut results).expect("f runs");
    assert_eq!(results[0].i32(), Some(7));
}

fn main() -> ExitCode {
    let modules = env_or("TARN_CHURN_MODULES", 12_000);
    let rounds = env_or("TARN_CHURN_ROUNDS", 4).max(2);
    let mut config = Config::new();
    config.parallel_compilation(false);
    let engine = Engine::new(&config).expect("Cranelift supports the host");
    let mut failures = Vec::new();
    let mut after_warm_up = 0;
    for round in 0..rounds {
        let start = std::time::Instant::now();
        for i in 0..modules {
            // Every module's signature is new to the engine: no two rounds share one.
            run_one(&engine, (round * modules + i) % (1 << 16));
        }
        let registered = engine.registered_signatures();
        let resident = resident_bytes();
        println!(
            "churn round {round}: {modules} modules in {:.1?}, {registered} signatures \
             registered, resident {} KiB",
            start.elapsed(),
            resident >> 10
        );
        if registered != 0 {
            failures.push(format!(
                "round {round}: {registered} signatures still registered"
            ));
        }
        if round == 0 {
            after_warm_up = resident;
        } else {
            let allowed = after_warm_up + MAX_GROWTH_PER_ROUND * round as u64;
            if resident > allowed {
                failures.push(format!(
                    "round {round}: resident memory grew {} KiB since the warm-up round, \
                     more than {} KiB per round",
                    (resident - after_warm_up) >> 10,
                    MAX_GROWTH_PER_ROUND >> 10
                ));
            }
        }
    }
    for failure in &failures {
        println!("FAILED {failure}");
    }
    if failures.is_empty() {
        println!("churn: {rounds} rounds of {modules} modules, no growth");
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

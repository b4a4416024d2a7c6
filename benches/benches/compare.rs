//! Tarn against Wasmtime and native Rust: compute kernels, host-to-wasm calls,
//! instantiation and compilation, one table row each.
//!
//! `cargo bench --manifest-path benches/Cargo.toml [-- FILTER]` runs the rows whose name
//! contains FILTER. `TARN_BENCH_SAMPLES` (default 21) and `TARN_BENCH_SAMPLE_MS` (default
//! 100) set how many samples each runner takes and how long a sample lasts.

use std::time::{Duration, Instant};
use tarn_benches::engines::{self, Op};
use tarn_benches::kernels::{self, Kernel};
use tarn_benches::measure::{Contender, Runner, Settings, measure};
use tarn_benches::{modules, npm, report, simd_kernels, wasi};

/// Host-to-wasm calls per operation of the host-call row (the table shows one call).
const HOST_CALLS: u32 = 10_000;

/// Argument of `run` when checking the compiled module.
const COMPILE_CHECK_ARG: i32 = 10;

fn main() {
    let settings = settings_from_env();
    let filter = filter_from_args();
    let started = Instant::now();
    println!(
        "{} samples per runner, about {} ms each, after one warm-up sample; {}\n",
        settings.samples,
        settings.sample_time.as_millis(),
        machine_load()
    );
    let selected = |row: &Row| {
        filter
            .as_deref()
            .is_none_or(|filter| row.name.contains(filter))
    };
    let (main_rows, lazy_rows): (Vec<Row>, Vec<Row>) = rows()
        .into_iter()
        .filter(selected)
        .partition(|row| !row.lazy);
    if !main_rows.is_empty() {
        println!("{}", report::header());
    }
    for row in main_rows {
        let timings = run_row(&row, settings);
        println!("{}", report::row(&row.name, &timings));
    }
    if !lazy_rows.is_empty() {
        println!("\nLazy compilation\n\n{}", report::lazy_header());
    }
    for row in lazy_rows {
        let timings = run_row(&row, settings);
        println!("{}", report::lazy_row(&row.name, &timings));
    }
    println!("\ntotal {:.1} s", started.elapsed().as_secs_f64());
}

/// Measures one row; per-item timings.
fn run_row(row: &Row, settings: Settings) -> Vec<tarn_benches::measure::Timings> {
    let mut contenders = (row.build)();
    let settings = Settings {
        samples: row.samples.unwrap_or(settings.samples),
        ..settings
    };
    let timings = measure(&row.name, &mut contenders, settings);
    timings.iter().map(|t| t.per_item(row.batch)).collect()
}

/// One table row.
struct Row {
    /// What it measures.
    name: String,
    /// How many items one operation handles; the table shows the time per item.
    batch: u32,
    /// Sets up every runner's operation.
    build: Box<dyn Fn() -> Vec<Contender>>,
    /// Whether the row belongs to the lazy-compilation table (Tarn lazy and eager
    /// against Wasmtime).
    lazy: bool,
    /// Samples per runner, when the row's operation is too slow for the default.
    samples: Option<usize>,
}

impl Row {
    fn new(name: impl Into<String>, build: impl Fn() -> Vec<Contender> + 'static) -> Self {
        Self {
            name: name.into(),
            batch: 1,
            build: Box::new(build),
            lazy: false,
            samples: None,
        }
    }

    /// A row of the lazy-compilation table.
    fn lazy(name: impl Into<String>, build: impl Fn() -> Vec<Contender> + 'static) -> Self {
        Self {
            lazy: true,
            ..Self::new(name, build)
        }
    }
}

/// Samples per runner of the rows that compile a real module: Wasmtime takes seconds
/// per operation there.
const FIRST_CALL_SAMPLES: usize = 5;

/// Every row, in report order.
fn rows() -> Vec<Row> {
    let mut rows: Vec<Row> = kernels::all()
        .into_iter()
        .map(|kernel| Row::new(kernel.name, move || kernel_contenders(&kernel)))
        .collect();
    for kernel in simd_kernels::all() {
        rows.push(Row::new(kernel.name, move || {
            simd_contenders(kernel.export, kernel.arg, kernel.native)
        }));
    }
    for (name, wat) in [
        (
            "exceptions: throw caught 10 frames up",
            modules::THROW_TEN_FRAMES_WAT,
        ),
        (
            "exceptions: 10 calls in a try_table, no throw",
            modules::CALLS_IN_TRY_WAT,
        ),
        (
            "exceptions: 10 calls, no try_table",
            modules::CALLS_WITHOUT_TRY_WAT,
        ),
    ] {
        rows.push(Row {
            batch: modules::EXCEPTION_ITERATIONS as u32,
            ..Row::new(name, move || exception_contenders(wat))
        });
    }
    rows.push(Row {
        batch: HOST_CALLS,
        ..Row::new("host->wasm typed call", host_call_contenders)
    });
    rows.push(Row {
        batch: HOST_CALLS,
        ..Row::new("host->wasm untyped call", || {
            let wasm = wasm(modules::HOST_CALL_WAT);
            vec![
                Contender::from_op(
                    Runner::Tarn,
                    engines::tarn::untyped_host_calls(&wasm, HOST_CALLS),
                ),
                Contender::from_op(
                    Runner::Wasmtime,
                    engines::wasmtime::untyped_host_calls(&wasm, HOST_CALLS),
                ),
            ]
        })
    });
    rows.push(Row {
        batch: HOST_CALLS,
        ..Row::new("wasm->host call", || {
            let wasm = wasm(modules::WASM_TO_HOST_WAT);
            vec![
                Contender::from_op(
                    Runner::Tarn,
                    engines::tarn::wasm_to_host_calls(&wasm, HOST_CALLS),
                ),
                Contender::from_op(
                    Runner::Wasmtime,
                    engines::wasmtime::wasm_to_host_calls(&wasm, HOST_CALLS),
                ),
            ]
        })
    });
    rows.push(Row::new(
        "instantiate small module",
        instantiation_contenders,
    ));
    rows.push(Row::new("instantiate 32 MiB initialised memory", || {
        probed_instantiation_contenders(&modules::large_memory_wat(), modules::LARGE_MEMORY_PROBE)
    }));
    rows.push(Row::new("instantiate 100k-entry funcref table", || {
        probed_instantiation_contenders(&modules::large_table_wat(), modules::LARGE_TABLE_PROBE)
    }));
    rows.push(Row::new("instantiate small module (pooling)", || {
        pooled_contenders(modules::INSTANTIATE_WAT, modules::INSTANTIATE_PROBE)
    }));
    rows.push(Row::new(
        "instantiate 32 MiB initialised memory (pooling)",
        || pooled_contenders(&modules::large_memory_wat(), modules::LARGE_MEMORY_PROBE),
    ));
    rows.push(Row::new(
        "instantiate 100k-entry funcref table (pooling)",
        || pooled_contenders(&modules::large_table_wat(), modules::LARGE_TABLE_PROBE),
    ));
    rows.push(Row::new("instantiate via InstancePre", || {
        let wasm = wasm(modules::INSTANTIATE_WAT);
        vec![
            Contender::from_op(Runner::Tarn, engines::tarn::instantiation_pre(&wasm)),
            Contender::from_op(
                Runner::Wasmtime,
                engines::wasmtime::instantiation_pre(&wasm),
            ),
        ]
    }));
    rows.push(Row::new(
        "instantiate + call probe",
        instantiation_and_call_contenders,
    ));
    rows.push(Row::new("deserialize a precompiled 1 MB module", || {
        let wasm = wasm(&modules::compile_wat(modules::DESERIALIZE_FUNCTIONS));
        let (tarn_check, tarn_size, tarn_op) = engines::tarn::deserialization(&wasm);
        let (wasmtime_check, wasmtime_size, wasmtime_op) =
            engines::wasmtime::deserialization(&wasm);
        eprintln!("artifact sizes: tarn {tarn_size} bytes, wasmtime {wasmtime_size} bytes");
        vec![
            Contender::with_check(Runner::Tarn, tarn_check, tarn_op),
            Contender::with_check(Runner::Wasmtime, wasmtime_check, wasmtime_op),
        ]
    }));
    rows.push(Row::new(
        format!("compile {} functions", modules::COMPILE_FUNCTIONS),
        compilation_contenders,
    ));
    rows.push(Row::new(
        "wasi hello: instantiate + _start",
        wasi_start_contenders,
    ));
    rows.push(Row {
        batch: wasi::SMALL_WRITES,
        ..Row::new("wasi fd_write 16 B to a file", small_writes_contenders)
    });
    rows.push(Row::new("wasi fd_read 16 MiB file", big_read_contenders));
    for (module, export, i64_result) in [
        (npm::ESBUILD, "getsp", false),
        // `R` is `sqlite3_memory_used` (sql.js's exports are minified).
        (npm::SQL_JS, "R", true),
    ] {
        rows.push(Row {
            samples: Some(FIRST_CALL_SAMPLES),
            ..Row::lazy(
                format!(
                    "{}: bytes to first call",
                    module.path.rsplit('/').next().unwrap_or("")
                ),
                move || first_call_contenders(module, export, i64_result),
            )
        });
    }
    for kernel in kernels::all() {
        rows.push(Row::lazy(format!("{} (steady)", kernel.name), move || {
            lazy_kernel_contenders(&kernel)
        }));
    }
    rows
}

/// Bytes to the return of a first cheap call, with every import a trap.
fn first_call_contenders(
    module: npm::NpmModule,
    export: &'static str,
    i64_result: bool,
) -> Vec<Contender> {
    let wasm = match module.bytes() {
        Ok(wasm) => wasm,
        Err(reason) => panic!("{} is needed for this row: {reason}", module.package),
    };
    let tarn = |strategy| {
        let engine = engines::tarn::engine(strategy);
        engines::tarn::first_call(engine, wasm.clone(), export, i64_result)
    };
    vec![
        Contender::from_op(Runner::TarnLazy, tarn(tarn::CompilationStrategy::Lazy)),
        Contender::from_op(Runner::Tarn, tarn(tarn::CompilationStrategy::Eager)),
        Contender::from_op(
            Runner::Wasmtime,
            engines::wasmtime::first_call(
                wasmtime::Engine::default(),
                wasm.clone(),
                export,
                i64_result,
            ),
        ),
    ]
}

/// A kernel's steady state compiled lazily, eagerly, and by Wasmtime: the warm-up
/// sample compiles what the kernel calls.
fn lazy_kernel_contenders(kernel: &Kernel) -> Vec<Contender> {
    let wasm = wasm(kernel.wat);
    let arg = kernel.arg;
    let tarn =
        |strategy| engines::tarn::kernel_in(engines::tarn::engine(strategy), &wasm, "run", arg);
    vec![
        Contender::from_op(Runner::TarnLazy, tarn(tarn::CompilationStrategy::Lazy)),
        Contender::from_op(Runner::Tarn, tarn(tarn::CompilationStrategy::Eager)),
        Contender::from_op(Runner::Wasmtime, engines::wasmtime::kernel(&wasm, arg)),
    ]
}

fn kernel_contenders(kernel: &Kernel) -> Vec<Contender> {
    let wasm = wasm(kernel.wat);
    let (arg, native) = (kernel.arg, kernel.native);
    let native: Op = Box::new(move || native(std::hint::black_box(arg)));
    let contenders = vec![
        Contender::from_op(Runner::Tarn, engines::tarn::kernel(&wasm, arg)),
        Contender::from_op(Runner::Wasmtime, engines::wasmtime::kernel(&wasm, arg)),
        Contender::from_op(Runner::Native, native),
    ];
    if let Some(expected) = kernel.expected {
        assert_eq!(
            contenders[0].check, expected,
            "{}: wrong result",
            kernel.name
        );
    }
    contenders
}

fn simd_contenders(export: &str, arg: i32, native: fn(i32) -> i64) -> Vec<Contender> {
    let wasm = simd_kernels::wasm();
    let native: Op = Box::new(move || native(std::hint::black_box(arg)));
    vec![
        Contender::from_op(
            Runner::Tarn,
            engines::tarn::kernel_export(&wasm, export, arg),
        ),
        Contender::from_op(
            Runner::Wasmtime,
            engines::wasmtime::kernel_export(&wasm, export, arg),
        ),
        Contender::from_op(Runner::Native, native),
    ]
}

fn exception_contenders(wat: &str) -> Vec<Contender> {
    let wasm = wasm(wat);
    let arg = modules::EXCEPTION_ITERATIONS;
    let contenders = vec![
        Contender::from_op(Runner::Tarn, engines::tarn::exceptions_kernel(&wasm, arg)),
        Contender::from_op(
            Runner::Wasmtime,
            engines::wasmtime::exceptions_kernel(&wasm, arg),
        ),
    ];
    assert_eq!(
        contenders[0].check, contenders[1].check,
        "the engines disagree on an exception kernel"
    );
    contenders
}

fn host_call_contenders() -> Vec<Contender> {
    let wasm = wasm(modules::HOST_CALL_WAT);
    vec![
        Contender::from_op(Runner::Tarn, engines::tarn::host_calls(&wasm, HOST_CALLS)),
        Contender::from_op(
            Runner::Wasmtime,
            engines::wasmtime::host_calls(&wasm, HOST_CALLS),
        ),
    ]
}

fn instantiation_contenders() -> Vec<Contender> {
    let wasm = wasm(modules::INSTANTIATE_WAT);
    let (tarn_probe, tarn_op) = engines::tarn::instantiation(&wasm);
    let (wasmtime_probe, wasmtime_op) = engines::wasmtime::instantiation(&wasm);
    assert_eq!(tarn_probe, i64::from(modules::INSTANTIATE_PROBE));
    vec![
        Contender::with_check(Runner::Tarn, tarn_probe, tarn_op),
        Contender::with_check(Runner::Wasmtime, wasmtime_probe, wasmtime_op),
    ]
}

/// Instantiation of `wat`'s module, checked against its `probe` result.
fn probed_instantiation_contenders(wat: &str, probe: i32) -> Vec<Contender> {
    let wasm = wasm(wat);
    let (tarn_probe, tarn_op) = engines::tarn::instantiation(&wasm);
    let (wasmtime_probe, wasmtime_op) = engines::wasmtime::instantiation(&wasm);
    assert_eq!(tarn_probe, i64::from(probe), "tarn's probe");
    vec![
        Contender::with_check(Runner::Tarn, tarn_probe, tarn_op),
        Contender::with_check(Runner::Wasmtime, wasmtime_probe, wasmtime_op),
    ]
}

/// Instantiation of `wat`'s module with each engine's pooling allocator.
fn pooled_contenders(wat: &str, probe: i32) -> Vec<Contender> {
    let wasm = wasm(wat);
    let (tarn_probe, tarn_op) = engines::tarn::pooled_instantiation(&wasm);
    let (wasmtime_probe, wasmtime_op) = engines::wasmtime::pooled_instantiation(&wasm);
    assert_eq!(tarn_probe, i64::from(probe), "tarn's probe");
    vec![
        Contender::with_check(Runner::Tarn, tarn_probe, tarn_op),
        Contender::with_check(Runner::Wasmtime, wasmtime_probe, wasmtime_op),
    ]
}

fn instantiation_and_call_contenders() -> Vec<Contender> {
    let wasm = wasm(modules::INSTANTIATE_WAT);
    vec![
        Contender::from_op(Runner::Tarn, engines::tarn::instantiation_and_call(&wasm)),
        Contender::from_op(
            Runner::Wasmtime,
            engines::wasmtime::instantiation_and_call(&wasm),
        ),
    ]
}

fn compilation_contenders() -> Vec<Contender> {
    let wasm = wasm(&modules::compile_wat(modules::COMPILE_FUNCTIONS));
    let (tarn_check, tarn_op) = engines::tarn::compilation(&wasm, COMPILE_CHECK_ARG);
    let (wasmtime_check, wasmtime_op) = engines::wasmtime::compilation(&wasm, COMPILE_CHECK_ARG);
    vec![
        Contender::with_check(Runner::Tarn, tarn_check, tarn_op),
        Contender::with_check(Runner::Wasmtime, wasmtime_check, wasmtime_op),
    ]
}

fn wasi_start_contenders() -> Vec<Contender> {
    let wasm = wasi::hello_wasm();
    vec![
        Contender::from_op(Runner::Tarn, engines::tarn::wasi_start(&wasm)),
        Contender::from_op(Runner::Wasmtime, engines::wasmtime::wasi_start(&wasm)),
    ]
}

fn small_writes_contenders() -> Vec<Contender> {
    wasi_export_contenders("write_many", Some(wasi::SMALL_WRITES as i32))
}

fn big_read_contenders() -> Vec<Contender> {
    wasi_export_contenders("read_all", None)
}

/// Each engine runs the export in its own scratch directory.
fn wasi_export_contenders(name: &str, arg: Option<i32>) -> Vec<Contender> {
    let wasm = wasm(wasi::IO_WAT);
    let tarn_dir = wasi::scratch_dir("tarn");
    let wasmtime_dir = wasi::scratch_dir("wasmtime");
    vec![
        Contender::from_op(
            Runner::Tarn,
            engines::tarn::wasi_export(&wasm, &tarn_dir, name, arg),
        ),
        Contender::from_op(
            Runner::Wasmtime,
            engines::wasmtime::wasi_export(&wasm, &wasmtime_dir, name, arg),
        ),
    ]
}

/// Both engines get the same binary, so neither is timed parsing text.
fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("benchmark WAT parses")
}

fn settings_from_env() -> Settings {
    Settings {
        samples: env_number("TARN_BENCH_SAMPLES", 21) as usize,
        sample_time: Duration::from_millis(env_number("TARN_BENCH_SAMPLE_MS", 100)),
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |value| {
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, got {value:?}"))
    })
}

/// The first argument that is not a flag (`cargo bench` passes `--bench`).
fn filter_from_args() -> Option<String> {
    std::env::args().skip(1).find(|arg| !arg.starts_with('-'))
}

/// The core count and load average, so a reader can judge how noisy the run was.
fn machine_load() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_string());
    format!("{cores} cores, load average {load}")
}

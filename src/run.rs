//! `tarn run`: run a WASI program (its `_start`, with arguments, environment variables
//! and directories from the command line), or call one export with typed arguments and
//! print its results, as `wasmtime run` does.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use tarn::{CompilationStrategy, Config, Engine, Error, Extern, Linker, Store, Val, ValType};
use tarn_wasi::{DirPerms, FilePerms, I32Exit, WasiCtx};

const HELP: &str = "\
Usage: tarn run [OPTIONS] FILE [ARGS...]

Instantiates FILE (.wasm or .wat) with WASI preview1 and runs it. A WASI command's
`_start` runs with ARGS as argv[1..] (argv[0] is FILE); its exit status becomes tarn's.
With --invoke, the export NAME is called with ARGS parsed by its parameter types, and
its results are printed one per line. Options go before FILE (`--invoke NAME` may also
directly follow it); everything after FILE is passed to the program.

Options:
  --dir HOST[::GUEST]  Give the program the host directory HOST as GUEST (default: the
                       same path); repeatable. Nothing outside it can be reached.
  --env NAME=VALUE     Set an environment variable; `--env NAME` passes the host's
                       value. Repeatable; nothing else is inherited.
  --invoke NAME        Call the export NAME instead of `_start`
  --fuel N             Give the store N units of fuel; running out traps
  --timeout MS         Interrupt wasm after MS milliseconds (epoch interruption)
  --compile=lazy|eager When to compile functions: each on its first call, the rest in
                       the background (lazy, the default), or all before running (eager)
  --trap-unknown-imports
                       Define every function import the linker does not know (WASI
                       is known) as a function that traps naming the import
  --allow-precompiled  Accept an artifact of `tarn compile` as FILE; its machine code
                       runs unchecked, so only use artifacts you trust
  -h, --help           Print this message
";

const HELP_TAIL: &str = "
A trap prints its message and wasm backtrace to stderr and exits with status 1.";

fn help() -> String {
    format!("{HELP}{}\n{HELP_TAIL}", crate::wasm_flags::help())
}

struct Options {
    file: String,
    invoke: Option<String>,
    fuel: Option<u64>,
    timeout: Option<Duration>,
    allow_precompiled: bool,
    compilation: CompilationStrategy,
    trap_unknown_imports: bool,
    dirs: Vec<(String, String)>,
    envs: Vec<(String, String)>,
    /// `-W` values, applied in order.
    wasm_flags: Vec<String>,
    args: Vec<String>,
}

/// How a run ended.
enum Outcome {
    /// An export returned these results (none for `_start`).
    Returned(Vec<Val>),
    /// The program called `proc_exit`.
    Exited(i32),
}

/// Runs the command with the arguments after `run`.
pub(crate) fn main(args: &[String]) -> ExitCode {
    let options = match crate::options_or_exit(parse_options(args), &help()) {
        Ok(options) => options,
        Err(code) => return code,
    };
    match run(&options) {
        Ok(Outcome::Returned(results)) => {
            for result in results {
                println!("{}", format_val(&result));
            }
            ExitCode::SUCCESS
        }
        Ok(Outcome::Exited(status)) => exit_code(status),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The process exit code for a guest's `proc_exit` status: its low eight bits, as a
/// POSIX shell reports them.
fn exit_code(status: i32) -> ExitCode {
    ExitCode::from(status as u8)
}

fn parse_options(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options {
        file: String::new(),
        invoke: None,
        fuel: None,
        timeout: None,
        allow_precompiled: false,
        compilation: DEFAULT_COMPILATION,
        trap_unknown_imports: false,
        dirs: Vec::new(),
        envs: Vec::new(),
        wasm_flags: Vec::new(),
        args: Vec::new(),
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if !options.file.is_empty() {
            // `FILE --invoke NAME ARGS...` is accepted too, as the first thing after FILE.
            if arg == "--invoke" && options.args.is_empty() && options.invoke.is_none() {
                let name = iter.next().ok_or("--invoke needs a value")?;
                options.invoke = Some(name.clone());
            } else {
                options.args.push(arg.clone());
            }
            continue;
        }
        let mut value = |name: &str| {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--invoke" => options.invoke = Some(value("--invoke")?),
            "--allow-precompiled" => options.allow_precompiled = true,
            "--trap-unknown-imports" => options.trap_unknown_imports = true,
            "--compile" => options.compilation = compilation(&value("--compile")?)?,
            flag if flag.starts_with("--compile=") => {
                options.compilation = compilation(&flag["--compile=".len()..])?;
            }
            "-W" => options.wasm_flags.push(value("-W")?),
            "--fuel" => {
                let fuel = value("--fuel")?;
                options.fuel = Some(fuel.parse().map_err(|_| format!("bad --fuel `{fuel}`"))?);
            }
            "--timeout" => {
                let ms = value("--timeout")?;
                let ms = ms.parse().map_err(|_| format!("bad --timeout `{ms}`"))?;
                options.timeout = Some(Duration::from_millis(ms));
            }
            "--dir" => {
                let dir = value("--dir")?;
                let (host, guest) = dir.split_once("::").unwrap_or((&dir, &dir));
                if host.is_empty() || guest.is_empty() {
                    return Err(format!("bad --dir `{dir}`: expected HOST or HOST::GUEST"));
                }
                options.dirs.push((host.to_owned(), guest.to_owned()));
            }
            "--env" => {
                let env = value("--env")?;
                let (name, value) = match env.split_once('=') {
                    Some((name, value)) => (name.to_owned(), value.to_owned()),
                    None => {
                        let value = std::env::var(&env)
                            .map_err(|_| format!("--env {env}: the host has no such variable"))?;
                        (env.clone(), value)
                    }
                };
                if name.is_empty() {
                    return Err(format!("bad --env `{env}`: expected NAME=VALUE or NAME"));
                }
                options.envs.push((name, value));
            }
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(format!("unknown option `{flag}`"));
            }
            _ => options.file = arg.clone(),
        }
    }
    if options.file.is_empty() {
        return Err("no FILE given".into());
    }
    Ok(Some(options))
}

/// The CLI compiles lazily by default: a large module (esbuild's 14 MB) answers in a
/// fraction of a second instead of seconds, and a small one hardly compiles more slowly,
/// since what runs at once compiles at once and the rest in the background (measured in
/// `benches/README.md`, "Lazy compilation").
const DEFAULT_COMPILATION: CompilationStrategy = CompilationStrategy::Lazy;

fn compilation(value: &str) -> Result<CompilationStrategy, String> {
    match value {
        "lazy" => Ok(CompilationStrategy::Lazy),
        "eager" => Ok(CompilationStrategy::Eager),
        other => Err(format!("bad --compile `{other}`: expected lazy or eager")),
    }
}

/// The program's WASI context: its arguments, environment, stdio and directories.
fn wasi_context(options: &Options) -> Result<WasiCtx, Error> {
    let mut builder = WasiCtx::builder();
    builder
        .arg(&options.file)
        .args(&options.args)
        .envs(&options.envs)
        .inherit_stdio();
    for (host, guest) in &options.dirs {
        builder.preopened_dir(host, guest, DirPerms::all(), FilePerms::all())?;
    }
    Ok(builder.build())
}

fn run(options: &Options) -> Result<Outcome, Error> {
    let mut config = Config::new();
    config.compilation_strategy(options.compilation);
    config.consume_fuel(options.fuel.is_some());
    config.epoch_interruption(options.timeout.is_some());
    for flag in &options.wasm_flags {
        crate::wasm_flags::apply(&mut config, flag).map_err(Error::msg)?;
    }
    let engine = Engine::new(&config)?;
    let module = crate::precompiled::load_module(
        &engine,
        Path::new(&options.file),
        options.allow_precompiled,
    )?;
    let mut store = Store::new(&engine, wasi_context(options)?);
    if let Some(fuel) = options.fuel {
        store.set_fuel(fuel)?;
    }
    if let Some(timeout) = options.timeout {
        store.set_epoch_deadline(1);
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            engine.increment_epoch();
        });
    }
    let mut linker = Linker::new(&engine);
    tarn_wasi::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi)?;
    if options.trap_unknown_imports {
        linker.define_unknown_imports_as_traps(&module)?;
    }
    let instance = match linker.instantiate(&mut store, &module) {
        Err(error) if error.is::<I32Exit>() => return exited(error),
        other => other?,
    };
    let name = match &options.invoke {
        Some(name) => name.as_str(),
        None if module.get_export("_start").is_some() => {
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            return match start.call(&mut store, ()) {
                Ok(()) => Ok(Outcome::Exited(0)),
                Err(error) if error.is::<I32Exit>() => exited(error),
                Err(error) => Err(error),
            };
        }
        None if options.args.is_empty() => return Ok(Outcome::Returned(Vec::new())),
        None => {
            return Err(Error::msg(
                "arguments given but no function to call: use --invoke NAME",
            ));
        }
    };
    let Some(Extern::Func(func)) = instance.get_export(&mut store, name) else {
        return Err(Error::msg(format!("no exported function named `{name}`")));
    };
    let ty = func.ty(&store);
    if ty.params().len() != options.args.len() {
        return Err(Error::msg(format!(
            "`{name}` takes {} arguments {ty}, {} given",
            ty.params().len(),
            options.args.len()
        )));
    }
    let params = ty
        .params()
        .iter()
        .zip(&options.args)
        .map(|(ty, arg)| parse_val(ty, arg))
        .collect::<Result<Vec<_>, _>>()?;
    let mut results: Vec<Val> = ty.results().iter().map(Val::default_for).collect();
    match func.call(&mut store, &params, &mut results) {
        Ok(()) => Ok(Outcome::Returned(results)),
        Err(error) if error.is::<I32Exit>() => exited(error),
        Err(error) => Err(error),
    }
}

fn exited(error: Error) -> Result<Outcome, Error> {
    let exit = error.downcast::<I32Exit>()?;
    Ok(Outcome::Exited(exit.0))
}

fn parse_val(ty: &ValType, arg: &str) -> Result<Val, Error> {
    let bad = || Error::msg(format!("cannot parse `{arg}` as {ty}"));
    Ok(match ty {
        ValType::I32 => Val::I32(
            arg.parse::<i32>()
                .or_else(|_| arg.parse::<u32>().map(|v| v as i32))
                .map_err(|_| bad())?,
        ),
        ValType::I64 => Val::I64(
            arg.parse::<i64>()
                .or_else(|_| arg.parse::<u64>().map(|v| v as i64))
                .map_err(|_| bad())?,
        ),
        ValType::F32 => Val::from(arg.parse::<f32>().map_err(|_| bad())?),
        ValType::F64 => Val::from(arg.parse::<f64>().map_err(|_| bad())?),
        ValType::V128 => Val::V128(parse_v128(arg).ok_or_else(bad)?),
        ValType::Ref(_) => {
            return Err(Error::msg(format!(
                "parameters of type {ty} cannot be given on the command line"
            )));
        }
    })
}

/// A `v128` argument: `0x` and up to 32 hex digits (lane 0 in the low digits), or a
/// decimal number.
fn parse_v128(arg: &str) -> Option<u128> {
    match arg.strip_prefix("0x").or_else(|| arg.strip_prefix("0X")) {
        Some(hex) => u128::from_str_radix(&hex.replace('_', ""), 16).ok(),
        None => arg.parse::<u128>().ok(),
    }
}

fn format_val(val: &Val) -> String {
    match val {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(v) => format!("{v:#034x}"),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) => "null".into(),
        Val::FuncRef(Some(_)) => "funcref".into(),
        Val::ExternRef(Some(_)) => "externref".into(),
        Val::ExnRef(Some(_)) => "exnref".into(),
    }
}

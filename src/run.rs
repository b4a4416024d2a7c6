//! `tarn run`: instantiate a module and call one of its exports with arguments from the
//! command line, printing the results one per line.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use tarn::{Config, Engine, Error, Extern, Linker, Module, Store, Val, ValType};

const HELP: &str = "\
Usage: tarn run [OPTIONS] FILE [ARGS...]

Instantiates FILE (.wasm or .wat) and calls an export with ARGS, parsed by the export's
parameter types. Results are printed one per line. Without --invoke, the export `_start`
is called if there is one (otherwise only the start function runs).

Options:
  --invoke NAME     Call the export NAME
  --fuel N          Give the store N units of fuel; running out traps
  --timeout MS      Interrupt wasm after MS milliseconds (epoch interruption)
  -h, --help        Print this message

A trap prints its message and wasm backtrace to stderr and exits with status 1.";

struct Options {
    file: String,
    invoke: Option<String>,
    fuel: Option<u64>,
    timeout: Option<Duration>,
    args: Vec<String>,
}

/// Runs the command with the arguments after `run`.
pub(crate) fn main(args: &[String]) -> ExitCode {
    let options = match parse_options(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(results) => {
            for result in results {
                println!("{}", format_val(&result));
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse_options(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options {
        file: String::new(),
        invoke: None,
        fuel: None,
        timeout: None,
        args: Vec::new(),
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--invoke" => options.invoke = Some(value("--invoke")?),
            "--fuel" => {
                let fuel = value("--fuel")?;
                options.fuel = Some(fuel.parse().map_err(|_| format!("bad --fuel `{fuel}`"))?);
            }
            "--timeout" => {
                let ms = value("--timeout")?;
                let ms = ms.parse().map_err(|_| format!("bad --timeout `{ms}`"))?;
                options.timeout = Some(Duration::from_millis(ms));
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ if options.file.is_empty() => options.file = arg.clone(),
            _ => options.args.push(arg.clone()),
        }
    }
    if options.file.is_empty() {
        return Err("no FILE given".into());
    }
    Ok(Some(options))
}

fn run(options: &Options) -> Result<Vec<Val>, Error> {
    let wasm = crate::input::read_module(Path::new(&options.file)).map_err(Error::msg)?;
    let mut config = Config::new();
    config.consume_fuel(options.fuel.is_some());
    config.epoch_interruption(options.timeout.is_some());
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, &wasm)?;
    let mut store = Store::new(&engine, ());
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
    let linker = Linker::new(&engine);
    let instance = linker.instantiate(&mut store, &module)?;
    let name = match &options.invoke {
        Some(name) => name.as_str(),
        None if module.get_export("_start").is_some() => "_start",
        None if options.args.is_empty() => return Ok(Vec::new()),
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
        .map(|(ty, arg)| parse_val(*ty, arg))
        .collect::<Result<Vec<_>, _>>()?;
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    func.call(&mut store, &params, &mut results)?;
    Ok(results)
}

fn parse_val(ty: ValType, arg: &str) -> Result<Val, Error> {
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
        ValType::V128 | ValType::FuncRef | ValType::ExternRef => {
            return Err(Error::msg(format!(
                "parameters of type {ty} cannot be given on the command line"
            )));
        }
    })
}

fn format_val(val: &Val) -> String {
    match val {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(v) => format!("{v:#034x}"),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".into(),
        Val::FuncRef(Some(_)) => "funcref".into(),
        Val::ExternRef(Some(_)) => "externref".into(),
    }
}

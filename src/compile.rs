//! `tarn compile`: compile a module ahead of time into an artifact that
//! `tarn run --allow-precompiled` loads without compiling, as `wasmtime compile` does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tarn::{Config, Engine};

const HELP: &str = "\
Usage: tarn compile [OPTIONS] FILE

Compiles FILE (.wasm or .wat) for this host and writes the artifact to OUT (default:
FILE with the extension .cwasm). Only a Tarn of the same version, on the same target,
with the same settings loads it: pass `tarn run` the same -W flags, and
--consume-fuel or --epoch-interruption exactly when it gets --fuel or --timeout.

Options:
  -o OUT                  Where to write the artifact
  --consume-fuel          Compile for runs with --fuel
  --epoch-interruption    Compile for runs with --timeout
  -h, --help              Print this message
";

struct Options {
    file: PathBuf,
    output: Option<PathBuf>,
    fuel: bool,
    epochs: bool,
    wasm_flags: Vec<String>,
}

/// Runs the command with the arguments after `compile`.
pub(crate) fn main(args: &[String]) -> ExitCode {
    let help = format!("{HELP}{}", crate::wasm_flags::help());
    let options = match crate::options_or_exit(parse_options(args), &help) {
        Ok(options) => options,
        Err(code) => return code,
    };
    match compile(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_options(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options {
        file: PathBuf::new(),
        output: None,
        fuel: false,
        epochs: false,
        wasm_flags: Vec::new(),
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
            "-o" => options.output = Some(PathBuf::from(value("-o")?)),
            "-W" => options.wasm_flags.push(value("-W")?),
            "--consume-fuel" => options.fuel = true,
            "--epoch-interruption" => options.epochs = true,
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(format!("unknown option `{flag}`"));
            }
            file if options.file.as_os_str().is_empty() => options.file = PathBuf::from(file),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    if options.file.as_os_str().is_empty() {
        return Err("no FILE given".into());
    }
    Ok(Some(options))
}

fn compile(options: &Options) -> Result<(), String> {
    let wasm = crate::input::read_module(&options.file)?;
    let mut config = Config::new();
    config.consume_fuel(options.fuel);
    config.epoch_interruption(options.epochs);
    for flag in &options.wasm_flags {
        crate::wasm_flags::apply(&mut config, flag)?;
    }
    let engine = Engine::new(&config).map_err(|e| e.to_string())?;
    let artifact = engine
        .precompile_module(&wasm)
        .map_err(|e| format!("{}: {e}", options.file.display()))?;
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| default_output(&options.file));
    std::fs::write(&output, artifact).map_err(|e| format!("{}: {e}", output.display()))
}

/// `FILE` with its extension replaced by `.cwasm`.
fn default_output(file: &Path) -> PathBuf {
    file.with_extension("cwasm")
}

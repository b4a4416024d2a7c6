//! The `tarn` command: inspect WebAssembly modules (and, as the runtime grows, run them
//! and their test scripts).
#![deny(unsafe_code)]

mod compile;
mod input;
mod inspect;
mod precompiled;
mod run;
mod wasm_flags;
mod wast;

use std::process::ExitCode;

const USAGE: &str = "\
tarn: a WebAssembly runtime

Usage: tarn <COMMAND> [ARGS...]

Commands:
  run FILE       Run a module's export with arguments from the command line
  compile FILE   Compile a module ahead of time into a .cwasm artifact
  wast FILE...   Run .wast test scripts and report per-file counts
  inspect FILE   Print a module's entities, segments and VMContext layout
  help           Print this message

Run `tarn <COMMAND> --help` for a command's options.";

/// A command's parsed options, or the exit code after printing help (`Ok(None)` from the
/// parser: `--help` was asked for) or a usage error with the help: the same for every
/// command.
fn options_or_exit<O>(parsed: Result<Option<O>, String>, help: &str) -> Result<O, ExitCode> {
    match parsed {
        Ok(Some(options)) => Ok(options),
        Ok(None) => {
            println!("{help}");
            Err(ExitCode::SUCCESS)
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{help}");
            Err(ExitCode::from(2))
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "run" => run::main(rest),
        "compile" => compile::main(rest),
        "wast" => wast::main(rest),
        "inspect" => inspect::main(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("error: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

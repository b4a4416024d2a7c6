//! `tarn wast`: run `.wast` test scripts and print each file's counts.

use std::process::ExitCode;

const HELP: &str = "\
Usage: tarn wast [-W NAME[=y|n]]... FILE...

Runs each .wast script with a fresh store and `spectest` module, prints its passed and
failed directive counts and every failure, and exits with status 1 if any directive failed.
Every proposal Tarn implements is on unless switched off with -W.

Options:";

fn help() -> String {
    format!("{HELP}\n{}", crate::wasm_flags::help())
}

/// Runs the command with the arguments after `wast`.
pub(crate) fn main(args: &[String]) -> ExitCode {
    if args.is_empty() {
        eprintln!("{}", help());
        return ExitCode::from(2);
    }
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{}", help());
        return ExitCode::SUCCESS;
    }
    let mut config = tarn::Config::new();
    let mut files = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-W" {
            let applied = iter
                .next()
                .ok_or_else(|| "-W needs a value".to_owned())
                .and_then(|spec| crate::wasm_flags::apply(&mut config, spec));
            if let Err(message) = applied {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        } else {
            files.push(arg);
        }
    }
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let source = match std::fs::read_to_string(file) {
            Ok(source) => source,
            Err(e) => {
                eprintln!("error: {file}: {e}");
                failed += 1;
                continue;
            }
        };
        let report = tarn_wast::run_script(file, &source, &config);
        for failure in &report.failures {
            println!("FAILED {failure}");
        }
        println!("{file}: {} passed, {} failed", report.passed, report.failed);
        passed += report.passed;
        failed += report.failed;
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

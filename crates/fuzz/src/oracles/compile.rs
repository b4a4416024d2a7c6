//! The determinism oracle: compiling the same module twice gives the same machine code
//! and the same metadata (trap sites, address map, relocations, translated module).
//! Non-determinism here would make trap lookups and any future code cache unreliable.

use std::sync::OnceLock;

use arbitrary::Unstructured;
use environ::{Features, Tunables};
use jit::{CompiledModule, Compiler, OptLevel};

use crate::generators::{self, FUZZ_FEATURES};

use super::Verdict;

/// Compiles one generated module twice with a compiler the input picks.
///
/// # Panics
///
/// If a valid module fails to compile, or the two compilations differ.
pub fn compile(data: &[u8]) -> Verdict {
    let mut u = Unstructured::new(data);
    let Ok(wasm) = module(&mut u) else {
        return Verdict::Skipped("not enough bytes for a module");
    };
    let index = u.choose_index(compilers().len()).unwrap_or(0);
    compile_twice(&wasm, index)
}

/// The module [`compile`] generates from the front of `u`.
pub(super) fn module(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let config = generators::module_config(u, FUZZ_FEATURES)?;
    generators::module(u, config)
}

/// Compiles `wasm` twice with compiler `index` (0: the defaults, 1: explicit checks,
/// fuel, no optimisation) and compares the two results.
///
/// # Panics
///
/// As [`compile`], and if `index` names no compiler.
pub fn compile_twice(wasm: &[u8], index: usize) -> Verdict {
    let compiler = &compilers()[index];
    let first = compile_once(compiler, wasm);
    let second = compile_once(compiler, wasm);
    assert!(
        first.text == second.text,
        "compiler {index}: two compilations gave different code"
    );
    assert_eq!(
        first.info, second.info,
        "compiler {index}: two compilations gave different metadata"
    );
    assert_eq!(
        ordered_fields(&first.module),
        ordered_fields(&second.module),
        "compiler {index}: two translations differ"
    );
    assert!(
        first.module.names.functions == second.module.names.functions,
        "compiler {index}: two translations name functions differently"
    );
    Verdict::Checked
}

/// The translated module's ordered fields in `Debug` form. `environ::Module` has no
/// `PartialEq`, and its hash maps print in a different order each time, so those are
/// compared separately.
fn ordered_fields(module: &environ::Module) -> String {
    format!(
        "{:?} {:?}",
        (
            &module.types,
            &module.imports,
            &module.exports,
            &module.functions,
            &module.tables,
            &module.memories,
            &module.globals,
            &module.global_inits,
        ),
        (
            &module.start,
            &module.elements,
            &module.data,
            &module.data_bytes,
            module.num_escaped_funcs,
        )
    )
}

fn compile_once(compiler: &Compiler, wasm: &[u8]) -> CompiledModule {
    let translation = environ::translate_module(wasm, Features::default())
        .unwrap_or_else(|e| panic!("a valid module failed to translate: {e}"));
    compiler
        .compile_module(translation)
        .unwrap_or_else(|e| panic!("a valid module failed to compile: {e}"))
}

/// Compilers for the code shapes that differ most: the defaults, and explicit bounds
/// checks with fuel metering and no optimisation.
fn compilers() -> &'static [Compiler] {
    static COMPILERS: OnceLock<Vec<Compiler>> = OnceLock::new();
    COMPILERS.get_or_init(|| {
        let default = Tunables::default_for_host();
        let mut explicit = Tunables::default_for_host();
        explicit.signals_based_traps = false;
        explicit.consume_fuel = true;
        explicit.memory_reservation = 4 << 16;
        explicit.memory_guard_size = 0;
        explicit.memory_may_move = true;
        [(default, OptLevel::Speed), (explicit, OptLevel::None)]
            .into_iter()
            .map(|(tunables, opt)| {
                Compiler::new(tunables, opt).expect("Cranelift supports the host")
            })
            .collect()
    })
}

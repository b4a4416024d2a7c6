//! `run_script`: executes every directive of one script against a fresh store, linker and
//! `spectest` module, and counts what passed and what failed.

use std::collections::HashMap;

use tarn::{
    CompileError, Config, Engine, Error, Extern, Instance, Linker, Module, Store, Trap, TrapCode,
    Val,
};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, Wat};

/// The outcome of one script.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Directives that behaved as the script says.
    pub passed: usize,
    /// Directives that did not.
    pub failed: usize,
    /// One line per failed directive: `line:column: what went wrong`.
    pub failures: Vec<String>,
}

/// Parses and runs `source` (named `name` in messages) with an engine built from `config`.
///
/// A script that cannot be parsed counts as one failure. Legacy exception handling's
/// folded `(try … (do …) …)` form is accepted (see `legacy_syntax`).
pub fn run_script(name: &str, source: &str, config: &Config) -> Report {
    let mut report = Report::default();
    let source = &*crate::legacy_syntax::unfold_legacy_try(source);
    let mut lexer = wast::lexer::Lexer::new(source);
    lexer.allow_confusing_unicode(true);
    let parsed = ParseBuffer::new_with_lexer(lexer).and_then(|buffer| {
        let wast = parser::parse::<Wast<'_>>(&buffer)?;
        let mut context = match WastContext::new(config) {
            Ok(context) => context,
            Err(e) => {
                report.fail(format!("{name}: cannot set up the store: {e}"));
                return Ok(());
            }
        };
        for directive in wast.directives {
            let (line, col) = directive.span().linecol_in(source);
            match context.run(directive) {
                Ok(()) => report.passed += 1,
                Err(message) => report.fail(format!("{name}:{}:{}: {message}", line + 1, col + 1)),
            }
        }
        Ok(())
    });
    if let Err(mut e) = parsed {
        e.set_text(source);
        report.fail(format!("{name}: cannot parse: {e}"));
    }
    report
}

impl Report {
    fn fail(&mut self, message: String) {
        self.failed += 1;
        self.failures.push(message);
    }
}

/// The state one script runs in.
struct WastContext {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    /// The most recent module: its instance, or why it has none. Directives after a
    /// module that failed refer to that failure, never to an older instance.
    current: Option<Result<Instance, String>>,
    /// Modules named with `$id`, likewise.
    named: HashMap<String, Result<Instance, String>>,
    /// Modules compiled by `module definition`, by name, and the most recent one; a
    /// later `module instance` instantiates them.
    definitions: HashMap<String, Result<Module, String>>,
    last_definition: Option<Result<Module, String>>,
    /// Names whose `register` failed, and why, so later link errors can say.
    failed_registrations: HashMap<String, String>,
}

/// What executing an action produced.
enum Outcome {
    Values(Vec<Val>),
    Trapped(Error),
}

impl WastContext {
    fn new(config: &Config) -> Result<Self, Error> {
        let engine = Engine::new(config)?;
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker.allow_shadowing(true);
        crate::spectest::link_spectest(&mut linker, &mut store)?;
        Ok(Self {
            engine,
            store,
            linker,
            current: None,
            named: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            failed_registrations: HashMap::new(),
        })
    }

    fn run(&mut self, directive: WastDirective<'_>) -> Result<(), String> {
        match directive {
            WastDirective::Module(mut quote) => {
                let name = module_name(&quote);
                let instance = quote
                    .encode()
                    .map_err(|e| format!("the text format encoder rejected the module: {e}"))
                    .and_then(|wasm| {
                        self.instantiate(&wasm)
                            .map_err(|e| format!("instantiation failed: {e}"))
                    });
                self.current = Some(instance.clone());
                if let Some(name) = name {
                    self.named.insert(name, instance.clone());
                }
                instance.map(drop)
            }
            WastDirective::ModuleDefinition(mut quote) => {
                let name = module_name(&quote);
                let module = quote
                    .encode()
                    .map_err(|e| format!("the text format encoder rejected the module: {e}"))
                    .and_then(|wasm| {
                        Module::from_binary(&self.engine, &wasm)
                            .map_err(|e| format!("compilation failed: {e}"))
                    });
                self.last_definition = Some(module.clone());
                if let Some(name) = name {
                    self.definitions.insert(name, module.clone());
                }
                module.map(drop)
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let definition = match module {
                    Some(id) => self
                        .definitions
                        .get(id.name())
                        .ok_or_else(|| format!("no module definition named {}", id.name()))?,
                    None => self
                        .last_definition
                        .as_ref()
                        .ok_or_else(|| "no module defined yet".to_string())?,
                };
                let instance_result = definition
                    .clone()
                    .map_err(|why| format!("the module definition failed: {why}"))
                    .and_then(|module| {
                        self.linker
                            .instantiate(&mut self.store, &module)
                            .map_err(|e| format!("instantiation failed: {e}"))
                    });
                self.current = Some(instance_result.clone());
                if let Some(id) = instance {
                    self.named
                        .insert(id.name().to_string(), instance_result.clone());
                }
                instance_result.map(drop)
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self
                    .instance(module.map(|id| id.name()))
                    .inspect_err(|why| {
                        self.failed_registrations
                            .insert(name.to_owned(), why.clone());
                    })?;
                self.linker
                    .instance(&mut self.store, name, instance)
                    .map(drop)
                    .map_err(|e| format!("cannot register {name}: {e}"))
            }
            WastDirective::Invoke(invoke) => match self.invoke(invoke)? {
                Outcome::Values(_) => Ok(()),
                Outcome::Trapped(e) => Err(format!("unexpected trap: {e}")),
            },
            WastDirective::AssertReturn { exec, results, .. } => match self.execute(exec)? {
                Outcome::Values(values) => self.check_results(&values, &results),
                Outcome::Trapped(e) => Err(format!("expected values, got trap: {e}")),
            },
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec)? {
                Outcome::Values(values) => {
                    Err(format!("expected trap `{message}`, got {values:?}"))
                }
                Outcome::Trapped(e) => expect_trap(&e, message),
            },
            WastDirective::AssertException { exec, .. } => match self.execute(exec)? {
                Outcome::Values(values) => Err(format!("expected an exception, got {values:?}")),
                Outcome::Trapped(e) => match e.downcast_ref::<tarn::ThrownException>() {
                    Some(_) => Ok(()),
                    None => Err(format!("expected an exception, got: {e}")),
                },
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(call)? {
                Outcome::Values(values) => Err(format!("expected `{message}`, got {values:?}")),
                Outcome::Trapped(e) => match e.downcast_ref::<Trap>() {
                    Some(trap) if trap.code() == TrapCode::StackOverflow => Ok(()),
                    _ => Err(format!("expected stack exhaustion, got: {e}")),
                },
            },
            WastDirective::AssertInvalid {
                module, message, ..
            } => self.expect_rejected(module, message, false),
            WastDirective::AssertMalformed {
                module, message, ..
            } => self.expect_rejected(module, message, true),
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => self.expect_unlinkable(module, message),
            other => Err(format!(
                "unsupported directive `{}`",
                directive_keyword(&other)
            )),
        }
    }

    fn instantiate(&mut self, wasm: &[u8]) -> Result<Instance, String> {
        let module = Module::from_binary(&self.engine, wasm).map_err(|e| e.to_string())?;
        self.linker
            .instantiate(&mut self.store, &module)
            .map_err(|e| self.explain_link_error(e.to_string()))
    }

    /// Adds, to an error naming an import from a module name whose `register` failed,
    /// why it failed: the root cause, not only its echo.
    fn explain_link_error(&self, mut message: String) -> String {
        for (name, why) in &self.failed_registrations {
            if message.contains(&format!("`{name}::")) {
                message.push_str(&format!(" (registering `{name}` failed: {why})"));
            }
        }
        message
    }

    fn instance(&self, name: Option<&str>) -> Result<Instance, String> {
        let found = match name {
            Some(name) => self
                .named
                .get(name)
                .ok_or_else(|| format!("no module named {name}"))?,
            None => self
                .current
                .as_ref()
                .ok_or_else(|| "no module instantiated yet".to_string())?,
        };
        found
            .clone()
            .map_err(|why| format!("the module this refers to has no instance: {why}"))
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Outcome, String> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(invoke),
            WastExecute::Wat(mut wat) => {
                let wasm = wat
                    .encode()
                    .map_err(|e| format!("the text format encoder rejected the module: {e}"))?;
                let module = Module::from_binary(&self.engine, &wasm)
                    .map_err(|e| format!("compilation failed: {e}"))?;
                match self.linker.instantiate(&mut self.store, &module) {
                    Ok(_) => Ok(Outcome::Values(Vec::new())),
                    Err(e) if e.is::<Trap>() => Ok(Outcome::Trapped(e)),
                    Err(e) => Err(format!("instantiation failed without a trap: {e}")),
                }
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module.map(|id| id.name()))?;
                match instance.get_export(&mut self.store, global) {
                    Some(Extern::Global(g)) => Ok(Outcome::Values(vec![g.get(&mut self.store)])),
                    _ => Err(format!("no global export {global}")),
                }
            }
        }
    }

    fn invoke(&mut self, invoke: WastInvoke<'_>) -> Result<Outcome, String> {
        let instance = self.instance(invoke.module.map(|id| id.name()))?;
        let Some(Extern::Func(func)) = instance.get_export(&mut self.store, invoke.name) else {
            return Err(format!("no function export {}", invoke.name));
        };
        let args = invoke
            .args
            .iter()
            .map(|arg| crate::values::arg_to_val(&mut self.store, arg))
            .collect::<Result<Vec<_>, _>>()?;
        let ty = func.ty(&self.store);
        let mut results = vec![Val::I32(0); ty.results().len()];
        match func.call(&mut self.store, &args, &mut results) {
            Ok(()) => Ok(Outcome::Values(results)),
            Err(e) if e.is::<Trap>() || e.is::<tarn::ThrownException>() => Ok(Outcome::Trapped(e)),
            Err(e) => Err(format!("call failed: {e}")),
        }
    }

    fn check_results(&self, values: &[Val], expected: &[wast::WastRet<'_>]) -> Result<(), String> {
        if values.len() != expected.len() {
            return Err(format!(
                "expected {} results, got {values:?}",
                expected.len()
            ));
        }
        for (actual, expected) in values.iter().zip(expected) {
            crate::values::match_result(&self.store, actual, expected)?;
        }
        Ok(())
    }

    /// `assert_invalid` and `assert_malformed`: Tarn's validation must reject the module
    /// as invalid or malformed. An `Unsupported` rejection does not count (it says nothing
    /// about validity), and neither does text the `wast` crate cannot encode, except a
    /// quoted module under `assert_malformed`, whose text is what is malformed.
    fn expect_rejected(
        &mut self,
        mut module: QuoteWat<'_>,
        message: &str,
        malformed: bool,
    ) -> Result<(), String> {
        let quoted = matches!(module, QuoteWat::QuoteModule(..));
        let wasm = match module.encode() {
            Ok(wasm) => wasm,
            Err(_) if malformed && quoted => return Ok(()),
            Err(e) => {
                return Err(format!(
                    "the text format encoder rejected the module, so Tarn never saw it \
                     (expected `{message}`): {e}"
                ));
            }
        };
        match Module::validate(&self.engine, &wasm) {
            Ok(()) => Err(format!("module was accepted; expected `{message}`")),
            Err(e) => match e.downcast_ref::<CompileError>() {
                Some(CompileError::Invalid { .. }) => Ok(()),
                _ => Err(format!("expected `{message}`, got another error: {e}")),
            },
        }
    }

    fn expect_unlinkable(&mut self, mut module: Wat<'_>, message: &str) -> Result<(), String> {
        let wasm = module
            .encode()
            .map_err(|e| format!("the text format encoder rejected the module: {e}"))?;
        let module = Module::from_binary(&self.engine, &wasm)
            .map_err(|e| format!("compilation failed: {e}"))?;
        match self.linker.instantiate(&mut self.store, &module) {
            Ok(_) => Err(format!("module linked; expected `{message}`")),
            Err(e) if e.is::<Trap>() => Err(format!("expected a link error, got trap: {e}")),
            Err(_) => Ok(()),
        }
    }
}

/// A trap passes when its message and the expected one agree on their common prefix: the
/// spec's messages are sometimes shorter ("undefined element") or longer than ours.
fn expect_trap(error: &Error, expected: &str) -> Result<(), String> {
    let Some(trap) = error.downcast_ref::<Trap>() else {
        return Err(format!("expected trap `{expected}`, got error: {error}"));
    };
    let actual = trap.message();
    if actual.starts_with(expected) || expected.starts_with(actual) {
        Ok(())
    } else {
        Err(format!("expected trap `{expected}`, got `{actual}`"))
    }
}

fn module_name(quote: &QuoteWat<'_>) -> Option<String> {
    quote.name().map(|id| id.name().to_string())
}

/// The keyword a directive starts with, for messages about directives the runner does not
/// support (their `Debug` form can be thousands of lines).
fn directive_keyword(directive: &WastDirective<'_>) -> &'static str {
    match directive {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}

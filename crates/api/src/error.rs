//! `Error`, the one error type of the API (defined in `tarn-vm`, whose libcalls and
//! limiter carry it through wasm frames), and `Trap`, the error a WebAssembly trap
//! becomes. Any error a host function returns travels through wasm frames inside an
//! `Error` and comes back out of `call` unchanged, so it can be downcast again.

use core::fmt;

use environ::TrapCode;

pub use vm::Error;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// One wasm frame of a trap's backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// The function's index in its module.
    pub func_index: u32,
    /// The function's name from the name section, if it has one.
    pub func_name: Option<String>,
    /// The module's name from the name section, if it has one.
    pub module_name: Option<String>,
    /// The byte offset of the instruction in the module, if known.
    pub module_offset: Option<usize>,
}

impl fmt::Display for FrameInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let module = self.module_name.as_deref().unwrap_or("<module>");
        match &self.func_name {
            Some(name) => write!(f, "{module}!{name}")?,
            None => write!(f, "{module}!<wasm function {}>", self.func_index)?,
        }
        if let Some(offset) = self.module_offset {
            write!(f, " @ {offset:#x}")?;
        }
        Ok(())
    }
}

/// A WebAssembly trap: why execution stopped, and the wasm frames that were active,
/// innermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    code: TrapCode,
    backtrace: Vec<FrameInfo>,
}

impl Trap {
    /// A trap with the given code and backtrace.
    pub fn new(code: TrapCode, backtrace: Vec<FrameInfo>) -> Self {
        Self { code, backtrace }
    }

    /// Why execution trapped.
    pub fn code(&self) -> TrapCode {
        self.code
    }

    /// The message the spec gives this trap.
    pub fn message(&self) -> &'static str {
        self.code.message()
    }

    /// The wasm frames active when the trap happened, innermost first.
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.backtrace
    }
}

/// How many frames `Display` prints; a stack overflow can have tens of thousands, all
/// still available through [`Trap::backtrace`].
const MAX_DISPLAYED_FRAMES: usize = 32;

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.code.message())?;
        if !self.backtrace.is_empty() {
            f.write_str("\nwasm backtrace:")?;
            for (i, frame) in self.backtrace.iter().enumerate().take(MAX_DISPLAYED_FRAMES) {
                write!(f, "\n  {i:>3}: {frame}")?;
            }
            let hidden = self.backtrace.len().saturating_sub(MAX_DISPLAYED_FRAMES);
            if hidden > 0 {
                write!(f, "\n  ... {hidden} more frames")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Trap {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traps_survive_a_round_trip_through_error() {
        let error = Error::from(Trap::new(TrapCode::IntegerDivisionByZero, Vec::new()));
        assert!(error.is::<Trap>());
        let trap = error.downcast_ref::<Trap>().unwrap();
        assert_eq!(trap.code(), TrapCode::IntegerDivisionByZero);
        assert_eq!(error.to_string(), "wasm trap: integer divide by zero");
    }

    #[test]
    fn backtraces_print_names_and_offsets() {
        let frame = FrameInfo {
            func_index: 3,
            func_name: Some("fib".into()),
            module_name: None,
            module_offset: Some(0x2a),
        };
        let trap = Trap::new(TrapCode::StackOverflow, vec![frame]);
        assert_eq!(
            trap.to_string(),
            "wasm trap: call stack exhausted\nwasm backtrace:\n    0: <module>!fib @ 0x2a"
        );
    }

    #[test]
    fn other_errors_are_not_traps() {
        let error = Error::msg("host failure");
        assert!(!error.is::<Trap>());
        assert_eq!(error.to_string(), "host failure");
        assert!(error.downcast::<Trap>().is_err());
    }
}

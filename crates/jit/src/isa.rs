//! Host ISA detection and Cranelift flag settings, in one place so that every function and
//! trampoline of an engine is compiled with exactly the same flags.

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use environ::CompileError;
use environ::FuncIndex;

/// How hard Cranelift optimises.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum OptLevel {
    /// No optimisation: fastest compilation.
    None,
    /// Optimise for speed.
    #[default]
    Speed,
    /// Optimise for speed and code size.
    SpeedAndSize,
}

impl OptLevel {
    fn as_setting(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Speed => "speed",
            Self::SpeedAndSize => "speed_and_size",
        }
    }
}

/// Builds the ISA of the host with Tarn's flags.
///
/// Frame pointers are always preserved so the vm can walk wasm frames; the verifier runs
/// in debug builds (and so in tests), where a translator bug should fail loudly; every
/// prologue checks the store's stack limit including the frame's size, and inline stack
/// probes touch each page of a frame larger than a page in order as well, so that even
/// if a limit were wrong no frame could step over the guard page; and
/// results that do not fit in return registers go to a return area Cranelift adds, since
/// a multi-value function may return any number of them.
///
/// # Errors
///
/// [`CompileError::Codegen`] if the host is not supported by Cranelift.
pub(crate) fn host_isa(
    opt: OptLevel,
    isa_flags: &[(&str, &str)],
) -> Result<OwnedTargetIsa, CompileError> {
    let mut flags = settings::builder();
    let verifier = if cfg!(debug_assertions) {
        "true"
    } else {
        "false"
    };
    let settings = [
        ("opt_level", opt.as_setting()),
        ("preserve_frame_pointers", "true"),
        ("enable_verifier", verifier),
        ("enable_probestack", "true"),
        ("probestack_strategy", "inline"),
        ("unwind_info", "false"),
        ("enable_multi_ret_implicit_sret", "true"),
    ];
    for (name, value) in settings {
        flags
            .set(name, value)
            .map_err(|e| codegen_error(e.to_string()))?;
    }
    let mut builder = cranelift_native::builder().map_err(|e| codegen_error(e.to_string()))?;
    for (name, value) in isa_flags {
        builder
            .set(name, value)
            .map_err(|e| codegen_error(format!("ISA flag {name}={value}: {e}")))?;
    }
    builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| codegen_error(e.to_string()))
}

/// Whether the ISA rounds floats (`ceil`, `floor`, `trunc`, `nearest`) in hardware. On x86-64
/// this needs SSE4.1; without it Cranelift would call libm through a relocation, which
/// compiled code must never need, so the translator calls the rounding builtins instead.
pub(crate) fn has_native_rounding(isa: &dyn cranelift_codegen::isa::TargetIsa) -> bool {
    isa.has_round()
}

fn codegen_error(message: String) -> CompileError {
    CompileError::Codegen {
        func: FuncIndex::from_u32(0),
        message: format!("host ISA: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_isa_keeps_frame_pointers_probes_large_frames_and_verifies_in_debug_builds() {
        let isa = host_isa(OptLevel::SpeedAndSize, &[]).unwrap();
        let flags = isa.flags();
        assert!(flags.preserve_frame_pointers());
        assert_eq!(flags.enable_verifier(), cfg!(debug_assertions));
        assert_eq!(flags.opt_level(), settings::OptLevel::SpeedAndSize);
        assert!(flags.enable_probestack());
        assert_eq!(
            flags.probestack_strategy(),
            settings::ProbestackStrategy::Inline
        );
    }

    #[test]
    fn every_opt_level_is_a_valid_setting() {
        for opt in [OptLevel::None, OptLevel::Speed, OptLevel::SpeedAndSize] {
            host_isa(opt, &[]).unwrap();
        }
    }
}

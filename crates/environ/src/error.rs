//! `CompileError`: why a module could not be translated or compiled.

use core::fmt;

use crate::FuncIndex;

/// Why a module could not be compiled.
///
/// Every variant says where: a byte offset into the module, or the function whose code
/// could not be generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// Not valid WebAssembly: malformed bytes or a validation failure.
    Invalid {
        /// wasmparser's description of the problem.
        message: String,
        /// Byte offset into the module.
        offset: usize,
    },
    /// Valid, but uses a proposal this runtime does not implement.
    Unsupported {
        /// The feature, in words.
        feature: &'static str,
        /// Byte offset into the module.
        offset: usize,
    },
    /// Code generation failed: a translator bug or an implementation limit.
    Codegen {
        /// The function being compiled.
        func: FuncIndex,
        /// What went wrong.
        message: String,
    },
}

impl CompileError {
    /// The byte offset the error points at, if it has one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::Invalid { offset, .. } | Self::Unsupported { offset, .. } => Some(*offset),
            Self::Codegen { .. } => None,
        }
    }
}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        Self::Invalid {
            message: e.message().to_string(),
            offset: e.offset() as usize,
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { message, offset } => {
                write!(f, "invalid module at offset {offset:#x}: {message}")
            }
            Self::Unsupported { feature, offset } => {
                write!(f, "unsupported feature at offset {offset:#x}: {feature}")
            }
            Self::Codegen { func, message } => {
                write!(f, "failed to compile function {func}: {message}")
            }
        }
    }
}

impl std::error::Error for CompileError {}

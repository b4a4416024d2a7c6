//! The operating-system layer: every call into libc goes through this module, so the
//! rest of the crate states its unsafe contracts against a handful of small functions.
//!
//! Only x86-64 Linux is supported. The signal handler reads registers out of the
//! machine context, and that layout is specific to the OS and the architecture, so
//! other targets fail to compile here rather than misbehave at run time.

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
compile_error!("tarn-vm supports only x86-64 Linux: the signal handler reads its registers");

mod unix;

pub(crate) use unix::*;

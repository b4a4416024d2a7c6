//! The preview1 operations, one file per family, each an `impl WasiCtx` block whose
//! methods take the guest's memory and the call's arguments and return an errno.

mod fd;
mod misc;
mod path;
mod poll;
mod readdir;
mod sock;
mod stat;

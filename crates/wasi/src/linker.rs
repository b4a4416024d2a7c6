//! `add_to_linker`: every `wasi_snapshot_preview1` function as a host function.
//!
//! Each one finds the calling instance's exported memory, borrows it together with the
//! `WasiCtx` in the store's data, and runs the operation; an `Errno` becomes the call's
//! result, and only `proc_exit` (and a module without a memory) ends the call.

use tarn::{Caller, Extern, Linker};

use crate::abi::MODULE;
use crate::ctx::WasiCtx;
use crate::memory::{GuestMemory, WasiResult};

/// `proc_exit(code)`: the guest asked to exit. The call that ran the guest fails with
/// this error; downcast it to read the exit status. It is not a [`tarn::Trap`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct I32Exit(pub i32);

impl std::fmt::Display for I32Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exited with status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}

/// Runs `op` on the caller's memory and the store's `WasiCtx`, as a WASI call returns.
fn run<T: 'static>(
    name: &str,
    caller: &mut Caller<'_, T>,
    ctx: impl Fn(&mut T) -> &mut WasiCtx,
    op: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> WasiResult<()>,
) -> tarn::Result<i32> {
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return Err(tarn::Error::msg(
            "a WASI function was called by a module that exports no memory named `memory`",
        ));
    };
    let (bytes, data) = memory.data_and_store_mut(caller);
    let mut mem = GuestMemory::new(bytes);
    let result = op(ctx(data), &mut mem);
    if trace_enabled() {
        eprintln!("[wasi] {name} -> {result:?}");
    }
    Ok(match result {
        Ok(()) => 0,
        Err(errno) => errno.code(),
    })
}

/// Whether `TARN_WASI_TRACE` asks for every WASI call and its result on stderr.
fn trace_enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("TARN_WASI_TRACE").is_some())
}

macro_rules! wasi_functions {
    ($linker:ident, $ctx:ident; $($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        $linker.func_wrap(
            MODULE,
            stringify!($name),
            move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> tarn::Result<i32> {
                run(stringify!($name), &mut caller, $ctx, |wasi, mem| wasi.$name(mem, $($arg),*))
            },
        )?;
    )*};
}

/// Defines every `wasi_snapshot_preview1` function in `linker`; `ctx` finds the
/// [`WasiCtx`] in the store's data.
///
/// # Errors
///
/// If a name is already defined and shadowing is off.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    ctx: impl Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static,
) -> tarn::Result<()> {
    wasi_functions! { linker, ctx;
        args_get(argv: u32, buf: u32);
        args_sizes_get(count: u32, size: u32);
        environ_get(environ: u32, buf: u32);
        environ_sizes_get(count: u32, size: u32);
        clock_res_get(id: u32, res: u32);
        clock_time_get(id: u32, precision: u64, time: u32);
        fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
        fd_allocate(fd: u32, offset: u64, len: u64);
        fd_close(fd: u32);
        fd_datasync(fd: u32);
        fd_fdstat_get(fd: u32, ptr: u32);
        fd_fdstat_set_flags(fd: u32, flags: u32);
        fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64);
        fd_filestat_get(fd: u32, ptr: u32);
        fd_filestat_set_size(fd: u32, size: u64);
        fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst_flags: u32);
        fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32);
        fd_prestat_get(fd: u32, ptr: u32);
        fd_prestat_dir_name(fd: u32, path: u32, path_len: u32);
        fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32);
        fd_read(fd: u32, iovs: u32, iovs_len: u32, nread: u32);
        fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused: u32);
        fd_renumber(fd: u32, to: u32);
        fd_seek(fd: u32, offset: u64, whence: u32, newoffset: u32);
        fd_sync(fd: u32);
        fd_tell(fd: u32, ptr: u32);
        fd_write(fd: u32, iovs: u32, iovs_len: u32, nwritten: u32);
        path_create_directory(fd: u32, path: u32, path_len: u32);
        path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, ptr: u32);
        path_filestat_set_times(
            fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32
        );
        path_link(
            old_fd: u32, old_flags: u32, old_path: u32, old_path_len: u32,
            new_fd: u32, new_path: u32, new_path_len: u32
        );
        path_open(
            fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32,
            rights_base: u64, rights_inheriting: u64, fdflags: u32, opened: u32
        );
        path_readlink(fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused: u32);
        path_remove_directory(fd: u32, path: u32, path_len: u32);
        path_rename(
            old_fd: u32, old_path: u32, old_path_len: u32,
            new_fd: u32, new_path: u32, new_path_len: u32
        );
        path_symlink(old_path: u32, old_path_len: u32, fd: u32, new_path: u32, new_path_len: u32);
        path_unlink_file(fd: u32, path: u32, path_len: u32);
        poll_oneoff(subscriptions: u32, events: u32, count: u32, nevents: u32);
        proc_raise(signal: u32);
        random_get(buf: u32, len: u32);
        sched_yield();
        sock_accept(fd: u32, flags: u32, ro_fd: u32);
        sock_recv(
            fd: u32, ri_data: u32, ri_data_len: u32, ri_flags: u32, ro_datalen: u32, ro_flags: u32
        );
        sock_send(fd: u32, si_data: u32, si_data_len: u32, si_flags: u32, so_datalen: u32);
        sock_shutdown(fd: u32, how: u32);
    }
    linker.func_wrap(MODULE, "proc_exit", |code: i32| -> tarn::Result<()> {
        Err(tarn::Error::new(I32Exit(code)))
    })?;
    Ok(())
}

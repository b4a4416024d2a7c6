//! `sock_*`: preview1 has no way to open a socket, so no descriptor is one. Each call
//! checks the descriptor and answers `ENOTSOCK` (or `EBADF` for no descriptor).

use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::{GuestMemory, WasiResult};

impl WasiCtx {
    fn not_a_socket(&self, fd: u32) -> WasiResult<()> {
        self.table.get(fd)?;
        Err(Errno::Notsock)
    }

    pub(crate) fn sock_accept(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        _flags: u32,
        _ro_fd: u32,
    ) -> WasiResult<()> {
        self.not_a_socket(fd)
    }

    #[expect(clippy::too_many_arguments, reason = "the preview1 signature")]
    pub(crate) fn sock_recv(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        _ri_data: u32,
        _ri_data_len: u32,
        _ri_flags: u32,
        _ro_datalen: u32,
        _ro_flags: u32,
    ) -> WasiResult<()> {
        self.not_a_socket(fd)
    }

    pub(crate) fn sock_send(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        _si_data: u32,
        _si_data_len: u32,
        _si_flags: u32,
        _so_datalen: u32,
    ) -> WasiResult<()> {
        self.not_a_socket(fd)
    }

    pub(crate) fn sock_shutdown(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        _how: u32,
    ) -> WasiResult<()> {
        self.not_a_socket(fd)
    }
}

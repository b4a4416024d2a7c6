//! `fd_*`: operations on open descriptors.

use std::io::{Read, Seek, SeekFrom, Write};
use std::num::NonZeroU64;

use rustix::fs::{Advice, FallocateFlags, OFlags as HostOFlags, Timestamps};

use crate::abi::{FdFlags, PREOPENTYPE_DIR, Rights, filetype, layout, whence};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::{GuestMemory, WasiResult};
use crate::ops::stat::{FileStat, NewTime};
use crate::table::{Descriptor, Kind};

/// The most bytes one `fd_read` or `fd_pread` moves, so a guest cannot make the host
/// allocate more than this at once.
const MAX_READ: usize = 16 << 20;

impl Descriptor {
    /// The descriptor's `filetype`.
    pub(crate) fn filetype(&self) -> u8 {
        match &self.kind {
            Kind::File(file) => FileStat::of_fd(file).map_or(filetype::UNKNOWN, |s| s.filetype),
            Kind::Dir(_) => filetype::DIRECTORY,
            Kind::Stream(stream) => match stream.host_fd() {
                Some(fd) => FileStat::of_fd(fd).map_or(filetype::UNKNOWN, |s| s.filetype),
                None => filetype::CHARACTER_DEVICE,
            },
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> WasiResult<usize> {
        self.require(Rights::FD_READ)?;
        match &mut self.kind {
            Kind::File(file) => Ok((&*file).read(buf)?),
            Kind::Stream(stream) => Ok(stream.read(buf)?),
            Kind::Dir(_) => Err(Errno::Isdir),
        }
    }

    fn write(&mut self, buf: &[u8]) -> WasiResult<usize> {
        self.require(Rights::FD_WRITE)?;
        match &mut self.kind {
            Kind::File(file) => Ok((&*file).write(buf)?),
            Kind::Stream(stream) => Ok(stream.write(buf)?),
            Kind::Dir(_) => Err(Errno::Isdir),
        }
    }
}

fn advice(value: u32) -> WasiResult<Advice> {
    Ok(match value {
        0 => Advice::Normal,
        1 => Advice::Sequential,
        2 => Advice::Random,
        3 => Advice::WillNeed,
        4 => Advice::DontNeed,
        5 => Advice::NoReuse,
        _ => return Err(Errno::Inval),
    })
}

impl WasiCtx {
    pub(crate) fn fd_advise(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        offset: u64,
        len: u64,
        advice_value: u32,
    ) -> WasiResult<()> {
        let advice = advice(advice_value)?;
        let file = self.table.get(fd)?.file(Rights::FD_ADVISE)?;
        offset.checked_add(len).ok_or(Errno::Inval)?;
        Ok(rustix::fs::fadvise(
            file,
            offset,
            NonZeroU64::new(len),
            advice,
        )?)
    }

    pub(crate) fn fd_allocate(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        offset: u64,
        len: u64,
    ) -> WasiResult<()> {
        let file = self.table.get(fd)?.file(Rights::FD_ALLOCATE)?;
        if len == 0
            || offset
                .checked_add(len)
                .is_none_or(|end| end > i64::MAX as u64)
        {
            return Err(Errno::Inval);
        }
        Ok(rustix::fs::fallocate(
            file,
            FallocateFlags::empty(),
            offset,
            len,
        )?)
    }

    pub(crate) fn fd_close(&mut self, _mem: &mut GuestMemory<'_>, fd: u32) -> WasiResult<()> {
        self.table.remove(fd).map(drop)
    }

    pub(crate) fn fd_datasync(&mut self, _mem: &mut GuestMemory<'_>, fd: u32) -> WasiResult<()> {
        let file = self.table.get(fd)?.file(Rights::FD_DATASYNC)?;
        Ok(file.sync_data()?)
    }

    pub(crate) fn fd_sync(&mut self, _mem: &mut GuestMemory<'_>, fd: u32) -> WasiResult<()> {
        let descriptor = self.table.get(fd)?;
        descriptor.require(Rights::FD_SYNC)?;
        match &descriptor.kind {
            Kind::File(file) => Ok(file.sync_all()?),
            Kind::Dir(dir) => Ok(rustix::fs::fsync(dir)?),
            Kind::Stream(_) => Err(Errno::Inval),
        }
    }

    pub(crate) fn fd_fdstat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        ptr: u32,
    ) -> WasiResult<()> {
        let descriptor = self.table.get(fd)?;
        let flags = match &descriptor.kind {
            Kind::File(file) => host_fdflags(file)?,
            _ => descriptor.flags,
        };
        mem.slice_mut(ptr, layout::FDSTAT_SIZE)?.fill(0);
        mem.write_u8(ptr, descriptor.filetype())?;
        mem.write_u16(ptr + 2, flags.bits())?;
        mem.write_u64(ptr + 8, descriptor.base.bits())?;
        mem.write_u64(ptr + 16, descriptor.inheriting.bits())
    }

    pub(crate) fn fd_fdstat_set_flags(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        flags: u32,
    ) -> WasiResult<()> {
        let flags = u16::try_from(flags)
            .ok()
            .and_then(FdFlags::from_bits)
            .ok_or(Errno::Inval)?;
        let descriptor = self.table.get_mut(fd)?;
        descriptor.require(Rights::FD_FDSTAT_SET_FLAGS)?;
        // Synchronised I/O is chosen when a file is opened; it cannot be switched later.
        if flags.intersects(FdFlags::DSYNC | FdFlags::RSYNC | FdFlags::SYNC) {
            return Err(Errno::Inval);
        }
        if let Kind::File(file) = &descriptor.kind {
            let mut host = rustix::fs::fcntl_getfl(file)?;
            host.set(HostOFlags::APPEND, flags.contains(FdFlags::APPEND));
            host.set(HostOFlags::NONBLOCK, flags.contains(FdFlags::NONBLOCK));
            rustix::fs::fcntl_setfl(file, host)?;
        }
        descriptor.flags = flags;
        Ok(())
    }

    pub(crate) fn fd_fdstat_set_rights(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        base: u64,
        inheriting: u64,
    ) -> WasiResult<()> {
        let descriptor = self.table.get_mut(fd)?;
        let base = Rights::from_bits(base).ok_or(Errno::Inval)?;
        let inheriting = Rights::from_bits(inheriting).ok_or(Errno::Inval)?;
        if !descriptor.base.contains(base) || !descriptor.inheriting.contains(inheriting) {
            return Err(Errno::Notcapable);
        }
        descriptor.base = base;
        descriptor.inheriting = inheriting;
        Ok(())
    }

    pub(crate) fn fd_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        ptr: u32,
    ) -> WasiResult<()> {
        let descriptor = self.table.get(fd)?;
        descriptor.require(Rights::FD_FILESTAT_GET)?;
        let stat = match &descriptor.kind {
            Kind::File(file) => FileStat::of_fd(file)?,
            Kind::Dir(dir) => FileStat::of_fd(dir)?,
            Kind::Stream(stream) => match stream.host_fd() {
                Some(fd) => FileStat::of_fd(fd)?,
                None => FileStat {
                    filetype: filetype::CHARACTER_DEVICE,
                    ..FileStat::default()
                },
            },
        };
        stat.write(mem, ptr)
    }

    pub(crate) fn fd_filestat_set_size(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        size: u64,
    ) -> WasiResult<()> {
        let file = self.table.get(fd)?.file(Rights::FD_FILESTAT_SET_SIZE)?;
        Ok(file.set_len(file_offset(size)?)?)
    }

    pub(crate) fn fd_filestat_set_times(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        atim: u64,
        mtim: u64,
        fst_flags: u32,
    ) -> WasiResult<()> {
        let (atim, mtim) = NewTime::pair(atim, mtim, fst_flags)?;
        let descriptor = self.table.get(fd)?;
        descriptor.require(Rights::FD_FILESTAT_SET_TIMES)?;
        let times = Timestamps {
            last_access: atim.timespec(),
            last_modification: mtim.timespec(),
        };
        match &descriptor.kind {
            Kind::File(file) => Ok(rustix::fs::futimens(file, &times)?),
            Kind::Dir(dir) => Ok(rustix::fs::futimens(dir, &times)?),
            Kind::Stream(_) => Err(Errno::Badf),
        }
    }

    pub(crate) fn fd_read(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        nread: u32,
    ) -> WasiResult<()> {
        let iovecs = mem.iovecs(iovs, iovs_len)?;
        let descriptor = self.table.get_mut(fd)?;
        let n = mem.read_into(&iovecs, MAX_READ, |buf| descriptor.read(buf))?;
        mem.write_u32(nread, n as u32)
    }

    pub(crate) fn fd_pread(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        offset: u64,
        nread: u32,
    ) -> WasiResult<()> {
        let iovecs = mem.iovecs(iovs, iovs_len)?;
        let file = self
            .table
            .get(fd)?
            .file(Rights::FD_READ | Rights::FD_SEEK)?;
        let offset = file_offset(offset)?;
        let n = mem.read_into(&iovecs, MAX_READ, |buf| {
            Ok(rustix::io::pread(file, buf, offset)?)
        })?;
        mem.write_u32(nread, n as u32)
    }

    pub(crate) fn fd_write(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        nwritten: u32,
    ) -> WasiResult<()> {
        let iovecs = mem.iovecs(iovs, iovs_len)?;
        let descriptor = self.table.get_mut(fd)?;
        let n = mem.write_from(&iovecs, |bytes| descriptor.write(bytes))?;
        mem.write_u32(nwritten, n as u32)
    }

    pub(crate) fn fd_pwrite(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        offset: u64,
        nwritten: u32,
    ) -> WasiResult<()> {
        let iovecs = mem.iovecs(iovs, iovs_len)?;
        let file = self
            .table
            .get(fd)?
            .file(Rights::FD_WRITE | Rights::FD_SEEK)?;
        let offset = file_offset(offset)?;
        let n = mem.write_from(&iovecs, |bytes| {
            Ok(rustix::io::pwrite(file, bytes, offset)?)
        })?;
        mem.write_u32(nwritten, n as u32)
    }

    pub(crate) fn fd_prestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        ptr: u32,
    ) -> WasiResult<()> {
        let name = self.table.get(fd)?.preopen.as_ref().ok_or(Errno::Badf)?;
        let len = u32::try_from(name.len()).map_err(|_| Errno::Nametoolong)?;
        mem.slice_mut(ptr, layout::PRESTAT_SIZE)?.fill(0);
        mem.write_u8(ptr, PREOPENTYPE_DIR)?;
        mem.write_u32(ptr + 4, len)
    }

    pub(crate) fn fd_prestat_dir_name(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        path_len: u32,
    ) -> WasiResult<()> {
        let name = self.table.get(fd)?.preopen.as_ref().ok_or(Errno::Badf)?;
        if (path_len as usize) < name.len() {
            return Err(Errno::Nametoolong);
        }
        let name = name.clone();
        mem.write_bytes(path, name.as_bytes())
    }

    pub(crate) fn fd_renumber(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        from: u32,
        to: u32,
    ) -> WasiResult<()> {
        self.table.get(to)?;
        let descriptor = self.table.remove(from)?;
        self.table.insert_at(to, descriptor);
        Ok(())
    }

    pub(crate) fn fd_seek(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        offset: u64,
        whence_value: u32,
        newoffset: u32,
    ) -> WasiResult<()> {
        let offset = offset as i64;
        let pos = match u8::try_from(whence_value).map_err(|_| Errno::Inval)? {
            whence::SET => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
            whence::CUR => SeekFrom::Current(offset),
            whence::END => SeekFrom::End(offset),
            _ => return Err(Errno::Inval),
        };
        let needed = if pos == SeekFrom::Current(0) {
            Rights::FD_TELL
        } else {
            Rights::FD_SEEK
        };
        let file = self.table.get(fd)?.file(needed)?;
        let position = (&*file).seek(pos)?;
        mem.write_u64(newoffset, position)
    }

    pub(crate) fn fd_tell(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        ptr: u32,
    ) -> WasiResult<()> {
        let file = self.table.get(fd)?.file(Rights::FD_TELL)?;
        let position = (&*file).stream_position()?;
        mem.write_u64(ptr, position)
    }
}

/// A file offset from the guest: the host's offsets are signed, so larger is `EINVAL`.
fn file_offset(offset: u64) -> WasiResult<u64> {
    if offset > i64::MAX as u64 {
        Err(Errno::Inval)
    } else {
        Ok(offset)
    }
}

/// The `fdflags` an open host file has.
fn host_fdflags(file: &cap_std::fs::File) -> WasiResult<FdFlags> {
    let host = rustix::fs::fcntl_getfl(file)?;
    let mut flags = FdFlags::empty();
    flags.set(FdFlags::APPEND, host.contains(HostOFlags::APPEND));
    flags.set(FdFlags::NONBLOCK, host.contains(HostOFlags::NONBLOCK));
    flags.set(FdFlags::DSYNC, host.contains(HostOFlags::DSYNC));
    flags.set(FdFlags::SYNC, host.contains(HostOFlags::SYNC));
    flags.set(FdFlags::RSYNC, host.contains(HostOFlags::RSYNC));
    Ok(flags)
}

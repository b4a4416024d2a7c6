//! Building `filestat` records from host metadata, and the timestamps
//! `*_filestat_set_times` asks for.

use cap_std::fs::{Metadata, MetadataExt};
use rustix::fs::{Timespec, UTIME_NOW, UTIME_OMIT};

use crate::abi::{FstFlags, filetype};
use crate::errno::Errno;
use crate::memory::{GuestMemory, WasiResult};

/// A `filestat` record.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FileStat {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) filetype: u8,
    pub(crate) nlink: u64,
    pub(crate) size: u64,
    pub(crate) atim: u64,
    pub(crate) mtim: u64,
    pub(crate) ctim: u64,
}

fn nanos(secs: i64, nsecs: i64) -> u64 {
    (secs.max(0) as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nsecs.max(0) as u64)
}

/// The `filetype` of a host `st_mode`.
pub(crate) fn filetype_of_mode(mode: u32) -> u8 {
    use rustix::fs::FileType as T;
    match T::from_raw_mode(mode) {
        T::RegularFile => filetype::REGULAR_FILE,
        T::Directory => filetype::DIRECTORY,
        T::Symlink => filetype::SYMBOLIC_LINK,
        T::CharacterDevice => filetype::CHARACTER_DEVICE,
        T::BlockDevice => filetype::BLOCK_DEVICE,
        T::Socket => filetype::SOCKET_STREAM,
        T::Fifo | T::Unknown => filetype::UNKNOWN,
    }
}

impl FileStat {
    /// From `fstat` of an open descriptor.
    pub(crate) fn of_fd(fd: impl std::os::fd::AsFd) -> WasiResult<Self> {
        let stat = rustix::fs::fstat(fd).map_err(Errno::from)?;
        Ok(Self {
            dev: stat.st_dev,
            ino: stat.st_ino,
            filetype: filetype_of_mode(stat.st_mode),
            nlink: stat.st_nlink,
            size: stat.st_size.max(0) as u64,
            atim: nanos(stat.st_atime, stat.st_atime_nsec as i64),
            mtim: nanos(stat.st_mtime, stat.st_mtime_nsec as i64),
            ctim: nanos(stat.st_ctime, stat.st_ctime_nsec as i64),
        })
    }

    /// From metadata read through a path.
    pub(crate) fn of_metadata(metadata: &Metadata) -> Self {
        Self {
            dev: metadata.dev(),
            ino: metadata.ino(),
            filetype: filetype_of_mode(metadata.mode()),
            nlink: metadata.nlink(),
            size: metadata.len(),
            atim: nanos(metadata.atime(), metadata.atime_nsec()),
            mtim: nanos(metadata.mtime(), metadata.mtime_nsec()),
            ctim: nanos(metadata.ctime(), metadata.ctime_nsec()),
        }
    }

    pub(crate) fn write(&self, mem: &mut GuestMemory<'_>, ptr: u32) -> WasiResult<()> {
        mem.slice_mut(ptr, crate::abi::layout::FILESTAT_SIZE)?
            .fill(0);
        mem.write_u64(ptr, self.dev)?;
        mem.write_u64(ptr + 8, self.ino)?;
        mem.write_u8(ptr + 16, self.filetype)?;
        mem.write_u64(ptr + 24, self.nlink)?;
        mem.write_u64(ptr + 32, self.size)?;
        mem.write_u64(ptr + 40, self.atim)?;
        mem.write_u64(ptr + 48, self.mtim)?;
        mem.write_u64(ptr + 56, self.ctim)
    }
}

/// One timestamp to set: a value, now, or unchanged.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum NewTime {
    At(u64),
    Now,
    Unchanged,
}

impl NewTime {
    /// The access and modification times `fst_flags` asks for. Asking for a value and
    /// for now at once, or for an unknown flag, is `EINVAL`.
    pub(crate) fn pair(atim: u64, mtim: u64, fst_flags: u32) -> WasiResult<(Self, Self)> {
        let flags = u16::try_from(fst_flags)
            .ok()
            .and_then(FstFlags::from_bits)
            .ok_or(Errno::Inval)?;
        let one = |value: u64, set: FstFlags, now: FstFlags| match (
            flags.contains(set),
            flags.contains(now),
        ) {
            (true, true) => Err(Errno::Inval),
            (true, false) => Ok(Self::At(value)),
            (false, true) => Ok(Self::Now),
            (false, false) => Ok(Self::Unchanged),
        };
        Ok((
            one(atim, FstFlags::ATIM, FstFlags::ATIM_NOW)?,
            one(mtim, FstFlags::MTIM, FstFlags::MTIM_NOW)?,
        ))
    }

    pub(crate) fn timespec(self) -> Timespec {
        match self {
            Self::At(nanos) => Timespec {
                tv_sec: (nanos / 1_000_000_000) as i64,
                tv_nsec: (nanos % 1_000_000_000) as _,
            },
            Self::Now => Timespec {
                tv_sec: 0,
                tv_nsec: UTIME_NOW,
            },
            Self::Unchanged => Timespec {
                tv_sec: 0,
                tv_nsec: UTIME_OMIT,
            },
        }
    }

    pub(crate) fn spec(self) -> Option<cap_fs_ext::SystemTimeSpec> {
        match self {
            Self::At(nanos) => Some(cap_fs_ext::SystemTimeSpec::Absolute(
                cap_std::time::SystemTime::from_std(
                    std::time::UNIX_EPOCH + std::time::Duration::from_nanos(nanos),
                ),
            )),
            Self::Now => Some(cap_fs_ext::SystemTimeSpec::SymbolicNow),
            Self::Unchanged => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_and_now_for_one_time_is_invalid() {
        let (atim, mtim) = NewTime::pair(5, 6, 0b0101).unwrap();
        assert_eq!((atim, mtim), (NewTime::At(5), NewTime::At(6)));
        assert_eq!(NewTime::pair(0, 0, 0b0011), Err(Errno::Inval));
        assert_eq!(NewTime::pair(0, 0, 0b1100), Err(Errno::Inval));
        assert_eq!(NewTime::pair(0, 0, 0b10000), Err(Errno::Inval));
        let (atim, mtim) = NewTime::pair(0, 0, 0b1010).unwrap();
        assert_eq!((atim, mtim), (NewTime::Now, NewTime::Now));
    }
}

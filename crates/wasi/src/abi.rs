//! The `wasi_snapshot_preview1` ABI: the numbers and record layouts of the witx
//! definitions, written down once. Everything that reads or writes guest memory takes its
//! offsets and values from here.

use bitflags::bitflags;

/// The module name every preview1 import uses.
pub(crate) const MODULE: &str = "wasi_snapshot_preview1";

bitflags! {
    /// What a descriptor may be used for (`rights`). A descriptor's rights can only shrink.
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
    pub struct Rights: u64 {
        /// `fd_datasync`.
        const FD_DATASYNC = 1 << 0;
        /// `fd_read`, `sock_recv`.
        const FD_READ = 1 << 1;
        /// `fd_seek` (implies `FD_TELL`).
        const FD_SEEK = 1 << 2;
        /// `fd_fdstat_set_flags`.
        const FD_FDSTAT_SET_FLAGS = 1 << 3;
        /// `fd_sync`.
        const FD_SYNC = 1 << 4;
        /// `fd_tell`.
        const FD_TELL = 1 << 5;
        /// `fd_write`, `sock_send`.
        const FD_WRITE = 1 << 6;
        /// `fd_advise`.
        const FD_ADVISE = 1 << 7;
        /// `fd_allocate`.
        const FD_ALLOCATE = 1 << 8;
        /// `path_create_directory`.
        const PATH_CREATE_DIRECTORY = 1 << 9;
        /// `path_open` with `O_CREAT`.
        const PATH_CREATE_FILE = 1 << 10;
        /// `path_link` on the source directory.
        const PATH_LINK_SOURCE = 1 << 11;
        /// `path_link` on the target directory.
        const PATH_LINK_TARGET = 1 << 12;
        /// `path_open`.
        const PATH_OPEN = 1 << 13;
        /// `fd_readdir`.
        const FD_READDIR = 1 << 14;
        /// `path_readlink`.
        const PATH_READLINK = 1 << 15;
        /// `path_rename` on the source directory.
        const PATH_RENAME_SOURCE = 1 << 16;
        /// `path_rename` on the target directory.
        const PATH_RENAME_TARGET = 1 << 17;
        /// `path_filestat_get`.
        const PATH_FILESTAT_GET = 1 << 18;
        /// Changing a file's size through a path (`path_open` with `O_TRUNC`).
        const PATH_FILESTAT_SET_SIZE = 1 << 19;
        /// `path_filestat_set_times`.
        const PATH_FILESTAT_SET_TIMES = 1 << 20;
        /// `fd_filestat_get`.
        const FD_FILESTAT_GET = 1 << 21;
        /// `fd_filestat_set_size`.
        const FD_FILESTAT_SET_SIZE = 1 << 22;
        /// `fd_filestat_set_times`.
        const FD_FILESTAT_SET_TIMES = 1 << 23;
        /// `path_symlink`.
        const PATH_SYMLINK = 1 << 24;
        /// `path_remove_directory`.
        const PATH_REMOVE_DIRECTORY = 1 << 25;
        /// `path_unlink_file`.
        const PATH_UNLINK_FILE = 1 << 26;
        /// `poll_oneoff` read and write subscriptions.
        const POLL_FD_READWRITE = 1 << 27;
        /// `sock_shutdown`.
        const SOCK_SHUTDOWN = 1 << 28;
        /// `sock_accept`.
        const SOCK_ACCEPT = 1 << 29;
    }
}

impl Rights {
    /// What a regular file can ever be used for.
    pub(crate) const FILE: Rights = Rights::FD_DATASYNC
        .union(Rights::FD_READ)
        .union(Rights::FD_SEEK)
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::FD_SYNC)
        .union(Rights::FD_TELL)
        .union(Rights::FD_WRITE)
        .union(Rights::FD_ADVISE)
        .union(Rights::FD_ALLOCATE)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::FD_FILESTAT_SET_SIZE)
        .union(Rights::FD_FILESTAT_SET_TIMES)
        .union(Rights::POLL_FD_READWRITE);

    /// What a directory can ever be used for, itself (the inheriting rights of a
    /// directory are `DIR | FILE`).
    pub(crate) const DIR: Rights = Rights::FD_FDSTAT_SET_FLAGS
        .union(Rights::FD_SYNC)
        .union(Rights::FD_ADVISE)
        .union(Rights::PATH_CREATE_DIRECTORY)
        .union(Rights::PATH_CREATE_FILE)
        .union(Rights::PATH_LINK_SOURCE)
        .union(Rights::PATH_LINK_TARGET)
        .union(Rights::PATH_OPEN)
        .union(Rights::FD_READDIR)
        .union(Rights::PATH_READLINK)
        .union(Rights::PATH_RENAME_SOURCE)
        .union(Rights::PATH_RENAME_TARGET)
        .union(Rights::PATH_FILESTAT_GET)
        .union(Rights::PATH_FILESTAT_SET_SIZE)
        .union(Rights::PATH_FILESTAT_SET_TIMES)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::FD_FILESTAT_SET_TIMES)
        .union(Rights::PATH_SYMLINK)
        .union(Rights::PATH_REMOVE_DIRECTORY)
        .union(Rights::PATH_UNLINK_FILE);

    /// What a stream (stdio, a pipe, a terminal) can ever be used for.
    pub(crate) const STREAM: Rights = Rights::FD_READ
        .union(Rights::FD_WRITE)
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::POLL_FD_READWRITE);
}

bitflags! {
    /// Descriptor flags (`fdflags`).
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
    pub struct FdFlags: u16 {
        /// Writes append to the end.
        const APPEND = 1 << 0;
        /// Writes complete with data integrity.
        const DSYNC = 1 << 1;
        /// Reads and writes do not block.
        const NONBLOCK = 1 << 2;
        /// Reads complete with the integrity the write flags ask for.
        const RSYNC = 1 << 3;
        /// Writes complete with file integrity.
        const SYNC = 1 << 4;
    }
}

bitflags! {
    /// `path_open` flags (`oflags`).
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
    pub struct OFlags: u16 {
        /// Create the file if it does not exist.
        const CREAT = 1 << 0;
        /// Fail unless the path is a directory.
        const DIRECTORY = 1 << 1;
        /// With `CREAT`, fail if the file exists.
        const EXCL = 1 << 2;
        /// Truncate to size 0.
        const TRUNC = 1 << 3;
    }
}

bitflags! {
    /// Path lookup flags (`lookupflags`).
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
    pub struct LookupFlags: u32 {
        /// Follow a symbolic link in the last component.
        const SYMLINK_FOLLOW = 1 << 0;
    }
}

bitflags! {
    /// Which timestamps `*_filestat_set_times` changes (`fstflags`).
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
    pub struct FstFlags: u16 {
        /// Set the access time to the given value.
        const ATIM = 1 << 0;
        /// Set the access time to now.
        const ATIM_NOW = 1 << 1;
        /// Set the modification time to the given value.
        const MTIM = 1 << 2;
        /// Set the modification time to now.
        const MTIM_NOW = 1 << 3;
    }
}

/// `filetype` values.
pub(crate) mod filetype {
    /// Not known, or none of the others.
    pub(crate) const UNKNOWN: u8 = 0;
    /// A block device.
    pub(crate) const BLOCK_DEVICE: u8 = 1;
    /// A character device (a terminal, `/dev/null`).
    pub(crate) const CHARACTER_DEVICE: u8 = 2;
    /// A directory.
    pub(crate) const DIRECTORY: u8 = 3;
    /// A regular file.
    pub(crate) const REGULAR_FILE: u8 = 4;
    /// A stream socket.
    pub(crate) const SOCKET_STREAM: u8 = 6;
    /// A symbolic link.
    pub(crate) const SYMBOLIC_LINK: u8 = 7;
}

/// `whence` values of `fd_seek`.
pub(crate) mod whence {
    /// From the start.
    pub(crate) const SET: u8 = 0;
    /// From the current offset.
    pub(crate) const CUR: u8 = 1;
    /// From the end.
    pub(crate) const END: u8 = 2;
}

/// `clockid` values.
pub(crate) mod clock {
    /// Wall-clock time since the Unix epoch.
    pub(crate) const REALTIME: u32 = 0;
    /// A clock that never goes back.
    pub(crate) const MONOTONIC: u32 = 1;
    /// CPU time of the process.
    pub(crate) const PROCESS_CPUTIME: u32 = 2;
    /// CPU time of the calling thread.
    pub(crate) const THREAD_CPUTIME: u32 = 3;
}

/// `eventtype` values of `poll_oneoff`.
pub(crate) mod eventtype {
    /// A clock subscription.
    pub(crate) const CLOCK: u8 = 0;
    /// Readiness to read.
    pub(crate) const FD_READ: u8 = 1;
    /// Readiness to write.
    pub(crate) const FD_WRITE: u8 = 2;
}

/// `subclockflags`: the timeout is an absolute time of its clock.
pub(crate) const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;

/// `eventrwflags`: the peer of a stream has hung up.
pub(crate) const EVENT_FD_READWRITE_HANGUP: u16 = 1;

/// `preopentype`: a directory.
pub(crate) const PREOPENTYPE_DIR: u8 = 0;

/// Byte layouts of the records guest memory holds.
pub(crate) mod layout {
    /// `iovec`/`ciovec`: `buf: u32` at 0, `buf_len: u32` at 4.
    pub(crate) const IOVEC_SIZE: u32 = 8;
    /// `fdstat`: filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16.
    pub(crate) const FDSTAT_SIZE: u32 = 24;
    /// `filestat`: dev @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40, mtim @48,
    /// ctim @56.
    pub(crate) const FILESTAT_SIZE: u32 = 64;
    /// `prestat`: tag u8 @0, name length u32 @4.
    pub(crate) const PRESTAT_SIZE: u32 = 8;
    /// `subscription`: userdata u64 @0, tag u8 @8, then at 16 either a clock (id u32 @16,
    /// timeout u64 @24, precision u64 @32, flags u16 @40) or a descriptor (u32 @16).
    pub(crate) const SUBSCRIPTION_SIZE: u32 = 48;
    /// `event`: userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24.
    pub(crate) const EVENT_SIZE: u32 = 32;
}

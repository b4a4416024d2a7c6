//! `path_*`: operations on paths beneath a directory descriptor. Every path is resolved
//! by cap-std beneath the descriptor's directory: `..`, absolute paths and symbolic links
//! (absolute, relative or chained) cannot lead outside it.

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt};
use cap_std::fs::{Dir, OpenOptions};

use crate::abi::{FdFlags, LookupFlags, OFlags, Rights};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::{GuestMemory, WasiResult};
use crate::ops::stat::{FileStat, NewTime};
use crate::table::{Descriptor, Kind};

/// Rights a descriptor needs to be opened for writing.
const WRITE_RIGHTS: Rights = Rights::FD_WRITE
    .union(Rights::FD_ALLOCATE)
    .union(Rights::FD_FILESTAT_SET_SIZE);

fn lookup_flags(flags: u32) -> WasiResult<LookupFlags> {
    LookupFlags::from_bits(flags).ok_or(Errno::Inval)
}

fn follow(flags: LookupFlags) -> FollowSymlinks {
    if flags.contains(LookupFlags::SYMLINK_FOLLOW) {
        FollowSymlinks::Yes
    } else {
        FollowSymlinks::No
    }
}

/// Opens `path` for reading only, creating it first if needed: the host (and cap-std)
/// create files only when opening for writing, but preview1 lets a guest create a file
/// it asked no write rights for.
fn create_then_reopen(
    dir: &Dir,
    path: &str,
    read_options: &OpenOptions,
    exclusive: bool,
) -> WasiResult<cap_std::fs::File> {
    let mut reopen = read_options.clone();
    reopen.create(false).create_new(false);
    if !exclusive {
        match dir.open_with(path, &reopen) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => return Ok(other?),
        }
    }
    let mut create = OpenOptions::new();
    create.write(true).create_new(true);
    create.follow(FollowSymlinks::No);
    match dir.open_with(path, &create) {
        Ok(_) => {}
        Err(e) if !exclusive && e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.into()),
    }
    Ok(dir.open_with(path, &reopen)?)
}

impl WasiCtx {
    /// The directory of descriptor `fd` (with rights `needed`) and the guest's path.
    fn dir_and_path<'a>(
        &'a self,
        mem: &'a GuestMemory<'_>,
        fd: u32,
        needed: Rights,
        path: u32,
        path_len: u32,
    ) -> WasiResult<(&'a Dir, &'a str)> {
        let dir = self.table.get(fd)?.dir(needed)?;
        let path = mem.str(path, path_len)?;
        if path.contains('\0') {
            return Err(Errno::Ilseq);
        }
        Ok((dir, path))
    }

    pub(crate) fn path_create_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        path_len: u32,
    ) -> WasiResult<()> {
        let (dir, path) =
            self.dir_and_path(mem, fd, Rights::PATH_CREATE_DIRECTORY, path, path_len)?;
        Ok(dir.create_dir(path)?)
    }

    pub(crate) fn path_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        flags: u32,
        path: u32,
        path_len: u32,
        ptr: u32,
    ) -> WasiResult<()> {
        let flags = lookup_flags(flags)?;
        let (dir, path) = self.dir_and_path(mem, fd, Rights::PATH_FILESTAT_GET, path, path_len)?;
        let metadata = match follow(flags) {
            FollowSymlinks::Yes => dir.metadata(path)?,
            FollowSymlinks::No => dir.symlink_metadata(path)?,
        };
        FileStat::of_metadata(&metadata).write(mem, ptr)
    }

    #[expect(clippy::too_many_arguments, reason = "the preview1 signature")]
    pub(crate) fn path_filestat_set_times(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        flags: u32,
        path: u32,
        path_len: u32,
        atim: u64,
        mtim: u64,
        fst_flags: u32,
    ) -> WasiResult<()> {
        let flags = lookup_flags(flags)?;
        let (atim, mtim) = NewTime::pair(atim, mtim, fst_flags)?;
        let (dir, path) =
            self.dir_and_path(mem, fd, Rights::PATH_FILESTAT_SET_TIMES, path, path_len)?;
        match follow(flags) {
            FollowSymlinks::Yes => dir.set_times(path, atim.spec(), mtim.spec())?,
            FollowSymlinks::No => dir.set_symlink_times(path, atim.spec(), mtim.spec())?,
        }
        Ok(())
    }

    #[expect(clippy::too_many_arguments, reason = "the preview1 signature")]
    pub(crate) fn path_link(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_fd: u32,
        old_flags: u32,
        old_path: u32,
        old_path_len: u32,
        new_fd: u32,
        new_path: u32,
        new_path_len: u32,
    ) -> WasiResult<()> {
        // Hard links to what a symbolic link points at would resolve the link outside
        // cap-std's checks; like other runtimes, following is refused.
        if lookup_flags(old_flags)?.contains(LookupFlags::SYMLINK_FOLLOW) {
            return Err(Errno::Inval);
        }
        let (old_dir, old_path) = self.dir_and_path(
            mem,
            old_fd,
            Rights::PATH_LINK_SOURCE,
            old_path,
            old_path_len,
        )?;
        let (new_dir, new_path) = self.dir_and_path(
            mem,
            new_fd,
            Rights::PATH_LINK_TARGET,
            new_path,
            new_path_len,
        )?;
        Ok(old_dir.hard_link(old_path, new_dir, new_path)?)
    }

    #[expect(clippy::too_many_arguments, reason = "the preview1 signature")]
    pub(crate) fn path_open(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        dirflags: u32,
        path: u32,
        path_len: u32,
        oflags: u32,
        rights_base: u64,
        rights_inheriting: u64,
        fdflags: u32,
        opened: u32,
    ) -> WasiResult<()> {
        let lookup = lookup_flags(dirflags)?;
        let oflags = u16::try_from(oflags)
            .ok()
            .and_then(OFlags::from_bits)
            .ok_or(Errno::Inval)?;
        let fdflags = u16::try_from(fdflags)
            .ok()
            .and_then(FdFlags::from_bits)
            .ok_or(Errno::Inval)?;
        let requested_base = Rights::from_bits_truncate(rights_base);
        let requested_inheriting = Rights::from_bits_truncate(rights_inheriting);

        let mut needed = Rights::PATH_OPEN;
        if oflags.contains(OFlags::CREAT) {
            needed |= Rights::PATH_CREATE_FILE;
        }
        if oflags.contains(OFlags::TRUNC) {
            needed |= Rights::PATH_FILESTAT_SET_SIZE;
        }
        let parent = self.table.get(fd)?;
        let parent_inheriting = parent.inheriting;
        let (dir, path) = self.dir_and_path(mem, fd, needed, path, path_len)?;

        let write = requested_base.intersects(WRITE_RIGHTS)
            || fdflags.contains(FdFlags::APPEND)
            || oflags.contains(OFlags::TRUNC);
        if write && !parent_inheriting.intersects(WRITE_RIGHTS) {
            // A read-only directory refuses to open anything for writing.
            return Err(Errno::Notcapable);
        }
        let read = requested_base.intersects(Rights::FD_READ | Rights::FD_READDIR) || !write;

        if oflags.contains(OFlags::DIRECTORY) && oflags.intersects(OFlags::CREAT | OFlags::TRUNC) {
            return Err(Errno::Inval);
        }
        // The host allows O_APPEND with O_TRUNC, but std's (and cap-std's) options do not:
        // such a file is opened for writing and switched to appending once open.
        let append = fdflags.contains(FdFlags::APPEND);
        let append_later = append && oflags.contains(OFlags::TRUNC);
        let mut options = OpenOptions::new();
        options
            .read(read)
            .write(write && (!append || append_later))
            .append(append && !append_later)
            .create(oflags.contains(OFlags::CREAT))
            .create_new(oflags.contains(OFlags::CREAT | OFlags::EXCL))
            .truncate(oflags.contains(OFlags::TRUNC));
        options.follow(follow(lookup)).maybe_dir(true);
        {
            use cap_fs_ext::OpenOptionsSyncExt;
            options
                .nonblock(fdflags.contains(FdFlags::NONBLOCK))
                .dsync(fdflags.contains(FdFlags::DSYNC))
                .sync(fdflags.contains(FdFlags::SYNC))
                .rsync(fdflags.contains(FdFlags::RSYNC));
        }
        let file = if oflags.contains(OFlags::CREAT) && !write {
            create_then_reopen(dir, path, &options, oflags.contains(OFlags::EXCL))?
        } else {
            dir.open_with(path, &options)?
        };
        if append_later {
            let flags = rustix::fs::fcntl_getfl(&file)?;
            rustix::fs::fcntl_setfl(&file, flags | rustix::fs::OFlags::APPEND)?;
        }
        let kind = if file.metadata()?.is_dir() {
            if write {
                return Err(Errno::Isdir);
            }
            Kind::Dir(Dir::from_std_file(file.into_std()))
        } else if oflags.contains(OFlags::DIRECTORY) {
            return Err(Errno::Notdir);
        } else {
            Kind::File(file)
        };
        let type_rights = match kind {
            Kind::Dir(_) => Rights::DIR | Rights::FD_FILESTAT_GET,
            _ => Rights::FILE,
        };
        let descriptor = Descriptor {
            kind,
            base: requested_base & parent_inheriting & type_rights,
            inheriting: requested_inheriting & parent_inheriting,
            flags: fdflags,
            preopen: None,
        };
        let new_fd = self.table.push(descriptor)?;
        mem.write_u32(opened, new_fd).inspect_err(|_| {
            self.table.remove(new_fd).ok();
        })
    }

    #[expect(clippy::too_many_arguments, reason = "the preview1 signature")]
    pub(crate) fn path_readlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        path_len: u32,
        buf: u32,
        buf_len: u32,
        bufused: u32,
    ) -> WasiResult<()> {
        use std::os::unix::ffi::OsStrExt;
        let (dir, path) = self.dir_and_path(mem, fd, Rights::PATH_READLINK, path, path_len)?;
        let target = dir.read_link_contents(path)?;
        let bytes = target.as_os_str().as_bytes();
        let n = bytes.len().min(buf_len as usize);
        let bytes = bytes[..n].to_vec();
        mem.write_bytes(buf, &bytes)?;
        mem.write_u32(bufused, n as u32)
    }

    pub(crate) fn path_remove_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        path_len: u32,
    ) -> WasiResult<()> {
        let (dir, path) =
            self.dir_and_path(mem, fd, Rights::PATH_REMOVE_DIRECTORY, path, path_len)?;
        Ok(dir.remove_dir(path)?)
    }

    #[expect(clippy::too_many_arguments, reason = "the preview1 signature")]
    pub(crate) fn path_rename(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_fd: u32,
        old_path: u32,
        old_path_len: u32,
        new_fd: u32,
        new_path: u32,
        new_path_len: u32,
    ) -> WasiResult<()> {
        let (old_dir, old_path) = self.dir_and_path(
            mem,
            old_fd,
            Rights::PATH_RENAME_SOURCE,
            old_path,
            old_path_len,
        )?;
        let (new_dir, new_path) = self.dir_and_path(
            mem,
            new_fd,
            Rights::PATH_RENAME_TARGET,
            new_path,
            new_path_len,
        )?;
        Ok(old_dir.rename(old_path, new_dir, new_path)?)
    }

    pub(crate) fn path_symlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_path: u32,
        old_path_len: u32,
        fd: u32,
        new_path: u32,
        new_path_len: u32,
    ) -> WasiResult<()> {
        let target = mem.str(old_path, old_path_len)?.to_owned();
        let (dir, new_path) =
            self.dir_and_path(mem, fd, Rights::PATH_SYMLINK, new_path, new_path_len)?;
        Ok(dir.symlink(target, new_path)?)
    }

    pub(crate) fn path_unlink_file(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        path_len: u32,
    ) -> WasiResult<()> {
        let (dir, path) = self.dir_and_path(mem, fd, Rights::PATH_UNLINK_FILE, path, path_len)?;
        Ok(dir.remove_file_or_symlink(path)?)
    }
}

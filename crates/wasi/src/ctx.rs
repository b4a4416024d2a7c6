//! `WasiCtx`, the state of one guest's WASI world (arguments, environment, descriptors),
//! and `WasiCtxBuilder`, which grants it: nothing is inherited from the host unless the
//! embedder says so.

use std::path::Path;

use bitflags::bitflags;
use cap_std::ambient_authority;
use cap_std::fs::Dir;

use crate::abi::{FdFlags, Rights};
use crate::streams::{MemoryInputPipe, MemoryOutputPipe, Stream};
use crate::table::{Descriptor, Kind, Table};

bitflags! {
    /// What a guest may do to a preopened directory itself.
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
    pub struct DirPerms: u8 {
        /// List it, open and stat what is in it, read links.
        const READ = 1 << 0;
        /// Create, rename, link and remove entries, and change times.
        const MUTATE = 1 << 1;
    }
}

bitflags! {
    /// What a guest may do to the files it opens beneath a preopened directory.
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
    pub struct FilePerms: u8 {
        /// Read them.
        const READ = 1 << 0;
        /// Write, truncate, allocate and change their times.
        const WRITE = 1 << 1;
    }
}

/// Rights that change a directory's entries.
const DIR_MUTATING: Rights = Rights::PATH_CREATE_DIRECTORY
    .union(Rights::PATH_CREATE_FILE)
    .union(Rights::PATH_LINK_SOURCE)
    .union(Rights::PATH_LINK_TARGET)
    .union(Rights::PATH_RENAME_SOURCE)
    .union(Rights::PATH_RENAME_TARGET)
    .union(Rights::PATH_FILESTAT_SET_SIZE)
    .union(Rights::PATH_FILESTAT_SET_TIMES)
    .union(Rights::FD_FILESTAT_SET_TIMES)
    .union(Rights::PATH_SYMLINK)
    .union(Rights::PATH_REMOVE_DIRECTORY)
    .union(Rights::PATH_UNLINK_FILE);

/// Rights that read a directory.
const DIR_READING: Rights = Rights::PATH_OPEN
    .union(Rights::FD_READDIR)
    .union(Rights::PATH_READLINK)
    .union(Rights::PATH_FILESTAT_GET)
    .union(Rights::FD_FILESTAT_GET);

/// Rights that change a file.
const FILE_WRITING: Rights = Rights::FD_WRITE
    .union(Rights::FD_ALLOCATE)
    .union(Rights::FD_FILESTAT_SET_SIZE)
    .union(Rights::FD_FILESTAT_SET_TIMES)
    .union(Rights::FD_DATASYNC)
    .union(Rights::FD_SYNC);

impl DirPerms {
    fn rights(self) -> Rights {
        let mut rights = Rights::DIR.difference(DIR_MUTATING).difference(DIR_READING);
        if self.contains(Self::READ) {
            rights |= DIR_READING;
        }
        if self.contains(Self::MUTATE) {
            rights |= DIR_MUTATING;
        }
        rights
    }
}

impl FilePerms {
    fn rights(self) -> Rights {
        let mut rights = Rights::FILE
            .difference(FILE_WRITING)
            .difference(Rights::FD_READ);
        if self.contains(Self::READ) {
            rights |= Rights::FD_READ;
        }
        if self.contains(Self::WRITE) {
            rights |= FILE_WRITING;
        }
        rights
    }
}

/// The WASI state of one guest. Keep it in the store's data and hand it to
/// [`add_to_linker`](crate::add_to_linker) through a projection.
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<String>,
    pub(crate) table: Table,
}

impl WasiCtx {
    /// A builder with no arguments, no environment, null stdio and no directories.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }
}

/// Grants a guest its arguments, environment, stdio and directories.
#[derive(Default)]
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdio: [Stream; 3],
    preopens: Vec<(Dir, String, DirPerms, FilePerms)>,
}

impl WasiCtxBuilder {
    /// A builder with no arguments, no environment, null stdio and no directories.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one argument (the first is the program's name, `argv[0]`).
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends arguments.
    pub fn args(&mut self, args: &[impl AsRef<str>]) -> &mut Self {
        for arg in args {
            self.arg(arg);
        }
        self
    }

    /// Sets one environment variable, replacing an earlier value.
    pub fn env(&mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        let name = name.as_ref().to_owned();
        self.env.retain(|(existing, _)| *existing != name);
        self.env.push((name, value.as_ref().to_owned()));
        self
    }

    /// Sets environment variables.
    pub fn envs(&mut self, vars: &[(impl AsRef<str>, impl AsRef<str>)]) -> &mut Self {
        for (name, value) in vars {
            self.env(name, value);
        }
        self
    }

    /// Passes the host's whole environment (variables that are not UTF-8 are left out).
    pub fn inherit_env(&mut self) -> &mut Self {
        for (name, value) in std::env::vars_os() {
            if let (Ok(name), Ok(value)) = (name.into_string(), value.into_string()) {
                self.env(name, value);
            }
        }
        self
    }

    /// The guest's stdin reads from `pipe`.
    pub fn stdin(&mut self, pipe: MemoryInputPipe) -> &mut Self {
        self.stdio[0] = Stream::Input(pipe);
        self
    }

    /// The guest's stdout goes to `pipe`.
    pub fn stdout(&mut self, pipe: MemoryOutputPipe) -> &mut Self {
        self.stdio[1] = Stream::Output(pipe);
        self
    }

    /// The guest's stderr goes to `pipe`.
    pub fn stderr(&mut self, pipe: MemoryOutputPipe) -> &mut Self {
        self.stdio[2] = Stream::Output(pipe);
        self
    }

    /// The guest reads the host's stdin.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdio[0] = Stream::HostStdin;
        self
    }

    /// The guest writes to the host's stdout.
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdio[1] = Stream::HostStdout;
        self
    }

    /// The guest writes to the host's stderr.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stdio[2] = Stream::HostStderr;
        self
    }

    /// The guest uses the host's stdin, stdout and stderr.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Gives the guest the host directory `host` as `guest` (a path the guest opens files
    /// through, such as `/` or `.`). Nothing outside `host` can be reached through it: every
    /// path is resolved beneath it, symbolic links included. The guest never sees `host`.
    ///
    /// # Errors
    ///
    /// If `host` cannot be opened as a directory.
    pub fn preopened_dir(
        &mut self,
        host: impl AsRef<Path>,
        guest: impl AsRef<str>,
        dir_perms: DirPerms,
        file_perms: FilePerms,
    ) -> tarn::Result<&mut Self> {
        let host = host.as_ref();
        let dir = Dir::open_ambient_dir(host, ambient_authority()).map_err(|e| {
            tarn::Error::msg(format!("cannot open directory {}: {e}", host.display()))
        })?;
        self.preopens
            .push((dir, guest.as_ref().to_owned(), dir_perms, file_perms));
        Ok(self)
    }

    /// The context: stdio at descriptors 0 to 2, then the preopened directories in the
    /// order they were given, from 3 on. The builder is left empty.
    pub fn build(&mut self) -> WasiCtx {
        let builder = std::mem::take(self);
        let mut table = Table::default();
        for (fd, stream) in builder.stdio.into_iter().enumerate() {
            let base = if stream.is_input() || fd == 0 {
                Rights::STREAM.difference(Rights::FD_WRITE)
            } else {
                Rights::STREAM.difference(Rights::FD_READ)
            };
            table.insert_at(
                fd as u32,
                Descriptor {
                    kind: Kind::Stream(stream),
                    base,
                    inheriting: Rights::empty(),
                    flags: FdFlags::empty(),
                    preopen: None,
                },
            );
        }
        for (dir, guest, dir_perms, file_perms) in builder.preopens {
            let base = dir_perms.rights();
            let descriptor = Descriptor {
                kind: Kind::Dir(dir),
                base,
                inheriting: base | file_perms.rights(),
                flags: FdFlags::empty(),
                preopen: Some(guest),
            };
            table
                .push(descriptor)
                .expect("a fresh table has room for every preopen");
        }
        WasiCtx {
            args: builder.args,
            env: builder
                .env
                .into_iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect(),
            table,
        }
    }
}

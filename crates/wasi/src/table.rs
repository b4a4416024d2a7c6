//! The descriptor table: what each guest file descriptor is, with its rights and flags.

use std::collections::BTreeMap;

use cap_std::fs::{Dir, File};

use crate::abi::{FdFlags, Rights};
use crate::errno::Errno;
use crate::memory::WasiResult;
use crate::streams::Stream;

/// What a descriptor refers to.
pub(crate) enum Kind {
    /// A standard stream.
    Stream(Stream),
    /// An open file.
    File(File),
    /// An open directory, resolved beneath a preopen.
    Dir(Dir),
}

/// One entry of the table.
pub(crate) struct Descriptor {
    pub(crate) kind: Kind,
    /// What this descriptor may be used for.
    pub(crate) base: Rights,
    /// What descriptors opened through this one may be given.
    pub(crate) inheriting: Rights,
    /// `fdflags` as the guest set them (`APPEND` and `NONBLOCK` also reach the host file).
    pub(crate) flags: FdFlags,
    /// For a preopened directory, the guest path it was given as.
    pub(crate) preopen: Option<String>,
}

impl Descriptor {
    /// Fails with `ENOTCAPABLE` unless the descriptor has every right in `needed`.
    pub(crate) fn require(&self, needed: Rights) -> WasiResult<()> {
        if self.base.contains(needed) {
            Ok(())
        } else {
            Err(Errno::Notcapable)
        }
    }

    pub(crate) fn file(&self, needed: Rights) -> WasiResult<&File> {
        match &self.kind {
            Kind::File(file) => {
                self.require(needed)?;
                Ok(file)
            }
            Kind::Dir(_) => Err(Errno::Isdir),
            Kind::Stream(_) => Err(Errno::Spipe),
        }
    }

    pub(crate) fn dir(&self, needed: Rights) -> WasiResult<&Dir> {
        match &self.kind {
            Kind::Dir(dir) => {
                self.require(needed)?;
                Ok(dir)
            }
            _ => Err(Errno::Notdir),
        }
    }
}

/// Guest descriptors by number. New descriptors take the lowest free number.
#[derive(Default)]
pub(crate) struct Table {
    entries: BTreeMap<u32, Descriptor>,
}

/// The most descriptors a guest may hold at once.
const MAX_DESCRIPTORS: usize = 1 << 16;

impl Table {
    pub(crate) fn get(&self, fd: u32) -> WasiResult<&Descriptor> {
        self.entries.get(&fd).ok_or(Errno::Badf)
    }

    pub(crate) fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Descriptor> {
        self.entries.get_mut(&fd).ok_or(Errno::Badf)
    }

    /// Adds `descriptor` under the lowest free number.
    pub(crate) fn push(&mut self, descriptor: Descriptor) -> WasiResult<u32> {
        if self.entries.len() >= MAX_DESCRIPTORS {
            return Err(Errno::Mfile);
        }
        let fd = (0..)
            .zip(self.entries.keys())
            .find(|(expected, fd)| expected != *fd)
            .map_or(self.entries.len() as u32, |(expected, _)| expected);
        self.entries.insert(fd, descriptor);
        Ok(fd)
    }

    pub(crate) fn insert_at(&mut self, fd: u32, descriptor: Descriptor) {
        self.entries.insert(fd, descriptor);
    }

    pub(crate) fn remove(&mut self, fd: u32) -> WasiResult<Descriptor> {
        self.entries.remove(&fd).ok_or(Errno::Badf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> Descriptor {
        Descriptor {
            kind: Kind::Stream(Stream::Null),
            base: Rights::STREAM,
            inheriting: Rights::empty(),
            flags: FdFlags::empty(),
            preopen: None,
        }
    }

    #[test]
    fn new_descriptors_take_the_lowest_free_number() {
        let mut table = Table::default();
        for expected in 0..4 {
            assert_eq!(table.push(stream()), Ok(expected));
        }
        table.remove(1).ok().unwrap();
        assert_eq!(table.push(stream()), Ok(1));
        assert_eq!(table.push(stream()), Ok(4));
        assert!(matches!(table.remove(9), Err(Errno::Badf)));
    }
}

//! `fd_readdir`: a directory's entries as `dirent` records, resumable by cookie.

use std::os::unix::ffi::OsStrExt;

use cap_std::fs::{Dir, FileType, FileTypeExt, MetadataExt};

use crate::abi::{Rights, filetype};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::{GuestMemory, WasiResult};

/// One entry as `fd_readdir` reports it.
struct Entry {
    name: Vec<u8>,
    ino: u64,
    filetype: u8,
}

fn filetype_of(ty: FileType) -> u8 {
    if ty.is_dir() {
        filetype::DIRECTORY
    } else if ty.is_file() {
        filetype::REGULAR_FILE
    } else if ty.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ty.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if ty.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ty.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}

/// `.`, `..`, then the directory's entries sorted by name, so a cookie (an index into
/// this list) means the same entry on every call while the directory is unchanged.
fn entries(dir: &Dir) -> WasiResult<Vec<Entry>> {
    use rustix::fs::DirEntryExt;
    let this = dir.dir_metadata()?;
    let parent = rustix::fs::statat(dir, "..", rustix::fs::AtFlags::empty())
        .map_or(this.ino(), |stat| stat.st_ino);
    let mut entries = vec![
        Entry {
            name: b".".to_vec(),
            ino: this.ino(),
            filetype: filetype::DIRECTORY,
        },
        Entry {
            name: b"..".to_vec(),
            ino: parent,
            filetype: filetype::DIRECTORY,
        },
    ];
    let mut rest = Vec::new();
    for entry in dir.entries()? {
        let entry = entry?;
        rest.push(Entry {
            name: entry.file_name().as_bytes().to_vec(),
            ino: entry.ino(),
            filetype: filetype_of(entry.file_type()?),
        });
    }
    rest.sort_by(|a, b| a.name.cmp(&b.name));
    entries.extend(rest);
    Ok(entries)
}

impl WasiCtx {
    pub(crate) fn fd_readdir(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        buf: u32,
        buf_len: u32,
        cookie: u64,
        bufused: u32,
    ) -> WasiResult<()> {
        let dir = self.table.get(fd)?.dir(Rights::FD_READDIR)?;
        mem.slice(buf, buf_len)?;
        let entries = entries(dir)?;
        let start = usize::try_from(cookie).unwrap_or(usize::MAX);
        let mut bytes = Vec::new();
        for (index, entry) in entries.iter().enumerate().skip(start) {
            if bytes.len() >= buf_len as usize {
                break;
            }
            let namlen = u32::try_from(entry.name.len()).map_err(|_| Errno::Nametoolong)?;
            bytes.extend_from_slice(&(index as u64 + 1).to_le_bytes());
            bytes.extend_from_slice(&entry.ino.to_le_bytes());
            bytes.extend_from_slice(&namlen.to_le_bytes());
            bytes.push(entry.filetype);
            // Padding to the 24-byte `dirent` header; the name follows.
            bytes.extend_from_slice(&[0; 3]);
            bytes.extend_from_slice(&entry.name);
        }
        // A record that does not fit is cut at the buffer's end: a full buffer tells the
        // guest to call again with a larger one from the last whole record's cookie.
        bytes.truncate(buf_len as usize);
        mem.write_bytes(buf, &bytes)?;
        mem.write_u32(bufused, bytes.len() as u32)
    }
}

//! `MappedFile`: a file mapped read-only into memory, so a large artifact is loaded by
//! the page as it is read rather than copied into a buffer first.

use core::ptr::NonNull;
use std::io;
use std::path::Path;

use crate::sys;

/// A whole file, mapped read-only and private; unmapped on drop.
#[derive(Debug)]
pub struct MappedFile {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only memory owned by this value.
unsafe impl Send for MappedFile {}
// SAFETY: as above; `&MappedFile` only reads.
unsafe impl Sync for MappedFile {}

impl MappedFile {
    /// Maps the file at `path`.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened, is too large for the address space, or cannot
    /// be mapped.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = std::fs::File::open(path)?;
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| io::Error::other("file too large to map"))?;
        if len == 0 {
            return Ok(Self {
                ptr: NonNull::dangling(),
                len,
            });
        }
        let ptr = sys::mmap_file_readonly(&file, len)?;
        Ok(Self { ptr, len })
    }

    /// The file's bytes. Reading them is only defined while nothing changes the file,
    /// which is the caller's to ensure (loading an artifact is unsafe for this reason).
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping is `len` readable bytes owned by `self` (or empty).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: we own the mapping and nothing borrows it once `self` goes.
            unsafe { sys::munmap(self.ptr.as_ptr(), self.len) };
        }
    }
}

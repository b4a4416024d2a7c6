//! `Mmap`: the owner of one anonymous mapping. Linear memories, code memory and
//! alternate signal stacks are all built on it, so unmapping happens in one `Drop`.

use core::ptr::NonNull;
use std::io;

use crate::sys::{self, Protection};

/// An anonymous memory mapping, unmapped on drop.
///
/// The mapping starts inaccessible (or read-write, for [`Mmap::accessible`]); callers
/// change protections page by page inside it.
#[derive(Debug)]
pub(crate) struct Mmap {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; moving the owner to another
// thread moves nothing but the address.
unsafe impl Send for Mmap {}
// SAFETY: `&Mmap` only hands out the address; every access through it is unsafe and
// synchronised by its users.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Reserves `len` bytes (rounded up to whole pages) of inaccessible address space.
    pub(crate) fn reserve(len: usize) -> io::Result<Self> {
        Self::map(len, Protection::None)
    }

    /// Maps `len` bytes (rounded up to whole pages) readable and writable.
    pub(crate) fn accessible(len: usize) -> io::Result<Self> {
        Self::map(len, Protection::ReadWrite)
    }

    fn map(len: usize, protection: Protection) -> io::Result<Self> {
        let len = round_up_to_page(len)
            .filter(|&len| len > 0)
            .ok_or_else(|| io::Error::other("mapping size is zero or overflows"))?;
        let ptr = sys::mmap_anonymous(len, protection)?;
        Ok(Self { ptr, len })
    }

    /// The first byte of the mapping.
    pub(crate) fn as_mut_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The mapping's size in bytes, a whole number of pages.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Changes the protection of `len` bytes at `offset`.
    ///
    /// # Safety
    ///
    /// `offset` and `len` must be page-aligned, and no reference may point into pages
    /// that lose access the reference needs.
    pub(crate) unsafe fn protect(
        &self,
        offset: usize,
        len: usize,
        protection: Protection,
    ) -> io::Result<()> {
        let in_bounds = offset.checked_add(len).is_some_and(|end| end <= self.len);
        if !in_bounds {
            return Err(io::Error::other("protection change outside the mapping"));
        }
        // SAFETY: the range is inside our mapping (checked above); alignment and
        // references are the caller's obligation.
        unsafe { sys::mprotect(self.as_mut_ptr().add(offset), len, protection) }
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        // SAFETY: we own the whole mapping, and with `self` gone nothing can reach it.
        unsafe { sys::munmap(self.ptr.as_ptr(), self.len) };
    }
}

/// `len` rounded up to a multiple of the host page size, or `None` on overflow.
pub(crate) fn round_up_to_page(len: usize) -> Option<usize> {
    let page = sys::page_size();
    len.checked_next_multiple_of(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessible_mappings_are_zeroed_and_writable() {
        let mmap = Mmap::accessible(10).unwrap();
        assert_eq!(mmap.len(), sys::page_size());
        // SAFETY: the mapping is read-write and at least 10 bytes long.
        let bytes = unsafe { core::slice::from_raw_parts_mut(mmap.as_mut_ptr(), 10) };
        assert!(bytes.iter().all(|&b| b == 0));
        bytes[9] = 7;
        assert_eq!(bytes[9], 7);
    }

    #[test]
    fn protecting_outside_the_mapping_is_an_error() {
        let mmap = Mmap::reserve(sys::page_size()).unwrap();
        // SAFETY: the range is rejected before any system call.
        let result = unsafe { mmap.protect(0, 2 * sys::page_size(), Protection::ReadWrite) };
        assert!(result.is_err());
    }
}

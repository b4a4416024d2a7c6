//! `GuestMemory`: the guest's linear memory as a WASI call sees it. Every pointer and
//! length the guest passes is checked here; one out of bounds is `EFAULT`, never a host
//! crash.

use crate::abi::layout::IOVEC_SIZE;
use crate::errno::Errno;

/// A WASI result: a value, or the errno the call returns.
pub(crate) type WasiResult<T> = Result<T, Errno>;

/// Linear memory for the duration of one call.
pub(crate) struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// One `iovec` of the guest: a range of its memory.
#[derive(Copy, Clone, Debug)]
pub(crate) struct IoVec {
    pub(crate) ptr: u32,
    pub(crate) len: u32,
}

impl<'a> GuestMemory<'a> {
    pub(crate) fn new(bytes: &'a mut [u8]) -> Self {
        Self { bytes }
    }

    fn range(&self, ptr: u32, len: u32) -> WasiResult<std::ops::Range<usize>> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.bytes.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    /// `len` bytes at `ptr`.
    pub(crate) fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let range = self.range(ptr, len)?;
        Ok(&self.bytes[range])
    }

    /// `len` bytes at `ptr`, for writing.
    pub(crate) fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let range = self.range(ptr, len)?;
        Ok(&mut self.bytes[range])
    }

    /// A UTF-8 string of `len` bytes at `ptr`; other bytes are `EILSEQ`.
    pub(crate) fn str(&self, ptr: u32, len: u32) -> WasiResult<&str> {
        std::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::Ilseq)
    }

    /// Copies `bytes` to `ptr`.
    pub(crate) fn write_bytes(&mut self, ptr: u32, bytes: &[u8]) -> WasiResult<()> {
        let len = u32::try_from(bytes.len()).map_err(|_| Errno::Fault)?;
        self.slice_mut(ptr, len)?.copy_from_slice(bytes);
        Ok(())
    }

    pub(crate) fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(self.slice(ptr, 1)?[0])
    }

    pub(crate) fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }

    pub(crate) fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }

    pub(crate) fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    fn array<const N: usize>(&self, ptr: u32) -> WasiResult<[u8; N]> {
        let bytes = self.slice(ptr, N as u32)?;
        Ok(bytes.try_into().expect("the slice has N bytes"))
    }

    pub(crate) fn write_u8(&mut self, ptr: u32, value: u8) -> WasiResult<()> {
        self.write_bytes(ptr, &[value])
    }

    pub(crate) fn write_u16(&mut self, ptr: u32, value: u16) -> WasiResult<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    pub(crate) fn write_u32(&mut self, ptr: u32, value: u32) -> WasiResult<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    pub(crate) fn write_u64(&mut self, ptr: u32, value: u64) -> WasiResult<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    /// The `count` iovecs of the array at `ptr`, each checked to lie in memory.
    pub(crate) fn iovecs(&self, ptr: u32, count: u32) -> WasiResult<Vec<IoVec>> {
        let bytes = self.slice(ptr, count.checked_mul(IOVEC_SIZE).ok_or(Errno::Fault)?)?;
        bytes
            .chunks_exact(IOVEC_SIZE as usize)
            .map(|chunk| {
                let field = |at: usize| u32::from_le_bytes(chunk[at..at + 4].try_into().unwrap());
                let iovec = IoVec {
                    ptr: field(0),
                    len: field(4),
                };
                self.range(iovec.ptr, iovec.len)?;
                Ok(iovec)
            })
            .collect()
    }

    /// Runs `read` on a buffer for the bytes of `iovecs` (at most `limit`), then writes
    /// the first `n` bytes it reports to the iovecs and returns `n`. A single iovec is
    /// read into directly; several go through one host buffer.
    pub(crate) fn read_into(
        &mut self,
        iovecs: &[IoVec],
        limit: usize,
        read: impl FnOnce(&mut [u8]) -> WasiResult<usize>,
    ) -> WasiResult<usize> {
        if let [one] = iovecs {
            let len = (one.len as usize).min(limit) as u32;
            return read(self.slice_mut(one.ptr, len)?);
        }
        let mut buf = vec![0; total_len(iovecs).min(limit)];
        let n = read(&mut buf)?;
        self.scatter(iovecs, &buf[..n.min(buf.len())])
    }

    /// Runs `write` on the bytes of `iovecs`: a single iovec in place, several gathered.
    pub(crate) fn write_from<R>(
        &self,
        iovecs: &[IoVec],
        write: impl FnOnce(&[u8]) -> WasiResult<R>,
    ) -> WasiResult<R> {
        match iovecs {
            [one] => write(self.slice(one.ptr, one.len)?),
            _ => write(&self.gather(iovecs)?),
        }
    }

    /// The bytes of `iovecs`, concatenated.
    fn gather(&self, iovecs: &[IoVec]) -> WasiResult<Vec<u8>> {
        let mut bytes = Vec::new();
        for iovec in iovecs {
            bytes.extend_from_slice(self.slice(iovec.ptr, iovec.len)?);
        }
        Ok(bytes)
    }

    /// Spreads `bytes` over `iovecs` in order; returns how many were written.
    fn scatter(&mut self, iovecs: &[IoVec], mut bytes: &[u8]) -> WasiResult<usize> {
        let mut written = 0;
        for iovec in iovecs {
            if bytes.is_empty() {
                break;
            }
            let n = bytes.len().min(iovec.len as usize);
            self.slice_mut(iovec.ptr, n as u32)?
                .copy_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            written += n;
        }
        Ok(written)
    }
}

/// The total length of `iovecs`, capped at what a result can report.
fn total_len(iovecs: &[IoVec]) -> usize {
    iovecs
        .iter()
        .map(|iovec| iovec.len as usize)
        .fold(0usize, usize::saturating_add)
        .min(u32::MAX as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_access_past_the_end_is_a_fault() {
        let mut bytes = [0u8; 16];
        let mut memory = GuestMemory::new(&mut bytes);
        assert_eq!(memory.read_u32(12), Ok(0));
        assert_eq!(memory.read_u32(13), Err(Errno::Fault));
        assert_eq!(memory.read_u64(u32::MAX), Err(Errno::Fault));
        assert_eq!(memory.slice(16, 0).map(<[u8]>::len), Ok(0));
        assert_eq!(memory.slice(17, 0).map(<[u8]>::len), Err(Errno::Fault));
        assert_eq!(memory.write_u16(15, 1), Err(Errno::Fault));
        assert_eq!(
            memory.iovecs(0, u32::MAX).map(|v| v.len()),
            Err(Errno::Fault)
        );
    }

    #[test]
    fn an_iovec_pointing_outside_memory_is_a_fault() {
        let mut bytes = [0u8; 32];
        bytes[0..4].copy_from_slice(&8u32.to_le_bytes());
        bytes[4..8].copy_from_slice(&100u32.to_le_bytes());
        let memory = GuestMemory::new(&mut bytes);
        assert_eq!(memory.iovecs(0, 1).map(|v| v.len()), Err(Errno::Fault));
    }

    #[test]
    fn scatter_fills_iovecs_in_order() {
        let mut bytes = [0u8; 8];
        let mut memory = GuestMemory::new(&mut bytes);
        let iovecs = [IoVec { ptr: 0, len: 2 }, IoVec { ptr: 4, len: 4 }];
        assert_eq!(memory.scatter(&iovecs, b"abcdefgh"), Ok(6));
        assert_eq!(&bytes, b"ab\0\0cdef");
    }
}

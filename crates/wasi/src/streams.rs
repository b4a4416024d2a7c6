//! Standard streams: the host's own stdio, in-memory pipes for tests and embedders, or
//! nothing. Host stdout and stderr are written through at once (no buffering in Tarn),
//! so output survives `proc_exit` and large outputs stream.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// Bytes a guest reads from its stdin, held in memory. Reading past them is end of file.
#[derive(Clone, Debug, Default)]
pub struct MemoryInputPipe {
    bytes: Arc<Mutex<VecDeque<u8>>>,
}

impl MemoryInputPipe {
    /// A pipe holding `bytes`.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: Arc::new(Mutex::new(bytes.into().into())),
        }
    }

    fn read(&self, buf: &mut [u8]) -> usize {
        let mut bytes = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        let n = buf.len().min(bytes.len());
        for (slot, byte) in buf.iter_mut().zip(bytes.drain(..n)) {
            *slot = byte;
        }
        n
    }

    fn remaining(&self) -> usize {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Bytes a guest writes to stdout or stderr, collected in memory up to a capacity.
/// Clones share the buffer, so the embedder keeps one and reads it after the call.
#[derive(Clone, Debug)]
pub struct MemoryOutputPipe {
    bytes: Arc<Mutex<Vec<u8>>>,
    capacity: usize,
}

impl MemoryOutputPipe {
    /// A pipe that accepts up to `capacity` bytes; writes past it fail with `ENOSPC`.
    pub fn new(capacity: usize) -> Self {
        Self {
            bytes: Arc::new(Mutex::new(Vec::new())),
            capacity,
        }
    }

    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn write(&self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        if bytes.len() + buf.len() > self.capacity {
            return Err(std::io::Error::from_raw_os_error(
                rustix::io::Errno::NOSPC.raw_os_error(),
            ));
        }
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
}

/// Where one standard stream reads or writes.
#[derive(Clone, Debug, Default)]
pub(crate) enum Stream {
    /// Reads see end of file; writes are discarded.
    #[default]
    Null,
    /// The host process's stdin.
    HostStdin,
    /// The host process's stdout.
    HostStdout,
    /// The host process's stderr.
    HostStderr,
    /// An in-memory input.
    Input(MemoryInputPipe),
    /// An in-memory output.
    Output(MemoryOutputPipe),
}

impl Stream {
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::HostStdin => std::io::stdin().lock().read(buf),
            Self::Input(pipe) => Ok(pipe.read(buf)),
            Self::Null => Ok(0),
            Self::HostStdout | Self::HostStderr | Self::Output(_) => Err(bad_direction()),
        }
    }

    pub(crate) fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::HostStdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(buf)?;
                out.flush()?;
                Ok(buf.len())
            }
            Self::HostStderr => {
                let mut err = std::io::stderr().lock();
                err.write_all(buf)?;
                err.flush()?;
                Ok(buf.len())
            }
            Self::Output(pipe) => pipe.write(buf),
            Self::Null => Ok(buf.len()),
            Self::HostStdin | Self::Input(_) => Err(bad_direction()),
        }
    }

    /// Whether the stream reads (rather than writes).
    pub(crate) fn is_input(&self) -> bool {
        matches!(self, Self::HostStdin | Self::Input(_))
    }

    /// The host descriptor behind the stream, if it is the host's own stdio.
    pub(crate) fn host_fd(&self) -> Option<std::os::fd::BorrowedFd<'static>> {
        match self {
            Self::HostStdin => Some(rustix::stdio::stdin()),
            Self::HostStdout => Some(rustix::stdio::stdout()),
            Self::HostStderr => Some(rustix::stdio::stderr()),
            _ => None,
        }
    }

    /// Bytes a read could return at once without blocking, when known.
    pub(crate) fn readable_bytes(&self) -> u64 {
        match self {
            Self::Input(pipe) => pipe.remaining() as u64,
            _ => 0,
        }
    }
}

fn bad_direction() -> std::io::Error {
    std::io::Error::from_raw_os_error(rustix::io::Errno::BADF.raw_os_error())
}

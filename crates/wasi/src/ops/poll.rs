//! `poll_oneoff`: waiting on clocks and on descriptors being ready to read or write.
//!
//! Files, directories and in-memory pipes are always ready. The host's own stdio is
//! polled with the host's `poll`, bounded by the earliest clock deadline; with no host
//! descriptor to wait for, the call sleeps until that deadline.

use std::time::Duration;

use rustix::event::{PollFd, PollFlags};

use crate::abi::{
    EVENT_FD_READWRITE_HANGUP, Rights, SUBSCRIPTION_CLOCK_ABSTIME, clock, eventtype, layout,
};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::{GuestMemory, WasiResult};
use crate::ops::misc::now;
use crate::table::Kind;

/// One event to report.
struct Event {
    userdata: u64,
    error: Errno,
    kind: u8,
    nbytes: u64,
    flags: u16,
}

/// A subscription still waiting.
enum Waiting {
    /// A clock, due at this monotonic time (nanoseconds).
    Clock { userdata: u64, due: u64 },
    /// A host descriptor of the guest's stdio.
    HostFd {
        userdata: u64,
        kind: u8,
        fd: std::os::fd::BorrowedFd<'static>,
    },
}

impl WasiCtx {
    pub(crate) fn poll_oneoff(
        &mut self,
        mem: &mut GuestMemory<'_>,
        subscriptions: u32,
        events: u32,
        count: u32,
        nevents: u32,
    ) -> WasiResult<()> {
        if count == 0 {
            return Err(Errno::Inval);
        }
        let size = count
            .checked_mul(layout::SUBSCRIPTION_SIZE)
            .ok_or(Errno::Fault)?;
        mem.slice(subscriptions, size)?;
        mem.slice_mut(
            events,
            count.checked_mul(layout::EVENT_SIZE).ok_or(Errno::Fault)?,
        )?;

        let mut ready = Vec::new();
        let mut waiting = Vec::new();
        for index in 0..count {
            let at = subscriptions + index * layout::SUBSCRIPTION_SIZE;
            let userdata = mem.read_u64(at)?;
            let kind = mem.read_u8(at + 8)?;
            match kind {
                eventtype::CLOCK => {
                    let id = mem.read_u32(at + 16)?;
                    let timeout = mem.read_u64(at + 24)?;
                    let flags = mem.read_u16(at + 40)?;
                    match clock_due(id, timeout, flags) {
                        Ok(due) => waiting.push(Waiting::Clock { userdata, due }),
                        Err(error) => ready.push(Event::error(userdata, kind, error)),
                    }
                }
                eventtype::FD_READ | eventtype::FD_WRITE => {
                    let fd = mem.read_u32(at + 16)?;
                    match self.fd_readiness(fd, kind) {
                        Ok(Readiness::Ready(nbytes)) => ready.push(Event {
                            userdata,
                            error: Errno::Success,
                            kind,
                            nbytes,
                            flags: 0,
                        }),
                        Ok(Readiness::Host(fd)) => {
                            waiting.push(Waiting::HostFd { userdata, kind, fd })
                        }
                        Err(error) => ready.push(Event::error(userdata, kind, error)),
                    }
                }
                _ => return Err(Errno::Inval),
            }
        }

        if ready.is_empty() {
            ready = wait(&waiting)?;
        } else {
            // Host descriptors that are ready already are reported too, without waiting.
            let host_ready = poll_host(&waiting, Some(Duration::ZERO))?;
            ready.extend(host_ready);
        }
        for (index, event) in ready.iter().enumerate() {
            let at = events + index as u32 * layout::EVENT_SIZE;
            mem.slice_mut(at, layout::EVENT_SIZE)?.fill(0);
            mem.write_u64(at, event.userdata)?;
            mem.write_u16(at + 8, event.error as u16)?;
            mem.write_u8(at + 10, event.kind)?;
            mem.write_u64(at + 16, event.nbytes)?;
            mem.write_u16(at + 24, event.flags)?;
        }
        mem.write_u32(nevents, ready.len() as u32)
    }

    fn fd_readiness(&self, fd: u32, kind: u8) -> WasiResult<Readiness> {
        let descriptor = self.table.get(fd)?;
        let needed = if kind == eventtype::FD_READ {
            Rights::FD_READ
        } else {
            Rights::FD_WRITE
        };
        descriptor.require(Rights::POLL_FD_READWRITE)?;
        descriptor.require(needed)?;
        Ok(match &descriptor.kind {
            Kind::File(file) if kind == eventtype::FD_READ => {
                let size = file.metadata()?.len();
                let position = rustix::fs::seek(file, rustix::fs::SeekFrom::Current(0))?;
                Readiness::Ready(size.saturating_sub(position))
            }
            Kind::File(_) => Readiness::Ready(0),
            Kind::Dir(_) => return Err(Errno::Badf),
            Kind::Stream(stream) => match stream.host_fd() {
                Some(fd) => Readiness::Host(fd),
                None => Readiness::Ready(stream.readable_bytes()),
            },
        })
    }
}

enum Readiness {
    Ready(u64),
    Host(std::os::fd::BorrowedFd<'static>),
}

impl Event {
    fn error(userdata: u64, kind: u8, error: Errno) -> Self {
        Self {
            userdata,
            error,
            kind,
            nbytes: 0,
            flags: 0,
        }
    }
}

/// When a clock subscription is due, as a monotonic time.
fn clock_due(id: u32, timeout: u64, flags: u16) -> WasiResult<u64> {
    let monotonic_now = now(clock::MONOTONIC)?;
    if flags & !SUBSCRIPTION_CLOCK_ABSTIME != 0 {
        return Err(Errno::Inval);
    }
    let remaining = if flags & SUBSCRIPTION_CLOCK_ABSTIME != 0 {
        timeout.saturating_sub(now(id)?)
    } else {
        now(id)?;
        timeout
    };
    Ok(monotonic_now.saturating_add(remaining))
}

/// Blocks until a host descriptor is ready or the earliest clock is due, and returns the
/// events that happened.
fn wait(waiting: &[Waiting]) -> WasiResult<Vec<Event>> {
    let earliest = waiting
        .iter()
        .filter_map(|w| match w {
            Waiting::Clock { due, .. } => Some(*due),
            Waiting::HostFd { .. } => None,
        })
        .min();
    loop {
        let timeout = match earliest {
            Some(due) => Some(Duration::from_nanos(
                due.saturating_sub(now(clock::MONOTONIC)?),
            )),
            None => None,
        };
        let has_host = waiting.iter().any(|w| matches!(w, Waiting::HostFd { .. }));
        let mut events = if has_host {
            poll_host(waiting, timeout)?
        } else {
            if let Some(timeout) = timeout {
                std::thread::sleep(timeout);
            }
            Vec::new()
        };
        let now = now(clock::MONOTONIC)?;
        for w in waiting {
            if let Waiting::Clock { userdata, due } = w
                && *due <= now
            {
                events.push(Event {
                    userdata: *userdata,
                    error: Errno::Success,
                    kind: eventtype::CLOCK,
                    nbytes: 0,
                    flags: 0,
                });
            }
        }
        if !events.is_empty() {
            return Ok(events);
        }
    }
}

/// Polls the host descriptors among `waiting` for up to `timeout` (forever with `None`).
fn poll_host(waiting: &[Waiting], timeout: Option<Duration>) -> WasiResult<Vec<Event>> {
    let hosts: Vec<(u64, u8, std::os::fd::BorrowedFd<'static>)> = waiting
        .iter()
        .filter_map(|w| match w {
            Waiting::HostFd { userdata, kind, fd } => Some((*userdata, *kind, *fd)),
            Waiting::Clock { .. } => None,
        })
        .collect();
    if hosts.is_empty() {
        return Ok(Vec::new());
    }
    let mut fds: Vec<PollFd<'_>> = hosts
        .iter()
        .map(|(_, kind, fd)| {
            let flags = if *kind == eventtype::FD_READ {
                PollFlags::IN
            } else {
                PollFlags::OUT
            };
            PollFd::new(fd, flags)
        })
        .collect();
    let timeout = timeout.map(|t| rustix::time::Timespec {
        tv_sec: t.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: i64::from(t.subsec_nanos()),
    });
    match rustix::event::poll(&mut fds, timeout.as_ref()) {
        Ok(_) | Err(rustix::io::Errno::INTR) => {}
        Err(error) => return Err(error.into()),
    }
    Ok(hosts
        .iter()
        .zip(&fds)
        .filter(|(_, fd)| !fd.revents().is_empty())
        .map(|((userdata, kind, _), fd)| {
            let revents = fd.revents();
            let hangup = revents.contains(PollFlags::HUP);
            Event {
                userdata: *userdata,
                error: if revents.contains(PollFlags::NVAL) {
                    Errno::Badf
                } else {
                    Errno::Success
                },
                kind: *kind,
                nbytes: 0,
                flags: if hangup { EVENT_FD_READWRITE_HANGUP } else { 0 },
            }
        })
        .collect())
}

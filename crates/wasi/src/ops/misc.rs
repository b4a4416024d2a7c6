//! Arguments, environment, clocks, randomness, `sched_yield` and `proc_raise`.

use crate::abi::clock;
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::{GuestMemory, WasiResult};

/// Writes `strings` as C strings into `buf` and a pointer to each into `ptrs`.
fn write_strings(
    mem: &mut GuestMemory<'_>,
    strings: &[String],
    ptrs: u32,
    buf: u32,
) -> WasiResult<()> {
    let mut at = buf;
    for (index, string) in strings.iter().enumerate() {
        let slot = ptrs.checked_add(index as u32 * 4).ok_or(Errno::Fault)?;
        mem.write_u32(slot, at)?;
        mem.write_bytes(at, string.as_bytes())?;
        at = at.checked_add(string.len() as u32).ok_or(Errno::Fault)?;
        mem.write_u8(at, 0)?;
        at = at.checked_add(1).ok_or(Errno::Fault)?;
    }
    Ok(())
}

/// Writes how many strings there are and how many bytes they take as C strings.
fn write_sizes(
    mem: &mut GuestMemory<'_>,
    strings: &[String],
    count_ptr: u32,
    size_ptr: u32,
) -> WasiResult<()> {
    let size: usize = strings.iter().map(|s| s.len() + 1).sum();
    mem.write_u32(
        count_ptr,
        u32::try_from(strings.len()).map_err(|_| Errno::Overflow)?,
    )?;
    mem.write_u32(size_ptr, u32::try_from(size).map_err(|_| Errno::Overflow)?)
}

fn clock_of(id: u32) -> WasiResult<rustix::time::ClockId> {
    use rustix::time::ClockId as C;
    Ok(match id {
        clock::REALTIME => C::Realtime,
        clock::MONOTONIC => C::Monotonic,
        clock::PROCESS_CPUTIME => C::ProcessCPUTime,
        clock::THREAD_CPUTIME => C::ThreadCPUTime,
        _ => return Err(Errno::Inval),
    })
}

/// A clock's current time in nanoseconds.
pub(crate) fn now(id: u32) -> WasiResult<u64> {
    let time = rustix::time::clock_gettime(clock_of(id)?);
    Ok((time.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(time.tv_nsec as u64))
}

impl WasiCtx {
    pub(crate) fn args_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        argv: u32,
        buf: u32,
    ) -> WasiResult<()> {
        write_strings(mem, &self.args, argv, buf)
    }

    pub(crate) fn args_sizes_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        count: u32,
        size: u32,
    ) -> WasiResult<()> {
        write_sizes(mem, &self.args, count, size)
    }

    pub(crate) fn environ_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        environ: u32,
        buf: u32,
    ) -> WasiResult<()> {
        write_strings(mem, &self.env, environ, buf)
    }

    pub(crate) fn environ_sizes_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        count: u32,
        size: u32,
    ) -> WasiResult<()> {
        write_sizes(mem, &self.env, count, size)
    }

    pub(crate) fn clock_res_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        id: u32,
        res: u32,
    ) -> WasiResult<()> {
        let resolution = rustix::time::clock_getres(clock_of(id)?);
        let nanos = (resolution.tv_sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(resolution.tv_nsec as u64);
        mem.write_u64(res, nanos.max(1))
    }

    pub(crate) fn clock_time_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        id: u32,
        _precision: u64,
        time: u32,
    ) -> WasiResult<()> {
        mem.write_u64(time, now(id)?)
    }

    pub(crate) fn random_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        buf: u32,
        len: u32,
    ) -> WasiResult<()> {
        let bytes = mem.slice_mut(buf, len)?;
        getrandom::fill(bytes).map_err(|_| Errno::Io)
    }

    pub(crate) fn sched_yield(&mut self, _mem: &mut GuestMemory<'_>) -> WasiResult<()> {
        std::thread::yield_now();
        Ok(())
    }

    /// Signals are not delivered to guests: `ENOSYS`, as the preview1 adapters of other
    /// runtimes answer.
    pub(crate) fn proc_raise(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        _signal: u32,
    ) -> WasiResult<()> {
        Err(Errno::Nosys)
    }
}

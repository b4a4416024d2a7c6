//! Linear memories: one address-space reservation per memory, growth by changing page
//! protections (or by moving, when the tunables allow a smaller reservation), and the
//! `VMMemoryDefinition` compiled code reads on every access.

use std::sync::Arc;

use environ::{MemoryType, Tunables, WASM_PAGE_SIZE};

use crate::instance::InstantiationError;
use crate::memory_image::MemoryImage;
use crate::mmap::{Mmap, round_up_to_page};
use crate::pool::{MemoryPool, MemorySlot};
use crate::reservations::{self, Registration};
use crate::store::{HostError, ResourceLimiter};
use crate::sys::Protection;
use crate::vmcontext::VMMemoryDefinition;

/// The size of a wasm page as a host size.
const PAGE: usize = 1 << 16;
const _: () = assert!(PAGE as u64 == WASM_PAGE_SIZE);

/// A WebAssembly linear memory backed by one anonymous mapping.
///
/// The mapping is the reservation plus the guard region, all inaccessible except the
/// first `accessible` bytes. With the default 4 GiB reservation no 32-bit address plus
/// a static offset that fits the guard can leave the mapping, so compiled code needs no
/// bounds checks, and `grow` only changes protections.
#[derive(Debug)]
pub struct LinearMemory {
    backing: Backing,
    ty: MemoryType,
    /// The wasm-visible size in bytes, a whole number of wasm pages.
    byte_size: usize,
    /// Readable and writable bytes at the start of the mapping, a whole number of host
    /// pages and at least `byte_size`.
    accessible: usize,
    /// Bytes the memory may grow to without moving.
    reservation: usize,
    /// Inaccessible bytes after the reservation.
    guard: usize,
    /// Whether growing past the reservation moves the memory.
    may_move: bool,
    /// Whether the start of the memory was mapped from its module's image.
    imaged: bool,
}

/// Where a memory's bytes live.
#[derive(Debug)]
enum Backing {
    /// Its own mapping.
    Owned {
        /// The whole mapping, known to the fault handler as a memory's. Declared (so
        /// dropped) before `mmap`: the range is forgotten before it is unmapped, and so
        /// before another mapping can reuse it.
        _registration: Registration,
        mmap: Mmap,
    },
    /// A slot of the pooling allocator, given back (reset) when the memory drops.
    Pooled(MemorySlot),
}

fn pages_to_bytes(pages: u64) -> Option<usize> {
    usize::try_from(pages.checked_mul(WASM_PAGE_SIZE)?).ok()
}

fn limit_error(message: String) -> InstantiationError {
    InstantiationError::Limit(message)
}

impl LinearMemory {
    /// Creates a memory of `ty`'s minimum size, asking `limiter` first, with `image`
    /// (if any) mapped copy-on-write over its start.
    ///
    /// # Errors
    ///
    /// When the limiter denies or fails, the minimum does not fit the reservation (and
    /// the memory may not move), the image does not fit the minimum, or the address
    /// space cannot be reserved or mapped.
    pub fn new(
        ty: MemoryType,
        tunables: &Tunables,
        limiter: Option<&mut dyn ResourceLimiter>,
        image: Option<&MemoryImage>,
    ) -> Result<Self, InstantiationError> {
        let minimum = Self::minimum_allowed(ty, limiter)?;
        let configured = usize::try_from(tunables.memory_reservation).unwrap_or(usize::MAX);
        let guard = usize::try_from(tunables.memory_guard_size).unwrap_or(usize::MAX);
        let may_move = tunables.may_move(&ty);
        let reservation = if may_move {
            configured.max(minimum)
        } else if minimum <= configured {
            configured
        } else {
            return Err(limit_error(format!(
                "memory minimum of {minimum} bytes exceeds the {configured}-byte reservation"
            )));
        };
        let mut memory = Self::reserve(ty, reservation, guard, may_move)?;
        memory.initialise(minimum, image)?;
        Ok(memory)
    }

    /// Creates a memory of `ty`'s minimum size in a slot of `pool`, as
    /// [`LinearMemory::new`] does in a mapping of its own. A pooled memory never moves:
    /// it grows within the slot, up to the pool's maximum memory size.
    pub(crate) fn new_pooled(
        ty: MemoryType,
        limiter: Option<&mut dyn ResourceLimiter>,
        image: Option<&MemoryImage>,
        pool: &Arc<MemoryPool>,
    ) -> Result<Self, InstantiationError> {
        let minimum = Self::minimum_allowed(ty, limiter)?;
        if minimum > pool.max_bytes() {
            return Err(limit_error(format!(
                "memory minimum of {minimum} bytes exceeds the pooling allocator's maximum \
                 memory size of {} bytes",
                pool.max_bytes()
            )));
        }
        let image = image.filter(|image| image.offset() + image.len() <= minimum);
        let mut slot = pool.take(image)?;
        slot.set_accessible(minimum)
            .map_err(InstantiationError::Resource)?;
        let mut memory = Self {
            guard: pool.stride() - pool.max_bytes(),
            reservation: pool.max_bytes(),
            imaged: slot.has_image(),
            backing: Backing::Pooled(slot),
            ty,
            byte_size: 0,
            accessible: 0,
            may_move: false,
        };
        if let Backing::Pooled(slot) = &memory.backing {
            memory.accessible = slot.accessible();
        }
        memory.initialise(minimum, None)?;
        Ok(memory)
    }

    /// Checks a new memory's type and asks the limiter; returns the minimum in bytes.
    fn minimum_allowed(
        ty: MemoryType,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<usize, InstantiationError> {
        if ty.shared {
            return Err(InstantiationError::Unsupported("shared memories"));
        }
        let minimum = pages_to_bytes(ty.limits.minimum)
            .ok_or_else(|| limit_error(format!("memory minimum of {} pages", ty.limits.minimum)))?;
        let maximum = ty.limits.maximum.and_then(pages_to_bytes);
        if let Some(limiter) = limiter {
            let allowed = limiter
                .memory_growing(0, minimum, maximum)
                .map_err(InstantiationError::Host)?;
            if !allowed {
                return Err(limit_error(format!(
                    "the store refused a memory of {minimum} bytes"
                )));
            }
        }
        Ok(minimum)
    }

    /// Makes the first `minimum` bytes accessible and maps `image` over them.
    fn initialise(
        &mut self,
        minimum: usize,
        image: Option<&MemoryImage>,
    ) -> Result<(), InstantiationError> {
        self.make_accessible(minimum)
            .map_err(InstantiationError::Resource)?;
        self.byte_size = minimum;
        if let Some(image) = image {
            let fits = image
                .offset()
                .checked_add(image.len())
                .is_some_and(|end| end <= minimum);
            if !fits {
                return Err(InstantiationError::Mismatch(
                    "memory image larger than the memory".into(),
                ));
            }
            // SAFETY: the image's range lies inside the accessible start of our fresh
            // mapping (checked above), and nothing references it yet.
            unsafe { image.map_into(self.base()) }.map_err(InstantiationError::Resource)?;
            self.imaged = true;
        }
        Ok(())
    }

    fn reserve(
        ty: MemoryType,
        reservation: usize,
        guard: usize,
        may_move: bool,
    ) -> Result<Self, InstantiationError> {
        let reservation = round_up_to_page(reservation)
            .ok_or_else(|| limit_error("memory reservation overflows".into()))?;
        let total = reservation
            .checked_add(guard)
            .ok_or_else(|| limit_error("memory reservation plus guard overflows".into()))?;
        // A zero-byte memory with no guard still gets one page, so its base is a real
        // mapping that faults.
        let mmap = Mmap::reserve(total.max(1)).map_err(InstantiationError::Resource)?;
        let registration = reservations::register(mmap.as_mut_ptr() as usize, mmap.len());
        Ok(Self {
            backing: Backing::Owned {
                _registration: registration,
                mmap,
            },
            ty,
            byte_size: 0,
            accessible: 0,
            reservation,
            guard,
            may_move,
            imaged: false,
        })
    }

    /// Makes the first `bytes` (rounded up to host pages) readable and writable.
    fn make_accessible(&mut self, bytes: usize) -> std::io::Result<()> {
        let wanted = round_up_to_page(bytes).ok_or_else(|| std::io::Error::other("overflow"))?;
        let mmap = match &mut self.backing {
            Backing::Owned { mmap, .. } => mmap,
            Backing::Pooled(slot) => {
                slot.make_accessible(wanted)?;
                self.accessible = self.accessible.max(wanted);
                return Ok(());
            }
        };
        if wanted > self.accessible {
            // SAFETY: the range lies inside our reservation (callers check `bytes` against
            // it), is page-aligned, and only gains access, so no reference is affected.
            unsafe {
                mmap.protect(
                    self.accessible,
                    wanted - self.accessible,
                    Protection::ReadWrite,
                )?;
            }
            self.accessible = wanted;
        }
        Ok(())
    }

    /// Whether the memory's start was mapped from its module's image, so the imaged
    /// data segments are already in it.
    pub fn has_image(&self) -> bool {
        self.imaged
    }

    /// The memory's type.
    pub fn ty(&self) -> MemoryType {
        self.ty
    }

    /// The current size in bytes.
    pub fn byte_size(&self) -> usize {
        self.byte_size
    }

    /// The current size in wasm pages.
    pub fn pages(&self) -> u64 {
        (self.byte_size / PAGE) as u64
    }

    /// The bytes the memory may grow to without moving.
    pub fn reservation(&self) -> usize {
        self.reservation
    }

    /// The first byte of the memory. It changes only when growth moves the memory.
    pub fn base(&self) -> *mut u8 {
        match &self.backing {
            Backing::Owned { mmap, .. } => mmap.as_mut_ptr(),
            Backing::Pooled(slot) => slot.base(),
        }
    }

    /// What compiled code reads: base and current length.
    pub fn vmmemory(&self) -> VMMemoryDefinition {
        VMMemoryDefinition {
            base: self.base(),
            current_length: self.byte_size,
        }
    }

    /// The memory's contents.
    pub fn data(&self) -> &[u8] {
        // SAFETY: the first `byte_size` bytes are mapped read-write and owned by `self`;
        // compiled code cannot run while this shared borrow is alive, because entering it
        // needs the store, which owns this memory mutably.
        unsafe { core::slice::from_raw_parts(self.base(), self.byte_size) }
    }

    /// The memory's contents, for writing.
    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `data`, and `&mut self` makes this the only reference.
        unsafe { core::slice::from_raw_parts_mut(self.base(), self.byte_size) }
    }

    /// Grows by `delta_pages`, returning the old size in pages, or `None` when growth
    /// fails (the type's maximum, the limiter, the reservation or the OS said no); a
    /// failed growth changes nothing.
    ///
    /// # Errors
    ///
    /// Only when the limiter returns an error, which the caller turns into a trap.
    pub fn grow(
        &mut self,
        delta_pages: u64,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<Option<u64>, HostError> {
        let old_pages = self.pages();
        if delta_pages == 0 {
            return Ok(Some(old_pages));
        }
        let Some(new_pages) = old_pages.checked_add(delta_pages) else {
            return Ok(None);
        };
        let Some(new_bytes) = pages_to_bytes(new_pages) else {
            return Ok(None);
        };
        if let Some(limiter) = limiter {
            let maximum = self.ty.limits.maximum.and_then(pages_to_bytes);
            if !limiter.memory_growing(self.byte_size, new_bytes, maximum)? {
                return Ok(None);
            }
        }
        if new_pages > self.ty.maximum_pages() {
            return Ok(None);
        }
        let grown = if new_bytes <= self.reservation {
            self.make_accessible(new_bytes).is_ok()
        } else {
            self.may_move && self.move_to_larger_reservation(new_bytes).is_ok()
        };
        if grown {
            self.byte_size = new_bytes;
            Ok(Some(old_pages))
        } else {
            Ok(None)
        }
    }

    /// Copies the memory into a new reservation of at least `new_bytes`, doubling to
    /// keep repeated growth cheap.
    fn move_to_larger_reservation(&mut self, new_bytes: usize) -> Result<(), InstantiationError> {
        let maximum = pages_to_bytes(self.ty.maximum_pages()).unwrap_or(usize::MAX);
        let reservation = new_bytes.max(self.reservation.saturating_mul(2).min(maximum));
        let mut moved = Self::reserve(self.ty, reservation, self.guard, self.may_move)?;
        moved
            .make_accessible(new_bytes)
            .map_err(InstantiationError::Resource)?;
        // SAFETY: both ranges are mapped read-write for `byte_size` bytes (the new one
        // for more) and belong to different mappings, so they do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(self.base(), moved.base(), self.byte_size);
        }
        moved.byte_size = self.byte_size;
        *self = moved;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use environ::Limits;

    use super::*;

    fn memory_type(minimum: u64, maximum: Option<u64>) -> MemoryType {
        MemoryType {
            limits: Limits { minimum, maximum },
            shared: false,
            memory64: false,
        }
    }

    fn small_tunables(may_move: bool) -> Tunables {
        Tunables {
            memory_reservation: 4 << 16,
            memory_guard_size: 1 << 16,
            memory_may_move: may_move,
            ..Tunables::default_for_host()
        }
    }

    struct Deny;

    impl ResourceLimiter for Deny {
        fn memory_growing(
            &mut self,
            current: usize,
            _: usize,
            _: Option<usize>,
        ) -> Result<bool, HostError> {
            Ok(current == 0)
        }
        fn table_growing(
            &mut self,
            _: usize,
            _: usize,
            _: Option<usize>,
        ) -> Result<bool, HostError> {
            Ok(false)
        }
    }

    #[test]
    fn new_memories_are_zeroed_and_sized_to_their_minimum() {
        let memory =
            LinearMemory::new(memory_type(2, None), &Tunables::default(), None, None).unwrap();
        assert_eq!(memory.pages(), 2);
        assert_eq!(memory.data().len(), 2 * PAGE);
        assert!(memory.data().iter().all(|&b| b == 0));
        assert_eq!(memory.vmmemory().current_length, 2 * PAGE);
        assert_eq!(memory.reservation(), 1 << 32);
    }

    #[test]
    fn growing_keeps_contents_and_returns_the_old_size() {
        let mut memory =
            LinearMemory::new(memory_type(1, Some(3)), &Tunables::default(), None, None).unwrap();
        memory.data_mut()[PAGE - 1] = 9;
        assert_eq!(memory.grow(2, None).unwrap(), Some(1));
        assert_eq!(memory.pages(), 3);
        assert_eq!(memory.data()[PAGE - 1], 9);
        memory.data_mut()[3 * PAGE - 1] = 1;
    }

    #[test]
    fn grow_past_maximum_returns_none_and_changes_nothing() {
        let mut memory =
            LinearMemory::new(memory_type(1, Some(2)), &Tunables::default(), None, None).unwrap();
        assert_eq!(memory.grow(2, None).unwrap(), None);
        assert_eq!(memory.pages(), 1);
        assert_eq!(memory.grow(0, None).unwrap(), Some(1));
        assert_eq!(memory.grow(u64::MAX, None).unwrap(), None);
    }

    #[test]
    fn grow_past_a_fixed_reservation_fails() {
        let mut memory =
            LinearMemory::new(memory_type(1, None), &small_tunables(false), None, None).unwrap();
        assert_eq!(memory.grow(3, None).unwrap(), Some(1));
        assert_eq!(memory.grow(1, None).unwrap(), None);
        assert_eq!(memory.pages(), 4);
    }

    #[test]
    fn grow_past_a_movable_reservation_moves_and_copies() {
        let mut memory =
            LinearMemory::new(memory_type(1, None), &small_tunables(true), None, None).unwrap();
        memory.data_mut()[10] = 42;
        let old_base = memory.base();
        assert_eq!(memory.grow(7, None).unwrap(), Some(1));
        assert_ne!(memory.base(), old_base);
        assert_eq!(memory.data()[10], 42);
        assert_eq!(memory.pages(), 8);
        assert!(memory.reservation() >= 8 * PAGE);
    }

    #[test]
    fn the_limiter_can_refuse_growth() {
        let mut memory = LinearMemory::new(
            memory_type(1, None),
            &Tunables::default(),
            Some(&mut Deny),
            None,
        )
        .unwrap();
        assert_eq!(memory.grow(1, Some(&mut Deny)).unwrap(), None);
        assert_eq!(memory.pages(), 1);
    }

    #[test]
    fn an_empty_memory_without_reservation_or_guard_still_maps_and_grows_by_moving() {
        let tunables = Tunables {
            memory_reservation: 0,
            memory_guard_size: 0,
            memory_may_move: true,
            ..Tunables::default_for_host()
        };
        let mut memory = LinearMemory::new(memory_type(0, Some(1)), &tunables, None, None).unwrap();
        assert!(memory.data().is_empty());
        assert_eq!(memory.grow(1, None).unwrap(), Some(0));
        assert_eq!(memory.data().len(), PAGE);
        assert_eq!(memory.grow(1, None).unwrap(), None);
    }

    #[test]
    fn a_minimum_beyond_a_fixed_reservation_is_an_instantiation_error() {
        let result = LinearMemory::new(memory_type(5, None), &small_tunables(false), None, None);
        assert!(matches!(result, Err(InstantiationError::Limit(_))));
    }
}

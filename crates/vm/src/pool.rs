//! The pooling instance allocator: address space for every memory and table an engine
//! may ever have at once is reserved when the engine is made, divided into slots, and
//! reused. Instantiating takes free slots instead of mapping and unmapping; dropping an
//! instance gives its slots back, reset with `madvise(MADV_DONTNEED)` so no byte of the
//! old instance survives (anonymous pages read as zero again, a memory image's pages as
//! the image). A memory slot keeps the image last mapped into it, and a memory with that
//! same image prefers such a slot, so instantiating the same module again maps nothing.
//!
//! Limits (total instances, memories and tables, memory size, table elements) are checked
//! on every allocation; exceeding one is an [`InstantiationError::Limit`] naming it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use environ::Tunables;

use crate::instance::{
    InstanceAllocationRequest, InstanceAllocator, InstanceHandle, InstantiationError,
};
use crate::memory::LinearMemory;
use crate::memory_image::MemoryImage;
use crate::mmap::{Mmap, round_up_to_page};
use crate::reservations::{self, Registration};
use crate::store::ResourceLimiter;
use crate::sys::{self, Protection};
use crate::table::Table;

/// The pooling allocator's limits.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PoolingConfig {
    /// Instances alive at once.
    pub total_instances: u32,
    /// Linear memories alive at once (each instance's defined memories count).
    pub total_memories: u32,
    /// Tables alive at once.
    pub total_tables: u32,
    /// The most bytes one memory may grow to (capped by the memory reservation).
    pub max_memory_size: usize,
    /// The most elements one table may grow to.
    pub table_elements: usize,
}

fn limit(message: String) -> InstantiationError {
    InstantiationError::Limit(message)
}

/// Allocates instances from pre-reserved memory and table slots.
#[derive(Debug)]
pub struct PoolingInstanceAllocator {
    config: PoolingConfig,
    instances: Arc<AtomicU32>,
    memories: Arc<MemoryPool>,
    tables: Arc<TablePool>,
}

impl PoolingInstanceAllocator {
    /// Reserves the slots `config` asks for, for memories laid out as `tunables` say.
    ///
    /// # Errors
    ///
    /// When the address space cannot be reserved or the sizes overflow.
    pub fn new(config: PoolingConfig, tunables: &Tunables) -> Result<Self, InstantiationError> {
        Ok(Self {
            config,
            instances: Arc::new(AtomicU32::new(0)),
            memories: Arc::new(MemoryPool::new(&config, tunables)?),
            tables: Arc::new(TablePool::new(&config)?),
        })
    }

    /// How many memory slots are free now.
    pub fn free_memory_slots(&self) -> usize {
        self.memories
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// A taken instance slot; the count goes down when the instance is freed.
#[derive(Debug)]
pub(crate) struct InstanceToken(Arc<AtomicU32>);

impl Drop for InstanceToken {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl InstanceAllocator for PoolingInstanceAllocator {
    unsafe fn allocate(
        &self,
        request: InstanceAllocationRequest<'_>,
        mut limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<InstanceHandle, InstantiationError> {
        crate::instance::check_request(&request)?;
        let total = self.config.total_instances;
        let taken = self
            .instances
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < total).then_some(n + 1)
            });
        if taken.is_err() {
            return Err(limit(format!(
                "all {total} instance slots of the pooling allocator are in use"
            )));
        }
        let token = InstanceToken(Arc::clone(&self.instances));
        let module = &request.module;
        let mut memories = environ::EntityVec::new();
        for (ty, image) in crate::instance::defined_memories(&request) {
            let limiter = limiter
                .as_mut()
                .map(|l| &mut **l as &mut dyn ResourceLimiter);
            memories.push(LinearMemory::new_pooled(
                ty,
                limiter,
                image,
                &self.memories,
            )?);
        }
        let mut tables = environ::EntityVec::new();
        for (_, ty) in module.tables.iter().skip(module.num_imported_tables) {
            let limiter = limiter
                .as_mut()
                .map(|l| &mut **l as &mut dyn ResourceLimiter);
            tables.push(Table::new_pooled(*ty, limiter, &self.tables)?);
        }
        // SAFETY: the caller's promises about the request's pointers carry over.
        unsafe { crate::instance::allocate_instance(request, memories, tables, Some(token)) }
    }
}

/// The image mapped into a free memory slot, by the image's id and range.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct MappedImage {
    id: u64,
    offset: usize,
    len: usize,
}

/// A free memory slot, what is mapped in it, and how much of it is left accessible
/// (decommitted, so it reads as zeroes or the image), so that the next memory of the
/// same size needs no protection change.
#[derive(Debug)]
struct FreeMemorySlot {
    index: usize,
    image: Option<MappedImage>,
    accessible: usize,
}

/// Every memory slot: `stride` bytes each (the reservation and the guard), one mapping.
#[derive(Debug)]
pub(crate) struct MemoryPool {
    /// Declared before `mmap`, so the range is forgotten before it is unmapped.
    _registration: Registration,
    mmap: Mmap,
    stride: usize,
    /// Bytes a memory may grow to: the reservation, capped by `max_memory_size`.
    max_bytes: usize,
    free: Mutex<Vec<FreeMemorySlot>>,
}

impl MemoryPool {
    fn new(config: &PoolingConfig, tunables: &Tunables) -> Result<Self, InstantiationError> {
        let reservation = usize::try_from(tunables.memory_reservation)
            .ok()
            .and_then(round_up_to_page)
            .ok_or_else(|| limit("memory reservation overflows".into()))?;
        let guard = usize::try_from(tunables.memory_guard_size)
            .ok()
            .and_then(round_up_to_page)
            .ok_or_else(|| limit("memory guard overflows".into()))?;
        let stride = reservation
            .checked_add(guard)
            .ok_or_else(|| limit("memory slot size overflows".into()))?;
        let count = usize::try_from(config.total_memories).unwrap_or(usize::MAX);
        let total = stride
            .checked_mul(count)
            .ok_or_else(|| limit(format!("{count} memory slots of {stride} bytes overflow")))?;
        let mmap = Mmap::reserve(total.max(1)).map_err(InstantiationError::Resource)?;
        let registration = reservations::register(mmap.as_mut_ptr() as usize, mmap.len());
        let free = (0..count)
            .rev()
            .map(|index| FreeMemorySlot {
                index,
                image: None,
                accessible: 0,
            })
            .collect();
        Ok(Self {
            _registration: registration,
            mmap,
            stride,
            max_bytes: reservation.min(config.max_memory_size),
            free: Mutex::new(free),
        })
    }

    /// The bytes a pooled memory may grow to.
    pub(crate) fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// The reservation of each slot (its growth room) and the guard after it.
    pub(crate) fn stride(&self) -> usize {
        self.stride
    }

    /// Takes a free slot, preferring one that has `image` mapped already, and leaves
    /// `image` (if any) mapped at the slot's start, still inaccessible.
    pub(crate) fn take(
        self: &Arc<Self>,
        image: Option<&MemoryImage>,
    ) -> Result<MemorySlot, InstantiationError> {
        let wanted = image.map(|image| MappedImage {
            id: image.id(),
            offset: image.offset(),
            len: image.len(),
        });
        let slot = {
            let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
            let position = free
                .iter()
                .rposition(|slot| slot.image == wanted)
                .or_else(|| free.iter().rposition(|slot| slot.image.is_none()))
                .or_else(|| free.len().checked_sub(1));
            let Some(position) = position else {
                return Err(limit(format!(
                    "all {} memory slots of the pooling allocator are in use",
                    self.mmap.len() / self.stride
                )));
            };
            free.swap_remove(position)
        };
        let mut taken = MemorySlot {
            pool: Arc::clone(self),
            index: slot.index,
            image: slot.image,
            accessible: slot.accessible,
        };
        if taken.image != wanted {
            // SAFETY: the range is the slot's accessible start, which we own and
            // nothing references while it is free.
            unsafe { sys::mprotect(taken.base(), taken.accessible, Protection::None) }
                .map_err(InstantiationError::Resource)?;
            taken.accessible = 0;
            if let Some(old) = taken.image.take() {
                // SAFETY: the old image's range lies in this slot, which we own and
                // nothing references while it is free.
                unsafe { sys::remap_reserved(taken.base().add(old.offset), old.len) }
                    .map_err(InstantiationError::Resource)?;
            }
            if let (Some(image), Some(mapped)) = (image, wanted) {
                // SAFETY: as above; the image fits the slot's reservation (the memory
                // checks it against its minimum before it asks for a slot).
                unsafe { image.map_into(taken.base()) }.map_err(InstantiationError::Resource)?;
                // SAFETY: the image was just mapped in our slot; nothing references it.
                unsafe {
                    sys::mprotect(
                        taken.base().add(mapped.offset),
                        mapped.len,
                        Protection::None,
                    )
                }
                .map_err(InstantiationError::Resource)?;
                taken.image = Some(mapped);
            }
        }
        Ok(taken)
    }
}

/// A memory slot in use; dropping it resets the slot and gives it back.
#[derive(Debug)]
pub(crate) struct MemorySlot {
    pool: Arc<MemoryPool>,
    index: usize,
    image: Option<MappedImage>,
    /// Bytes the memory made accessible, which the reset must clear.
    accessible: usize,
}

impl MemorySlot {
    /// The slot's first byte.
    pub(crate) fn base(&self) -> *mut u8 {
        // SAFETY: `index` is below the slot count, so the offset is inside the mapping.
        unsafe {
            self.pool
                .mmap
                .as_mut_ptr()
                .add(self.index * self.pool.stride)
        }
    }

    /// Whether an image is mapped in the slot (the memory then holds it).
    pub(crate) fn has_image(&self) -> bool {
        self.image.is_some()
    }

    /// Makes exactly the first `bytes` (page-rounded) accessible, for a new memory:
    /// the rest of the slot must fault.
    pub(crate) fn set_accessible(&mut self, bytes: usize) -> std::io::Result<()> {
        let wanted = round_up_to_page(bytes).ok_or_else(|| std::io::Error::other("overflow"))?;
        if wanted < self.accessible {
            // SAFETY: the range is inside our slot and nothing references it yet.
            unsafe {
                sys::mprotect(
                    self.base().add(wanted),
                    self.accessible - wanted,
                    Protection::None,
                )?;
            }
            self.accessible = wanted;
        }
        self.make_accessible(wanted)
    }

    /// The bytes now accessible.
    pub(crate) fn accessible(&self) -> usize {
        self.accessible
    }

    /// Makes the first `bytes` (page-rounded, within the slot's growth room) readable
    /// and writable.
    pub(crate) fn make_accessible(&mut self, bytes: usize) -> std::io::Result<()> {
        let wanted = round_up_to_page(bytes)
            .filter(|&b| b <= self.pool.max_bytes.max(self.accessible))
            .ok_or_else(|| std::io::Error::other("beyond the pooled memory's maximum"))?;
        if wanted > self.accessible {
            // SAFETY: the range is inside our slot's reservation and only gains access.
            unsafe {
                sys::mprotect(
                    self.base().add(self.accessible),
                    wanted - self.accessible,
                    Protection::ReadWrite,
                )?;
            }
            self.accessible = wanted;
        }
        Ok(())
    }
}

impl Drop for MemorySlot {
    fn drop(&mut self) {
        // SAFETY: the memory that used the slot is gone, so nothing references it;
        // decommitting drops its pages (the image's read as the image again). The
        // accessible part stays accessible: the next memory adjusts it to its size.
        let reset = unsafe { sys::decommit(self.base(), self.accessible) };
        if reset.is_err() {
            // A slot that could not be reset is never reused.
            return;
        }
        self.pool
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(FreeMemorySlot {
                index: self.index,
                image: self.image,
                accessible: self.accessible,
            });
    }
}

/// Every table slot: room for `table_elements` pointer-sized elements each, one
/// read-write mapping whose pages are only backed once written.
#[derive(Debug)]
pub(crate) struct TablePool {
    mmap: Mmap,
    stride: usize,
    elements: usize,
    free: Mutex<Vec<usize>>,
}

impl TablePool {
    fn new(config: &PoolingConfig) -> Result<Self, InstantiationError> {
        let stride = config
            .table_elements
            .checked_mul(size_of::<usize>())
            .and_then(round_up_to_page)
            .ok_or_else(|| limit("table slot size overflows".into()))?;
        let count = usize::try_from(config.total_tables).unwrap_or(usize::MAX);
        let total = stride
            .checked_mul(count)
            .ok_or_else(|| limit(format!("{count} table slots of {stride} bytes overflow")))?;
        let mmap = Mmap::accessible(total.max(1)).map_err(InstantiationError::Resource)?;
        Ok(Self {
            mmap,
            stride,
            elements: config.table_elements,
            free: Mutex::new((0..count).rev().collect()),
        })
    }

    /// Takes a free slot, all zeroes.
    pub(crate) fn take(self: &Arc<Self>) -> Result<TableSlot, InstantiationError> {
        let index = self
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .ok_or_else(|| {
                limit(format!(
                    "all {} table slots of the pooling allocator are in use",
                    self.mmap.len() / self.stride.max(1)
                ))
            })?;
        Ok(TableSlot {
            pool: Arc::clone(self),
            index,
            used: 0,
        })
    }
}

/// A table slot in use; dropping it zeroes the slot and gives it back.
#[derive(Debug)]
pub(crate) struct TableSlot {
    pool: Arc<TablePool>,
    index: usize,
    /// How many leading elements were ever in use, which the reset must zero.
    used: usize,
}

impl TableSlot {
    /// The slot's elements, all of them (a table uses a prefix).
    pub(crate) fn elements(&self) -> *mut usize {
        // SAFETY: `index` is below the slot count, so the offset is inside the mapping,
        // which is page-aligned and so aligned for `usize`.
        unsafe {
            self.pool
                .mmap
                .as_mut_ptr()
                .add(self.index * self.pool.stride)
                .cast()
        }
    }

    /// How many elements the slot holds.
    pub(crate) fn capacity(&self) -> usize {
        self.pool.elements
    }

    /// Records that the first `len` elements are in use. The reset zeroes that many, so
    /// the count never passes the slot's capacity, whatever the caller asks.
    pub(crate) fn use_elements(&mut self, len: usize) {
        self.used = self.used.max(len).min(self.capacity());
    }
}

/// Below this many bytes a table slot is zeroed by writing; above, its pages are given
/// back to the kernel (a system call, then a fault per page on reuse).
const TABLE_ZEROING_BYTES: usize = 16 << 10;

impl Drop for TableSlot {
    fn drop(&mut self) {
        let bytes = self.used * size_of::<usize>();
        let reset = if bytes <= TABLE_ZEROING_BYTES {
            // SAFETY: the table that used the slot is gone; its first `used` elements
            // lie in the slot.
            unsafe { core::ptr::write_bytes(self.elements(), 0, self.used) };
            Ok(())
        } else {
            let bytes = round_up_to_page(bytes).unwrap_or(self.pool.stride);
            // SAFETY: as above; the page-rounded range stays inside the slot.
            unsafe { sys::decommit(self.elements().cast(), bytes.min(self.pool.stride)) }
        };
        if reset.is_ok() {
            self.pool
                .free
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(self.index);
        }
    }
}

#[cfg(test)]
mod tests;

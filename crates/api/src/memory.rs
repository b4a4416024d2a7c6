//! `Memory`: safe access to a linear memory of a store, whether an instance defined it or
//! the host created it.

use environ::DefinedMemoryIndex;

use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::store::{AsContext, AsContextMut, StoreOpaque, Stored};
use crate::types::MemoryType;

/// A linear memory of one store.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Memory(pub(crate) Stored<MemoryData>);

/// A memory is named by the instance that defines it and its index there.
pub(crate) struct MemoryData {
    pub(crate) instance: Instance,
    pub(crate) index: DefinedMemoryIndex,
}

impl Memory {
    /// A new memory of type `ty`, owned by the store.
    ///
    /// # Errors
    ///
    /// If the store's limiter refuses it or memory cannot be reserved.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        let max = ty.maximum().map(|m| format!(" {m}")).unwrap_or_default();
        let index = if ty.is_64() { "i64 " } else { "" };
        let wat = format!(
            "(module (memory (export \"\") {index}{}{max}))",
            ty.minimum()
        );
        let export = crate::externals::host_entity(store.as_context_mut().0, &wat)?;
        export
            .into_memory()
            .ok_or_else(|| Error::msg("host memory module exports no memory"))
    }

    /// The memory's type, with its current size as the minimum.
    ///
    /// # Panics
    ///
    /// If the memory belongs to another store.
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        self.ty_opaque(store.as_context().0.opaque())
    }

    pub(crate) fn ty_opaque(&self, store: &StoreOpaque) -> MemoryType {
        let memory = self.linear_memory(store);
        let mut ty = memory.ty();
        ty.limits.minimum = memory.pages();
        MemoryType::from_wasm(ty)
    }

    /// The size in 64 KiB pages.
    ///
    /// # Panics
    ///
    /// If the memory belongs to another store.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.linear_memory(store.as_context().0.opaque()).pages()
    }

    /// The size in bytes.
    ///
    /// # Panics
    ///
    /// If the memory belongs to another store.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.linear_memory(store.as_context().0.opaque())
            .byte_size()
    }

    /// The memory's contents.
    ///
    /// # Panics
    ///
    /// If the memory belongs to another store.
    pub fn data<'a, C: AsContext>(&self, store: &'a C) -> &'a [u8] {
        let store: &'a crate::store::StoreInner<C::Data> = store.as_context().0;
        self.linear_memory(store.opaque()).data()
    }

    /// The memory's contents, for writing.
    ///
    /// # Panics
    ///
    /// If the memory belongs to another store.
    pub fn data_mut<'a, C: AsContextMut>(&self, store: &'a mut C) -> &'a mut [u8] {
        self.data_and_store_mut(store).0
    }

    /// The memory's contents and the store's data at once, for host functions that move
    /// bytes between guest memory and their own state.
    ///
    /// # Panics
    ///
    /// If the memory belongs to another store.
    pub fn data_and_store_mut<'a, C: AsContextMut>(
        &self,
        store: &'a mut C,
    ) -> (&'a mut [u8], &'a mut C::Data) {
        let store: &'a mut crate::store::StoreInner<C::Data> = store.as_context_mut().0;
        let (opaque, data) = store.opaque_and_data_mut();
        let (instance, index) = self.owner(opaque);
        let owner = opaque.instances.get_mut(opaque.id(), instance.0);
        (owner.instance_mut().defined_memory_data_mut(index), data)
    }

    /// Copies `buffer.len()` bytes at `offset` into `buffer`.
    ///
    /// # Errors
    ///
    /// If the range is out of bounds, or the memory belongs to another store.
    pub fn read(&self, store: impl AsContext, offset: usize, buffer: &mut [u8]) -> Result<()> {
        let store = store.as_context();
        self.0.check(store.0.opaque().id(), "memory")?;
        let data = self.linear_memory(store.0.opaque()).data();
        let range = checked_range(offset, buffer.len(), data.len())?;
        buffer.copy_from_slice(&data[range]);
        Ok(())
    }

    /// Copies `bytes` into the memory at `offset`.
    ///
    /// # Errors
    ///
    /// If the range is out of bounds, or the memory belongs to another store.
    pub fn write(&self, mut store: impl AsContextMut, offset: usize, bytes: &[u8]) -> Result<()> {
        let mut store = store.as_context_mut();
        self.0.check(store.0.opaque().id(), "memory")?;
        let data = self.data_mut(&mut store);
        let range = checked_range(offset, bytes.len(), data.len())?;
        data[range].copy_from_slice(bytes);
        Ok(())
    }

    /// Grows by `delta` pages and returns the previous size in pages.
    ///
    /// # Errors
    ///
    /// If the memory cannot grow that far (its maximum, the limiter, or the host said
    /// no), with the memory unchanged, or the memory belongs to another store.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let (store, limiter) = store.as_context_mut().0.opaque_and_limiter();
        self.0.check(store.id(), "memory")?;
        let ty = self.ty_opaque(store);
        let (instance, index) = self.owner(store);
        let owner = store.instances.get_mut(store.id(), instance.0);
        match owner
            .instance_mut()
            .defined_memory_grow(index, delta, limiter)
        {
            Ok(Some(previous)) => Ok(previous),
            Ok(None) => Err(Error::msg(format!(
                "failed to grow a memory of {} pages (maximum {:?}) by {delta} pages",
                ty.minimum(),
                ty.maximum()
            ))),
            Err(error) => Err(error),
        }
    }

    fn owner(&self, store: &StoreOpaque) -> (Instance, DefinedMemoryIndex) {
        let data = store.memories.expect(store.id(), self.0, "memory");
        (data.instance, data.index)
    }

    fn linear_memory<'a>(&self, store: &'a StoreOpaque) -> &'a vm::LinearMemory {
        let (instance, index) = self.owner(store);
        let owner = store.instances.expect(store.id(), instance.0, "instance");
        owner.instance().defined_memory(index)
    }
}

/// `offset..offset + len` if it fits in `size` bytes.
fn checked_range(offset: usize, len: usize, size: usize) -> Result<core::ops::Range<usize>> {
    match offset.checked_add(len) {
        Some(end) if end <= size => Ok(offset..end),
        _ => Err(Error::msg(format!(
            "out of bounds memory access: {len} bytes at offset {offset} in a memory of {size} bytes"
        ))),
    }
}

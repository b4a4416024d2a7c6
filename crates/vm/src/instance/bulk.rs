//! Bulk memory and table operations on an instance (`memory.copy/fill/init`,
//! `data.drop`, `table.copy/fill/init`, `elem.drop`), shared by the libcalls and by
//! segment initialisation. Every range is checked in full before anything is written.

use core::ops::Range;
use core::pin::Pin;

use environ::{
    DataIndex, ElemIndex, ElementItems, FUNCREF_INIT_BIT, MemoryIndex, RefFamily, RefType,
    TableIndex, TrapCode,
};

use super::Instance;
use crate::table::{Table, TableElement, checked_range, slots_of};
use crate::vmcontext::{VMMemoryDefinition, VMTableImport};

/// Base and length of a memory definition.
///
/// # Safety
///
/// `definition` must be the live definition of a memory.
unsafe fn memory_parts(definition: *mut VMMemoryDefinition) -> (*mut u8, usize) {
    // SAFETY: the caller guarantees a live definition.
    let definition = unsafe { definition.read() };
    (definition.base, definition.current_length)
}

impl Instance {
    /// `memory.copy`: copies `len` bytes between two memories (or within one), with
    /// overlapping ranges handled like `memmove`.
    ///
    /// # Errors
    ///
    /// `MemoryOutOfBounds` when either range is outside its memory; nothing is copied.
    pub fn memory_copy(
        &self,
        dst_memory: MemoryIndex,
        dst: u64,
        src_memory: MemoryIndex,
        src: u64,
        len: u64,
    ) -> Result<(), TrapCode> {
        // SAFETY: definitions of this instance's memories are live while it is.
        let (dst_base, dst_size) = unsafe { memory_parts(self.memory_definition(dst_memory)) };
        // SAFETY: as above.
        let (src_base, src_size) = unsafe { memory_parts(self.memory_definition(src_memory)) };
        let dst = checked_range(dst, len, dst_size).ok_or(TrapCode::MemoryOutOfBounds)?;
        let src = checked_range(src, len, src_size).ok_or(TrapCode::MemoryOutOfBounds)?;
        // SAFETY: both ranges are inside their memories' accessible bytes (checked above);
        // `copy` allows overlap.
        unsafe { core::ptr::copy(src_base.add(src.start), dst_base.add(dst.start), src.len()) };
        Ok(())
    }

    /// `memory.fill`: writes `byte` to `len` bytes from `dst`.
    ///
    /// # Errors
    ///
    /// `MemoryOutOfBounds` when the range is outside the memory; nothing is written.
    pub fn memory_fill(
        &self,
        memory: MemoryIndex,
        dst: u64,
        byte: u8,
        len: u64,
    ) -> Result<(), TrapCode> {
        // SAFETY: definitions of this instance's memories are live while it is.
        let (base, size) = unsafe { memory_parts(self.memory_definition(memory)) };
        let dst = checked_range(dst, len, size).ok_or(TrapCode::MemoryOutOfBounds)?;
        // SAFETY: the range is inside the memory's accessible bytes (checked above).
        unsafe { base.add(dst.start).write_bytes(byte, dst.len()) };
        Ok(())
    }

    /// `memory.init`: copies `len` bytes of data segment `data` from `src` to `dst`. A
    /// dropped segment has length zero.
    ///
    /// # Errors
    ///
    /// `MemoryOutOfBounds` when either range is out of bounds; nothing is copied.
    pub fn memory_init(
        self: Pin<&mut Self>,
        memory: MemoryIndex,
        data: DataIndex,
        dst: u64,
        src: u32,
        len: u32,
    ) -> Result<(), TrapCode> {
        let bytes = if self.dropped_data.get(data).copied().unwrap_or(true) {
            &[][..]
        } else {
            self.module.data_segment_bytes(data)
        };
        let src = checked_range(u64::from(src), u64::from(len), bytes.len())
            .ok_or(TrapCode::MemoryOutOfBounds)?;
        // SAFETY: definitions of this instance's memories are live while it is.
        let (base, size) = unsafe { memory_parts(self.memory_definition(memory)) };
        let dst = checked_range(dst, u64::from(len), size).ok_or(TrapCode::MemoryOutOfBounds)?;
        // SAFETY: the destination is inside the memory (checked above) and the source is
        // the module's data blob, which no memory overlaps.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes[src].as_ptr(), base.add(dst.start), dst.len());
        }
        Ok(())
    }

    /// `data.drop`: later `memory.init`s see the segment as empty.
    pub fn data_drop(self: Pin<&mut Self>, data: DataIndex) {
        if let Some(dropped) = self.fields_mut().dropped_data.get_mut(data) {
            *dropped = true;
        }
    }

    /// `elem.drop`: later `table.init`s see the segment as empty.
    pub fn elem_drop(self: Pin<&mut Self>, elem: ElemIndex) {
        if let Some(dropped) = self.fields_mut().dropped_elements.get_mut(elem) {
            *dropped = true;
        }
    }

    /// `table.copy`: copies `len` elements between two tables (or within one).
    ///
    /// # Errors
    ///
    /// `TableOutOfBounds` when either range is outside its table; nothing is copied.
    pub fn table_copy(
        &self,
        dst_table: TableIndex,
        src_table: TableIndex,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), TrapCode> {
        let dst_definition = self.table_definition(dst_table);
        let src_definition = self.table_definition(src_table);
        // SAFETY: a live definition; only its length is read.
        let src_size = unsafe { (*src_definition).current_elements };
        if let Some(range) = checked_range(src, len, src_size) {
            self.materialise_slots(src_table, range);
        }
        if dst_definition == src_definition {
            // SAFETY: a live definition of this instance; no other slot reference exists.
            let slots = unsafe { slots_of(dst_definition) };
            let size = slots.len();
            let dst = checked_range(dst, len, size).ok_or(TrapCode::TableOutOfBounds)?;
            let src = checked_range(src, len, size).ok_or(TrapCode::TableOutOfBounds)?;
            slots.copy_within(src, dst.start);
            return Ok(());
        }
        // SAFETY: two different live tables, so the two slices do not alias.
        let (dst_slots, src_slots) =
            unsafe { (slots_of(dst_definition), slots_of(src_definition)) };
        let dst = checked_range(dst, len, dst_slots.len()).ok_or(TrapCode::TableOutOfBounds)?;
        let src = checked_range(src, len, src_slots.len()).ok_or(TrapCode::TableOutOfBounds)?;
        dst_slots[dst].copy_from_slice(&src_slots[src]);
        Ok(())
    }

    /// `table.fill`: writes the element whose raw value is `raw` to `len` slots.
    ///
    /// # Errors
    ///
    /// `TableOutOfBounds` when the range is outside the table; nothing is written.
    pub fn table_fill(
        &self,
        table: TableIndex,
        dst: u64,
        raw: usize,
        len: u64,
    ) -> Result<(), TrapCode> {
        let ty = self.table_type(table).element;
        let slot = TableElement::from_raw(raw, ty)
            .into_slot(ty)
            .map_err(|_| TrapCode::TableOutOfBounds)?;
        // SAFETY: a live definition of this instance; no other slot reference exists.
        let slots = unsafe { slots_of(self.table_definition(table)) };
        let dst = checked_range(dst, len, slots.len()).ok_or(TrapCode::TableOutOfBounds)?;
        slots[dst].fill(slot);
        Ok(())
    }

    /// `table.init`: copies `len` items of element segment `elem` from `src` to `dst`.
    /// A dropped segment has length zero.
    ///
    /// # Errors
    ///
    /// `TableOutOfBounds` when either range is out of bounds; nothing is written.
    pub fn table_init(
        self: Pin<&mut Self>,
        table: TableIndex,
        elem: ElemIndex,
        dst: u64,
        src: u32,
        len: u32,
    ) -> Result<(), TrapCode> {
        let segment_len = match self.module.elements.get(elem) {
            Some(segment) if !self.is_elem_dropped(elem) => segment.items.len(),
            _ => 0,
        };
        let src = checked_range(u64::from(src), u64::from(len), segment_len)
            .ok_or(TrapCode::TableOutOfBounds)?;
        // SAFETY: a live definition of this instance; no other slot reference exists.
        let slots = unsafe { slots_of(self.table_definition(table)) };
        let dst =
            checked_range(dst, u64::from(len), slots.len()).ok_or(TrapCode::TableOutOfBounds)?;
        let element_type = self.table_type(table).element;
        for (slot, item) in slots[dst].iter_mut().zip(src) {
            *slot = self.element_slot(elem, item, element_type);
        }
        Ok(())
    }

    /// The slot value of item `item` of element segment `elem` in a table of `ty`.
    fn element_slot(&self, elem: ElemIndex, item: usize, ty: RefType) -> usize {
        let raw = match &self.module.elements[elem].items {
            ElementItems::Functions(funcs) => self
                .func_ref(funcs[item])
                .map_or(0, |f| f.as_ptr() as usize),
            ElementItems::Expressions(exprs) => {
                self.eval_const_expr(exprs[item].ops()).get_reference()
            }
        };
        match ty.family() {
            RefFamily::Func => raw | FUNCREF_INIT_BIT,
            RefFamily::Extern | RefFamily::Exn => raw,
        }
    }

    /// The `*const VMFuncRef` in a funcref table slot, initialising the slot from its
    /// table's lazy image if it was left uninitialised. The index must already be
    /// bounds-checked; an out-of-bounds one returns null.
    pub fn table_get_lazy_init_func_ref(&self, table: TableIndex, index: u64) -> usize {
        // SAFETY: a live definition of this instance; no other slot reference exists.
        let slots = unsafe { slots_of(self.table_definition(table)) };
        let Some(i) = usize::try_from(index).ok().filter(|&i| i < slots.len()) else {
            return 0;
        };
        if slots[i] == 0 {
            slots[i] = self.owning_table(table).initial_slot(i);
        }
        slots[i] & !FUNCREF_INIT_BIT
    }

    /// Writes the initial value of every uninitialised slot of `range` in `table`, so
    /// its slots can be copied elsewhere. `range` must be in bounds.
    fn materialise_slots(&self, table: TableIndex, range: Range<usize>) {
        let owner = self.owning_table(table);
        if !owner.has_lazy_image() {
            return;
        }
        // SAFETY: a live definition of this instance; no other slot reference exists.
        let slots = unsafe { slots_of(self.table_definition(table)) };
        for (i, slot) in slots[range.clone()].iter_mut().enumerate() {
            if *slot == 0 {
                *slot = owner.initial_slot(range.start + i);
            }
        }
    }

    /// The table that owns `table`'s slots: one of ours, or the exporter's for an import.
    fn owning_table(&self, table: TableIndex) -> &Table {
        if let Some(defined) = self.module.defined_table_index(table) {
            return &self.tables[defined];
        }
        let import: VMTableImport = self.read_vmctx(self.offsets.vmctx_vmtable_import(table));
        // SAFETY: imports are resolved to live instances that outlive importers (the
        // allocation request's contract), and the exporter is only read here.
        let owner = unsafe { Instance::from_vmctx(import.vmctx) }
            .into_ref()
            .get_ref();
        let defined = owner
            .defined_table_index_of(import.from)
            .expect("an imported table is one of its exporter's");
        &owner.tables[defined]
    }
}

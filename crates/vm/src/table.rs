//! Tables: pointer-sized slots that compiled code indexes directly through a
//! `VMTableDefinition`, and the slot encoding of funcref and externref elements.
//!
//! Funcref slots follow the contract in ARCHITECTURE.md: `0` is uninitialised, anything
//! else is `*const VMFuncRef | FUNCREF_INIT_BIT`. A table starts all zeroes (so a large
//! one costs untouched pages, not writes). An uninitialised slot holds its entry of the
//! table's [`LazyImage`] (the module's constant element segments), or null without one;
//! compiled code materialises it through the lazy-init libcall on first use, the host
//! reads it through [`Table::get`].

use core::ops::Range;

use std::sync::Arc;

use environ::{FUNCREF_INIT_BIT, FuncRefIndex, RefFamily, RefType, TableType, TrapCode};

use crate::instance::InstantiationError;
use crate::pool::{TablePool, TableSlot};
use crate::store::{HostError, ResourceLimiter};
use crate::vmcontext::{VMFuncRef, VMTableDefinition};

/// The most elements a table may have, whatever its type allows: a grow that asks for
/// more fails like any refused growth, so a module cannot make the host allocate tens of
/// gigabytes with one `table.grow`.
pub const MAX_TABLE_ELEMENTS: usize = 10_000_000;

/// One table element, typed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TableElement {
    /// A function reference; null is the null reference.
    FuncRef(*mut VMFuncRef),
    /// An externref's raw value; 0 is the null reference.
    ExternRef(usize),
    /// An exception's raw handle; 0 is the null reference.
    ExnRef(usize),
}

/// Why a table access failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TableError {
    /// The index (or range) is outside the table.
    OutOfBounds,
    /// The element's type is not the table's element type.
    TypeMismatch,
}

impl TableError {
    /// The trap compiled code would report for this failure.
    pub fn trap_code(self) -> TrapCode {
        TrapCode::TableOutOfBounds
    }
}

impl TableElement {
    /// The null reference of `ty`.
    pub fn null(ty: RefType) -> Self {
        Self::from_raw(0, ty)
    }

    /// The slot value that stores this element in a table of `ty`.
    ///
    /// # Errors
    ///
    /// [`TableError::TypeMismatch`] when the element is of the other reference type.
    pub fn into_slot(self, ty: RefType) -> Result<usize, TableError> {
        match (self, ty.family()) {
            (Self::FuncRef(func_ref), RefFamily::Func) => Ok(func_ref as usize | FUNCREF_INIT_BIT),
            (Self::ExternRef(raw), RefFamily::Extern) | (Self::ExnRef(raw), RefFamily::Exn) => {
                Ok(raw)
            }
            _ => Err(TableError::TypeMismatch),
        }
    }

    /// The element a slot of a table of `ty` holds. An uninitialised funcref slot reads
    /// as null.
    pub fn from_slot(slot: usize, ty: RefType) -> Self {
        match ty.family() {
            RefFamily::Func => Self::FuncRef((slot & !FUNCREF_INIT_BIT) as *mut VMFuncRef),
            RefFamily::Extern | RefFamily::Exn => Self::from_raw(slot, ty),
        }
    }

    /// The element as the raw pointer-sized value libcalls and `ValRaw` use.
    pub fn to_raw(self) -> usize {
        match self {
            Self::FuncRef(func_ref) => func_ref as usize,
            Self::ExternRef(raw) | Self::ExnRef(raw) => raw,
        }
    }

    /// The element of type `ty` whose raw value is `raw`.
    pub fn from_raw(raw: usize, ty: RefType) -> Self {
        match ty.family() {
            RefFamily::Func => Self::FuncRef(raw as *mut VMFuncRef),
            RefFamily::Extern => Self::ExternRef(raw),
            RefFamily::Exn => Self::ExnRef(raw),
        }
    }
}

/// `start..start + len` if it lies within `size`, following the spec's bounds rule
/// (a zero-length range at exactly `size` is in bounds).
pub(crate) fn checked_range(start: u64, len: u64, size: usize) -> Option<Range<usize>> {
    let end = start.checked_add(len)?;
    if end > u64::try_from(size).ok()? {
        return None;
    }
    Some(usize::try_from(start).ok()?..usize::try_from(end).ok()?)
}

/// The slots of a table definition.
///
/// # Safety
///
/// `definition` must be the live definition of a table, and no other reference to its
/// slots may be used while the result is.
pub(crate) unsafe fn slots_of<'a>(definition: *mut VMTableDefinition) -> &'a mut [usize] {
    // SAFETY: the caller guarantees a live definition whose `base` holds
    // `current_elements` initialised slots, with no other reference in use.
    unsafe {
        let definition = &*definition;
        if definition.current_elements == 0 {
            return &mut [];
        }
        core::slice::from_raw_parts_mut(definition.base, definition.current_elements)
    }
}

/// The elements a funcref table starts with, read on first use of each slot: the
/// owning module's image of its constant element segments, and where the owning
/// instance keeps the `VMFuncRef`s the image names.
#[derive(Debug)]
pub(crate) struct LazyImage {
    image: Arc<[Option<FuncRefIndex>]>,
    /// The instance's `VMFuncRef` of function reference 0; the others follow it.
    func_refs: *mut VMFuncRef,
}

impl LazyImage {
    /// An image whose entries name `VMFuncRef`s in the array starting at `func_refs`.
    ///
    /// # Safety
    ///
    /// `func_refs` must point at the owning instance's initialised `VMFuncRef` array,
    /// which must hold every entry the image names and outlive the table.
    pub(crate) unsafe fn new(
        image: Arc<[Option<FuncRefIndex>]>,
        func_refs: *mut VMFuncRef,
    ) -> Self {
        Self { image, func_refs }
    }

    /// The raw `*const VMFuncRef` slot `index` starts with (0 for null).
    fn element(&self, index: usize) -> usize {
        match self.image.get(index) {
            Some(Some(func_ref)) => {
                let offset = usize::try_from(func_ref.as_u32()).unwrap_or(usize::MAX);
                // SAFETY: the constructor's contract: the array holds this entry.
                unsafe { self.func_refs.add(offset) as usize }
            }
            _ => 0,
        }
    }
}

/// Where a table's slots live: its own vector, or a slot of the pooling allocator
/// (a fixed capacity, zeroed when the table drops).
#[derive(Debug)]
enum Slots {
    Heap(Vec<usize>),
    Pooled { slot: TableSlot, len: usize },
}

impl Slots {
    fn as_slice(&self) -> &[usize] {
        match self {
            Self::Heap(slots) => slots,
            // SAFETY: the pool slot holds `capacity >= len` initialised (zeroed or
            // written) elements, owned by this table.
            Self::Pooled { slot, len } => unsafe {
                core::slice::from_raw_parts(slot.elements(), *len)
            },
        }
    }

    fn as_mut_slice(&mut self) -> &mut [usize] {
        match self {
            Self::Heap(slots) => slots,
            // SAFETY: as in `as_slice`, and `&mut self` makes this the only reference.
            Self::Pooled { slot, len } => unsafe {
                core::slice::from_raw_parts_mut(slot.elements(), *len)
            },
        }
    }

    fn as_mut_ptr(&mut self) -> *mut usize {
        match self {
            Self::Heap(slots) => slots.as_mut_ptr(),
            Self::Pooled { slot, .. } => slot.elements(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Heap(slots) => slots.len(),
            Self::Pooled { len, .. } => *len,
        }
    }

    /// Grows to `new` elements, the new ones set to `fill`; `false` when there is no
    /// room (allocation failed, or the pool slot is full), changing nothing.
    fn grow(&mut self, new: usize, fill: usize) -> bool {
        match self {
            Self::Heap(slots) => {
                if slots.try_reserve_exact(new - slots.len()).is_err() {
                    return false;
                }
                slots.resize(new, fill);
            }
            Self::Pooled { slot, len } => {
                if new > slot.capacity() {
                    return false;
                }
                slot.use_elements(new);
                let old = *len;
                *len = new;
                self.as_mut_slice()[old..].fill(fill);
            }
        }
        true
    }
}

/// A WebAssembly table owned by an instance.
#[derive(Debug)]
pub struct Table {
    slots: Slots,
    ty: TableType,
    lazy: Option<LazyImage>,
}

impl Table {
    /// Creates a table of `ty`'s minimum size, every element null.
    ///
    /// # Errors
    ///
    /// When the limiter denies or fails, or the minimum exceeds [`MAX_TABLE_ELEMENTS`].
    pub fn new(
        ty: TableType,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<Self, InstantiationError> {
        let minimum = Self::minimum_allowed(ty, limiter)?;
        Ok(Self {
            slots: Slots::Heap(vec![0; minimum]),
            ty,
            lazy: None,
        })
    }

    /// Creates a table of `ty`'s minimum size in a slot of `pool`, as [`Table::new`]
    /// does on the heap; it grows within the slot.
    pub(crate) fn new_pooled(
        ty: TableType,
        limiter: Option<&mut dyn ResourceLimiter>,
        pool: &Arc<TablePool>,
    ) -> Result<Self, InstantiationError> {
        let minimum = Self::minimum_allowed(ty, limiter)?;
        let mut slot = pool.take()?;
        if minimum > slot.capacity() {
            return Err(InstantiationError::Limit(format!(
                "table minimum of {minimum} elements exceeds the pooling allocator's {} \
                 table elements",
                slot.capacity()
            )));
        }
        slot.use_elements(minimum);
        Ok(Self {
            slots: Slots::Pooled { slot, len: minimum },
            ty,
            lazy: None,
        })
    }

    /// Checks a new table's minimum and asks the limiter; returns the minimum.
    fn minimum_allowed(
        ty: TableType,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<usize, InstantiationError> {
        let minimum = usize::try_from(ty.limits.minimum)
            .ok()
            .filter(|&n| n <= MAX_TABLE_ELEMENTS)
            .ok_or_else(|| {
                InstantiationError::Limit(format!("table minimum of {}", ty.limits.minimum))
            })?;
        if let Some(limiter) = limiter {
            let maximum = ty.limits.maximum.and_then(|m| usize::try_from(m).ok());
            if !limiter
                .table_growing(0, minimum, maximum)
                .map_err(InstantiationError::Host)?
            {
                return Err(InstantiationError::Limit(format!(
                    "the store refused a table of {minimum} elements"
                )));
            }
        }
        Ok(minimum)
    }

    /// Gives the table the elements its uninitialised slots start with.
    pub(crate) fn set_lazy_image(&mut self, image: LazyImage) {
        self.lazy = Some(image);
    }

    /// Whether the table has a lazy image.
    pub fn has_lazy_image(&self) -> bool {
        self.lazy.is_some()
    }

    /// The slot value an uninitialised slot at `index` stands for.
    pub(crate) fn initial_slot(&self, index: usize) -> usize {
        match self.ty.element.family() {
            RefFamily::Func => {
                self.lazy.as_ref().map_or(0, |lazy| lazy.element(index)) | FUNCREF_INIT_BIT
            }
            RefFamily::Extern | RefFamily::Exn => 0,
        }
    }

    /// The table's type (with its declared limits).
    pub fn ty(&self) -> TableType {
        self.ty
    }

    /// The current number of elements.
    pub fn size(&self) -> usize {
        self.slots.len()
    }

    /// The element at `index`.
    pub fn get(&self, index: u64) -> Option<TableElement> {
        let index = usize::try_from(index).ok()?;
        let mut slot = *self.slots.as_slice().get(index)?;
        if slot == 0 {
            slot = self.initial_slot(index);
        }
        Some(TableElement::from_slot(slot, self.ty.element))
    }

    /// Writes `element` at `index`.
    ///
    /// # Errors
    ///
    /// When `index` is out of bounds or `element` is of the wrong type.
    pub fn set(&mut self, index: u64, element: TableElement) -> Result<(), TableError> {
        let slot = element.into_slot(self.ty.element)?;
        let index = usize::try_from(index).map_err(|_| TableError::OutOfBounds)?;
        *self
            .slots
            .as_mut_slice()
            .get_mut(index)
            .ok_or(TableError::OutOfBounds)? = slot;
        Ok(())
    }

    /// Writes `element` to `len` elements from `dst` (`table.fill`).
    ///
    /// # Errors
    ///
    /// When the range is out of bounds (nothing is written) or the type is wrong.
    pub fn fill(&mut self, dst: u64, element: TableElement, len: u64) -> Result<(), TableError> {
        let slot = element.into_slot(self.ty.element)?;
        let range = checked_range(dst, len, self.slots.len()).ok_or(TableError::OutOfBounds)?;
        self.slots.as_mut_slice()[range].fill(slot);
        Ok(())
    }

    /// Grows by `delta` elements set to `init`, returning the old size, or `None` when
    /// growth fails (maximum, limiter, [`MAX_TABLE_ELEMENTS`] or allocation); a failed
    /// growth changes nothing. Growth may move the slots: the owner must refresh its
    /// `VMTableDefinition`.
    ///
    /// # Errors
    ///
    /// Only when the limiter returns an error, which the caller turns into a trap.
    pub fn grow(
        &mut self,
        delta: u64,
        init: TableElement,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Result<Option<usize>, HostError> {
        let old = self.slots.len();
        let Ok(slot) = init.into_slot(self.ty.element) else {
            return Ok(None);
        };
        if delta == 0 {
            return Ok(Some(old));
        }
        let Some(new) = usize::try_from(delta).ok().and_then(|d| old.checked_add(d)) else {
            return Ok(None);
        };
        if let Some(limiter) = limiter {
            let maximum = self.ty.limits.maximum.and_then(|m| usize::try_from(m).ok());
            if !limiter.table_growing(old, new, maximum)? {
                return Ok(None);
            }
        }
        let within_type = self
            .ty
            .limits
            .maximum
            .is_none_or(|maximum| u64::try_from(new).is_ok_and(|new| new <= maximum));
        if !within_type || new > MAX_TABLE_ELEMENTS || !self.slots.grow(new, slot) {
            return Ok(None);
        }
        Ok(Some(old))
    }

    /// What compiled code reads: base and current element count.
    pub fn vmtable(&mut self) -> VMTableDefinition {
        VMTableDefinition {
            base: self.slots.as_mut_ptr(),
            current_elements: self.slots.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use environ::Limits;

    use super::*;

    fn table_type(element: RefType, minimum: u64, maximum: Option<u64>) -> TableType {
        TableType {
            element,
            limits: Limits { minimum, maximum },
            table64: false,
        }
    }

    #[test]
    fn funcref_slots_start_uninitialised_and_read_as_null() {
        let mut table = Table::new(table_type(RefType::FUNCREF, 2, None), None).unwrap();
        assert_eq!(table.slots.as_slice(), &[0; 2]);
        assert_eq!(table.initial_slot(0), FUNCREF_INIT_BIT);
        table.set(0, TableElement::null(RefType::FUNCREF)).unwrap();
        assert_eq!(table.slots.as_slice()[0], FUNCREF_INIT_BIT);
        assert_eq!(
            table.get(1),
            Some(TableElement::FuncRef(core::ptr::null_mut()))
        );
        assert_eq!(table.get(2), None);
    }

    #[test]
    fn set_rejects_out_of_bounds_indices_and_wrong_types() {
        let mut table = Table::new(table_type(RefType::EXTERNREF, 1, None), None).unwrap();
        assert_eq!(table.set(0, TableElement::ExternRef(0x40)), Ok(()));
        assert_eq!(table.get(0), Some(TableElement::ExternRef(0x40)));
        assert_eq!(
            table.set(1, TableElement::ExternRef(1)),
            Err(TableError::OutOfBounds)
        );
        assert_eq!(
            table.set(0, TableElement::FuncRef(core::ptr::null_mut())),
            Err(TableError::TypeMismatch)
        );
    }

    #[test]
    fn grow_fills_new_slots_and_respects_the_maximum() {
        let mut table = Table::new(table_type(RefType::EXTERNREF, 1, Some(3)), None).unwrap();
        assert_eq!(
            table.grow(2, TableElement::ExternRef(7), None).unwrap(),
            Some(1)
        );
        assert_eq!(table.get(2), Some(TableElement::ExternRef(7)));
        assert_eq!(
            table.grow(1, TableElement::ExternRef(7), None).unwrap(),
            None
        );
        assert_eq!(table.size(), 3);
        assert_eq!(table.vmtable().current_elements, 3);
    }

    #[test]
    fn grow_beyond_the_implementation_limit_fails() {
        let mut table = Table::new(table_type(RefType::FUNCREF, 0, None), None).unwrap();
        let null = TableElement::null(RefType::FUNCREF);
        assert_eq!(table.grow(u64::from(u32::MAX), null, None).unwrap(), None);
        assert_eq!(table.size(), 0);
    }

    #[test]
    fn fill_checks_the_whole_range_before_writing() {
        let mut table = Table::new(table_type(RefType::EXTERNREF, 3, None), None).unwrap();
        assert_eq!(
            table.fill(2, TableElement::ExternRef(5), 2),
            Err(TableError::OutOfBounds)
        );
        assert_eq!(table.get(2), Some(TableElement::ExternRef(0)));
        assert_eq!(table.fill(1, TableElement::ExternRef(5), 2), Ok(()));
        assert_eq!(table.fill(3, TableElement::ExternRef(5), 0), Ok(()));
        assert_eq!(table.get(2), Some(TableElement::ExternRef(5)));
    }
}

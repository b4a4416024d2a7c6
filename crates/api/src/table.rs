//! `Table`: safe access to a table of a store, with element types enforced.

use core::ptr::NonNull;

use environ::DefinedTableIndex;
use vm::{TableElement, VMFuncRef};

use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::store::{AsContext, AsContextMut, StoreOpaque, Stored};
use crate::types::{HeapType, RefType, TableType, ValType};
use crate::values::{ExternRef, Val};

/// A table of one store.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Table(pub(crate) Stored<TableData>);

/// A table is named by the instance that defines it and its index there.
pub(crate) struct TableData {
    pub(crate) instance: Instance,
    pub(crate) index: DefinedTableIndex,
}

impl Table {
    /// A new table of type `ty` with every element set to `init`, owned by the store.
    ///
    /// # Errors
    ///
    /// If `init` is not of the element type, the limiter refuses the table, or `init`
    /// belongs to another store.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Val) -> Result<Table> {
        let store = store.as_context_mut().0;
        let max = ty.maximum().map(|m| format!(" {m}")).unwrap_or_default();
        let index = if ty.is_64() { "i64 " } else { "" };
        let wat = format!(
            "(module (table (export \"\") {index}{}{max} {}))",
            ty.minimum(),
            ty.element()
        );
        let table = crate::externals::host_entity(store, &wat)?
            .into_table()
            .ok_or_else(|| Error::msg("host table module exports no table"))?;
        if matches!(ty.element().heap_type(), HeapType::Concrete(_)) {
            return Err(Error::msg(format!(
                "host tables of concrete reference types ({}) are not supported",
                ty.element()
            )));
        }
        let element = to_element(store.opaque(), &init, ty.element())?;
        let size = ty.minimum();
        table.with_table(store.opaque_mut(), |t| t.fill(0, element, size))?;
        Ok(table)
    }

    /// The table's type, with its current size as the minimum.
    ///
    /// # Panics
    ///
    /// If the table belongs to another store.
    pub fn ty(&self, store: impl AsContext) -> TableType {
        self.ty_opaque(store.as_context().0.opaque())
    }

    pub(crate) fn ty_opaque(&self, store: &StoreOpaque) -> TableType {
        let (instance, index) = self.owner(store);
        let owner = store.instances.expect(store.id(), instance.0, "instance");
        let table = owner.instance().defined_table(index);
        let mut ty = table.ty();
        ty.limits.minimum = table.size() as u64;
        TableType::from_wasm(owner.module.types(), ty)
    }

    /// The number of elements.
    ///
    /// # Panics
    ///
    /// If the table belongs to another store.
    pub fn size(&self, store: impl AsContext) -> u32 {
        u32::try_from(self.vm_table(store.as_context().0.opaque()).size()).unwrap_or(u32::MAX)
    }

    /// The element at `index`, or `None` if it is out of bounds.
    ///
    /// # Panics
    ///
    /// If the table belongs to another store.
    pub fn get(&self, mut store: impl AsContextMut, index: u32) -> Option<Val> {
        let store = store.as_context_mut().0.opaque_mut();
        let element = self.vm_table(store).get(u64::from(index))?;
        Some(match element {
            TableElement::FuncRef(func_ref) => {
                Val::FuncRef(NonNull::new(func_ref).map(|p| store.func_for_ref(p)))
            }
            TableElement::ExternRef(raw) => {
                Val::ExternRef(store.extern_ref_from_raw(raw).map(ExternRef))
            }
            TableElement::ExnRef(raw) => Val::ExnRef(crate::tag::ExnRef::from_raw(store, raw)),
        })
    }

    /// Sets the element at `index`.
    ///
    /// # Errors
    ///
    /// If `index` is out of bounds, `value` has the wrong type, or either belongs to
    /// another store.
    pub fn set(&self, mut store: impl AsContextMut, index: u32, value: Val) -> Result<()> {
        let store = store.as_context_mut().0.opaque_mut();
        self.0.check(store.id(), "table")?;
        let element = to_element(store, &value, &self.element_type(store))?;
        let size = self.vm_table(store).size();
        self.with_table(store, |t| t.set(u64::from(index), element))
            .map_err(|e| Error::msg(format!("{e}: index {index} in a table of {size} elements")))
    }

    /// Grows by `delta` elements set to `init`, returning the previous size.
    ///
    /// # Errors
    ///
    /// If the table cannot grow that far (its maximum or the limiter said no), with the
    /// table unchanged; if `init` has the wrong type; or if either belongs to another
    /// store.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u32, init: Val) -> Result<u32> {
        let (store, limiter) = store.as_context_mut().0.opaque_and_limiter();
        self.0.check(store.id(), "table")?;
        let element = to_element(store, &init, &self.element_type(store))?;
        let ty = self.ty_opaque(store);
        let (instance, index) = self.owner(store);
        let owner = store.instances.get_mut(store.id(), instance.0);
        match owner
            .instance_mut()
            .defined_table_grow(index, u64::from(delta), element, limiter)
        {
            Ok(Some(previous)) => Ok(u32::try_from(previous).unwrap_or(u32::MAX)),
            Ok(None) => Err(Error::msg(format!(
                "failed to grow a table of {} elements (maximum {:?}) by {delta}",
                ty.minimum(),
                ty.maximum()
            ))),
            Err(error) => Err(error),
        }
    }

    fn element_type(&self, store: &StoreOpaque) -> RefType {
        self.ty_opaque(store).element().clone()
    }

    fn with_table(
        &self,
        store: &mut StoreOpaque,
        f: impl FnOnce(&mut vm::Table) -> Result<(), vm::TableError>,
    ) -> Result<()> {
        let (instance, index) = self.owner(store);
        let owner = store.instances.get_mut(store.id(), instance.0);
        owner
            .instance_mut()
            .with_defined_table(index, f)
            .map_err(|e| match e {
                vm::TableError::OutOfBounds => Error::msg("table index out of bounds"),
                vm::TableError::TypeMismatch => Error::msg("table element of the wrong type"),
            })
    }

    fn owner(&self, store: &StoreOpaque) -> (Instance, DefinedTableIndex) {
        let data = store.tables.expect(store.id(), self.0, "table");
        (data.instance, data.index)
    }

    fn vm_table<'a>(&self, store: &'a StoreOpaque) -> &'a vm::Table {
        let (instance, index) = self.owner(store);
        let owner = store.instances.expect(store.id(), instance.0, "instance");
        owner.instance().defined_table(index)
    }
}

/// The table element for `value` in a table of `ty`.
fn to_element(store: &StoreOpaque, value: &Val, ty: &RefType) -> Result<TableElement> {
    if !value.matches_ty(store, &ValType::Ref(ty.clone())) {
        return Err(Error::msg(format!(
            "value of type {} given for a table of {ty}",
            value.ty()
        )));
    }
    match value {
        Val::FuncRef(f) => Ok(TableElement::FuncRef(match f {
            Some(f) => f.checked_func_ref(store)?.as_ptr(),
            None => core::ptr::null_mut::<VMFuncRef>(),
        })),
        Val::ExternRef(r) => Ok(TableElement::ExternRef(match r {
            Some(r) => store.extern_ref_to_raw(r.0)?,
            None => 0,
        })),
        Val::ExnRef(e) => Ok(TableElement::ExnRef(match e {
            Some(e) => e.to_raw(store)?,
            None => 0,
        })),
        _ => Err(Error::msg(format!(
            "value of type {} given for a table of {ty}",
            value.ty()
        ))),
    }
}

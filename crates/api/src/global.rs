//! `Global`: safe access to a global of a store, with its mutability and type enforced.

use environ::DefinedGlobalIndex;

use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::store::{AsContext, AsContextMut, StoreOpaque, Stored};
use crate::types::{GlobalType, HeapType, Mutability, ValType};
use crate::values::Val;

/// A global of one store.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Global(pub(crate) Stored<GlobalData>);

/// A global is named by the instance that defines it and its index there.
pub(crate) struct GlobalData {
    pub(crate) instance: Instance,
    pub(crate) index: DefinedGlobalIndex,
}

impl Global {
    /// A new global of type `ty` holding `value`, owned by the store.
    ///
    /// # Errors
    ///
    /// If `value` is not of the global's type, or belongs to another store.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, value: Val) -> Result<Global> {
        let store = store.as_context_mut().0;
        check_type(store.opaque(), &value, ty.content())?;
        value.to_raw(store.opaque())?;
        let mutability = match ty.mutability() {
            Mutability::Const => ty.content().to_string(),
            Mutability::Var => format!("(mut {})", ty.content()),
        };
        let init = match ty.content() {
            ValType::Ref(r) if matches!(r.heap_type(), HeapType::Concrete(_)) => {
                return Err(Error::msg(format!(
                    "host globals of concrete reference types ({}) are not supported",
                    ty.content()
                )));
            }
            ValType::Ref(r) => format!("ref.null {}", r.heap_type()),
            ValType::V128 => "v128.const i64x2 0 0".to_string(),
            other => format!("{other}.const 0"),
        };
        let wat = format!("(module (global (export \"\") {mutability} ({init})))");
        let global = crate::externals::host_entity(store, &wat)?
            .into_global()
            .ok_or_else(|| Error::msg("host global module exports no global"))?;
        global.write(store.opaque_mut(), &value)?;
        Ok(global)
    }

    /// The global's type.
    ///
    /// # Panics
    ///
    /// If the global belongs to another store.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        self.ty_opaque(store.as_context().0.opaque())
    }

    pub(crate) fn ty_opaque(&self, store: &StoreOpaque) -> GlobalType {
        let (instance, index) = self.owner(store);
        let owner = store.instances.expect(store.id(), instance.0, "instance");
        let env = owner.module.env();
        GlobalType::from_wasm(owner.module.types(), env.globals[env.global_index(index)])
    }

    /// The current value.
    ///
    /// # Panics
    ///
    /// If the global belongs to another store.
    pub fn get(&self, mut store: impl AsContextMut) -> Val {
        let store = store.as_context_mut().0.opaque_mut();
        let ty = self.ty_opaque(store).content().clone();
        let (instance, index) = self.owner(store);
        let owner = store.instances.expect(store.id(), instance.0, "instance");
        let raw = owner
            .instance()
            .global_value(owner.module.env().global_index(index));
        Val::from_raw(store, raw, &ty)
    }

    /// Sets the value of a mutable global.
    ///
    /// # Errors
    ///
    /// If the global is immutable, `value` has another type, or either belongs to another
    /// store.
    pub fn set(&self, mut store: impl AsContextMut, value: Val) -> Result<()> {
        let store = store.as_context_mut().0.opaque_mut();
        self.0.check(store.id(), "global")?;
        let ty = self.ty_opaque(store);
        if ty.mutability() == Mutability::Const {
            return Err(Error::msg("cannot set an immutable global"));
        }
        check_type(store, &value, ty.content())?;
        self.write(store, &value)
    }

    fn write(&self, store: &mut StoreOpaque, value: &Val) -> Result<()> {
        let raw = value.to_raw(store)?;
        let (instance, index) = self.owner(store);
        let owner = store.instances.get_mut(store.id(), instance.0);
        let global = owner.module.env().global_index(index);
        owner.instance_mut().set_global_value(global, raw);
        Ok(())
    }

    fn owner(&self, store: &StoreOpaque) -> (Instance, DefinedGlobalIndex) {
        let data = store.globals.expect(store.id(), self.0, "global");
        (data.instance, data.index)
    }
}

fn check_type(store: &StoreOpaque, value: &Val, ty: &ValType) -> Result<()> {
    if value.matches_ty(store, ty) {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "value of type {} given for a global of type {ty}",
            value.ty()
        )))
    }
}

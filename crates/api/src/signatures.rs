//! `SignatureRegistry`: engine-wide ids for function signatures, so `call_indirect`'s
//! signature check is one integer comparison, and the per-signature trampolines host
//! functions are entered through.
//!
//! Signatures are keyed by the API's [`FuncType`], in which a concrete reference type
//! holds the signature it names rather than a module's type index: two modules'
//! structurally equal types (the canonical form of types without GC's recursion groups)
//! get one id.
//!
//! Every id is held by registrations (a module's types, a host function's signature) and
//! counted: when the last registration of a signature drops, its id, its trampoline and
//! its entry go, and the id is reused for the next new signature. An engine that loads
//! and drops modules for months therefore holds only the signatures in use. An id is only
//! reused once nothing refers to it: modules keep their registrations for as long as any
//! instance of theirs exists, and host functions for as long as any store holds them.

use core::ptr::NonNull;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use vm::VMSharedTypeIndex;

use crate::error::Result;
use crate::types::FuncType;

/// The registry; one per engine, shared with every registration.
#[derive(Default)]
pub(crate) struct SignatureRegistry {
    table: Mutex<SignatureTable>,
}

#[derive(Default)]
struct SignatureTable {
    ids: HashMap<FuncType, u32>,
    /// Indexed by id; `None` for a free id.
    slots: Vec<Option<Slot>>,
    /// Free ids, reused before new ones.
    free: Vec<u32>,
}

/// One registered signature.
struct Slot {
    ty: FuncType,
    /// Live registrations.
    refs: usize,
    /// The wasm-to-array trampoline of host functions of this signature, compiled on
    /// first use and freed with the slot.
    trampoline: Option<vm::CodeMemory>,
}

impl SignatureRegistry {
    fn lock(&self) -> MutexGuard<'_, SignatureTable> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers one more user of `ty`, assigning an id on first sight.
    pub(crate) fn register(self: &Arc<Self>, ty: &FuncType) -> RegisteredType {
        let id = self.lock().acquire(ty);
        RegisteredType {
            registry: Arc::clone(self),
            id,
        }
    }

    /// Registers every type of a module, in order.
    pub(crate) fn register_all<'a>(
        self: &Arc<Self>,
        types: impl IntoIterator<Item = &'a FuncType>,
    ) -> TypeIds {
        let mut table = self.lock();
        let ids = types
            .into_iter()
            .map(|ty| VMSharedTypeIndex(table.acquire(ty)))
            .collect();
        TypeIds {
            registry: Arc::clone(self),
            ids,
        }
    }

    /// The signature with id `id`, if it is registered.
    #[cfg(test)]
    pub(crate) fn lookup(&self, id: u32) -> Option<FuncType> {
        self.lock()
            .slots
            .get(id as usize)?
            .as_ref()
            .map(|slot| slot.ty.clone())
    }

    /// How many signatures are registered (for tests of long-running embedders).
    pub(crate) fn len(&self) -> usize {
        self.lock().ids.len()
    }

    /// The host-function trampoline of registered signature `id`, made by `compile` on
    /// first use. It lives as long as the signature's registrations.
    ///
    /// # Errors
    ///
    /// If `id` is not registered, or `compile` fails.
    pub(crate) fn trampoline(
        &self,
        id: u32,
        compile: impl FnOnce(&environ::FuncType) -> Result<vm::CodeMemory>,
    ) -> Result<NonNull<vm::VMWasmCallFunction>> {
        let mut table = self.lock();
        let slot = table
            .slots
            .get_mut(id as usize)
            .and_then(Option::as_mut)
            .ok_or_else(|| crate::Error::msg(format!("unknown signature id {id}")))?;
        if slot.trampoline.is_none() {
            slot.trampoline = Some(compile(&slot.ty.to_wasm_erased())?);
        }
        let code = slot.trampoline.as_ref().expect("just filled");
        Ok(
            NonNull::new(code.text_start() as *mut vm::VMWasmCallFunction)
                .expect("published code is never at address zero"),
        )
    }

    fn release(&self, id: u32) {
        self.lock().release(id);
    }
}

impl SignatureTable {
    fn acquire(&mut self, ty: &FuncType) -> u32 {
        if let Some(&id) = self.ids.get(ty) {
            self.slots[id as usize]
                .as_mut()
                .expect("a mapped id has a slot")
                .refs += 1;
            return id;
        }
        let slot = Slot {
            ty: ty.clone(),
            refs: 1,
            trampoline: None,
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = Some(slot);
                id
            }
            None => {
                self.slots.push(Some(slot));
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 signatures")
            }
        };
        self.ids.insert(ty.clone(), id);
        id
    }

    fn release(&mut self, id: u32) {
        let Some(slot) = self.slots.get_mut(id as usize).and_then(Option::as_mut) else {
            return;
        };
        slot.refs -= 1;
        if slot.refs == 0 {
            let slot = self.slots[id as usize].take().expect("checked above");
            self.ids.remove(&slot.ty);
            self.free.push(id);
        }
    }
}

/// One registration of one signature: its id stays valid while this lives.
pub(crate) struct RegisteredType {
    registry: Arc<SignatureRegistry>,
    id: u32,
}

impl RegisteredType {
    /// The engine-wide id.
    pub(crate) fn id(&self) -> u32 {
        self.id
    }
}

impl Drop for RegisteredType {
    fn drop(&mut self) {
        self.registry.release(self.id);
    }
}

/// A module's registered types, indexed by its `TypeIndex`: the array compiled code's
/// signature checks read.
pub(crate) struct TypeIds {
    registry: Arc<SignatureRegistry>,
    ids: Arc<[VMSharedTypeIndex]>,
}

impl TypeIds {
    /// The ids, shared with every instance of the module.
    pub(crate) fn ids(&self) -> &Arc<[VMSharedTypeIndex]> {
        &self.ids
    }
}

impl Drop for TypeIds {
    fn drop(&mut self) {
        let mut table = self.registry.lock();
        for id in self.ids.iter() {
            table.release(id.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{HeapType, RefType, ValType as WasmValType};

    #[test]
    fn equal_signatures_share_an_id_until_the_last_user_drops() {
        let registry = Arc::new(SignatureRegistry::default());
        let a = FuncType::new([WasmValType::I32], [WasmValType::I64]);
        let b = FuncType::new([WasmValType::I64], []);
        let first_a = registry.register(&a);
        let only_b = registry.register(&b);
        assert_ne!(first_a.id(), only_b.id());
        let second_a = registry.register(&a.clone());
        assert_eq!(second_a.id(), first_a.id());
        assert_eq!(registry.lookup(only_b.id()), Some(b.clone()));
        assert_eq!(registry.lookup(99), None);
        assert_eq!(registry.len(), 2);
        let a_id = first_a.id();
        drop(first_a);
        assert_eq!(
            registry.lookup(a_id),
            Some(a.clone()),
            "still registered once"
        );
        drop(second_a);
        assert_eq!(registry.lookup(a_id), None);
        assert_eq!(registry.len(), 1);
        // The freed id is reused for the next new signature.
        let c = FuncType::new([], [WasmValType::F64]);
        let only_c = registry.register(&c);
        assert_eq!(only_c.id(), a_id);
        drop((only_b, only_c));
        assert_eq!(registry.len(), 0);
    }

    #[test]
    fn a_module_registers_and_releases_all_its_types() {
        let registry = Arc::new(SignatureRegistry::default());
        let a = FuncType::new([WasmValType::I32], []);
        let b = FuncType::new([], [WasmValType::I32]);
        let ids = registry.register_all([&a, &b, &a]);
        assert_eq!(ids.ids()[0], ids.ids()[2]);
        assert_eq!(registry.len(), 2);
        drop(ids);
        assert_eq!(registry.len(), 0);
    }

    #[test]
    fn concrete_types_are_keyed_by_structure() {
        let registry = Arc::new(SignatureRegistry::default());
        let target = FuncType::new([WasmValType::I32], []);
        let takes = |target: FuncType| {
            FuncType::new(
                [WasmValType::Ref(RefType::new(
                    false,
                    HeapType::Concrete(target),
                ))],
                [],
            )
        };
        let first = registry.register(&takes(target.clone()));
        let second = registry.register(&takes(FuncType::new([WasmValType::I32], [])));
        assert_eq!(first.id(), second.id());
        let other = registry.register(&takes(FuncType::new([WasmValType::I64], [])));
        assert_ne!(first.id(), other.id());
    }
}

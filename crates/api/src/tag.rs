//! Exception handling in the API: `Tag` (an exception tag of a store), `TagType`, and
//! `ExnRef` with `ThrownException`, through which the host reads an exception wasm
//! threw: its tag and payload.

use core::fmt;

use environ::DefinedTagIndex;

use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::store::{AsContext, AsContextMut, StoreId, StoreOpaque, Stored};
use crate::types::{FuncType, ModuleTypes, ValType};
use crate::values::Val;

/// The type of an exception tag: its payload is the signature's parameters (tags have
/// no results).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TagType {
    ty: FuncType,
}

impl TagType {
    /// The tag type whose payload has these types.
    pub fn new(payload: impl IntoIterator<Item = ValType>) -> Self {
        Self {
            ty: FuncType::new(payload, []),
        }
    }

    /// The payload's types.
    pub fn payload(&self) -> &[ValType] {
        self.ty.params()
    }

    pub(crate) fn from_wasm(types: &ModuleTypes, index: environ::TypeIndex) -> Self {
        Self {
            ty: FuncType::from_wasm(types, index),
        }
    }
}

impl fmt::Display for TagType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(tag")?;
        if !self.payload().is_empty() {
            f.write_str(" (param")?;
            for ty in self.payload() {
                write!(f, " {ty}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}

/// An exception tag of one store. Two `Tag`s may be handles of the same tag (an
/// exported tag and its import elsewhere); [`Tag::same`] says whether they are.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Tag(pub(crate) Stored<TagData>);

/// A tag is named by the instance that defines it and its index there.
pub(crate) struct TagData {
    pub(crate) instance: Instance,
    pub(crate) index: DefinedTagIndex,
}

impl TagData {
    fn ty(&self, store: &StoreOpaque) -> TagType {
        let owner = store
            .instances
            .expect(store.id(), self.instance.0, "instance");
        let env = owner.module.env();
        TagType::from_wasm(owner.module.types(), env.tags[env.tag_index(self.index)])
    }
}

impl Tag {
    /// A new tag owned by the store, distinct from every other.
    ///
    /// # Errors
    ///
    /// If the payload names a concrete reference type, which host tags do not support.
    pub fn new(mut store: impl AsContextMut, ty: &TagType) -> Result<Tag> {
        let store = store.as_context_mut().0;
        let mut params = String::new();
        for ty in ty.payload() {
            if let ValType::Ref(r) = ty
                && matches!(r.heap_type(), crate::types::HeapType::Concrete(_))
            {
                return Err(Error::msg(format!(
                    "host tags with concrete reference types ({ty}) are not supported"
                )));
            }
            params.push(' ');
            params.push_str(&ty.to_string());
        }
        let wat = format!("(module (tag (export \"\") (param{params})))");
        crate::externals::host_entity(store, &wat)?
            .into_tag()
            .ok_or_else(|| Error::msg("host tag module exports no tag"))
    }

    /// The tag's type.
    ///
    /// # Panics
    ///
    /// If the tag belongs to another store.
    pub fn ty(&self, store: impl AsContext) -> TagType {
        self.ty_opaque(store.as_context().0.opaque())
    }

    pub(crate) fn ty_opaque(&self, store: &StoreOpaque) -> TagType {
        store.tags.expect(store.id(), self.0, "tag").ty(store)
    }

    /// Whether `a` and `b` are the same tag.
    ///
    /// # Panics
    ///
    /// If either belongs to another store.
    pub fn same(a: &Tag, b: &Tag, store: impl AsContext) -> bool {
        let store = store.as_context().0.opaque();
        a.vm_tag(store) == b.vm_tag(store)
    }

    /// The tag's identity in the vm.
    pub(crate) fn vm_tag(&self, store: &StoreOpaque) -> vm::VMTag {
        let data = store.tags.expect(store.id(), self.0, "tag");
        let owner = store
            .instances
            .expect(store.id(), data.instance.0, "instance");
        let index = owner.module.env().tag_index(data.index);
        owner.instance().tag(index)
    }
}

/// A reference to an exception of one store. While any clone of it exists the store
/// keeps the exception; the store frees exceptions nothing refers to any more.
#[derive(Clone, Debug)]
pub struct ExnRef {
    store: StoreId,
    raw: usize,
    /// Keeps the exception alive through the store's collections.
    _root: std::sync::Arc<()>,
}

impl PartialEq for ExnRef {
    fn eq(&self, other: &Self) -> bool {
        self.store == other.store && self.raw == other.raw
    }
}

impl Eq for ExnRef {}

impl ExnRef {
    /// The host handle of exception `raw` of `store`; `None` for null (or a handle the
    /// store does not hold).
    pub(crate) fn from_raw(store: &StoreOpaque, raw: usize) -> Option<Self> {
        let root = store
            .vm_store_context_ref()
            .exceptions
            .borrow_mut()
            .host_root(raw)?;
        Some(Self {
            store: store.id(),
            raw,
            _root: root,
        })
    }

    /// The handle, if the reference belongs to `store`.
    pub(crate) fn raw_in(&self, store: StoreId) -> Option<usize> {
        (self.store == store).then_some(self.raw)
    }

    /// A new exception of `tag` with `payload`, which a host function can throw into
    /// wasm by returning `Err(ThrownException::new(exn).into())`.
    ///
    /// # Errors
    ///
    /// If the payload does not match the tag's type, or the tag or a value belongs to
    /// another store.
    pub fn new(mut store: impl AsContextMut, tag: &Tag, payload: &[Val]) -> Result<ExnRef> {
        let store = store.as_context_mut().0.opaque_mut();
        tag.0.check(store.id(), "tag")?;
        let ty = tag.ty_opaque(store);
        if payload.len() != ty.payload().len() {
            return Err(Error::msg(format!(
                "exception payload has {} values, but the tag's type {ty} has {}",
                payload.len(),
                ty.payload().len()
            )));
        }
        let mismatch = payload
            .iter()
            .zip(ty.payload())
            .position(|(value, ty)| !value.matches_ty(store, ty));
        if let Some(i) = mismatch {
            return Err(Error::msg(format!(
                "exception payload value {i} has type {}, but the tag's type {ty} expects {}",
                payload[i].ty(),
                ty.payload()[i]
            )));
        }
        let raw_payload = payload
            .iter()
            .map(|value| value.to_raw(store))
            .collect::<Result<Box<[_]>>>()?;
        let params: Vec<_> = ty.payload().iter().map(ValType::to_wasm_erased).collect();
        let object = vm::ExceptionObject::new(tag.vm_tag(store), raw_payload, &params);
        let raw = store
            .vm_store_context_ref()
            .exceptions
            .borrow_mut()
            .push(object);
        Self::from_raw(store, raw).ok_or_else(|| Error::msg("the new exception vanished"))
    }

    /// The handle compiled code uses, after checking the store.
    pub(crate) fn to_raw(&self, store: &StoreOpaque) -> Result<usize> {
        if self.store == store.id() {
            Ok(self.raw)
        } else {
            Err(Error::msg("exception reference used with the wrong store"))
        }
    }

    /// The tag the exception was thrown with.
    ///
    /// # Errors
    ///
    /// If the reference belongs to another store.
    pub fn tag(&self, mut store: impl AsContextMut) -> Result<Tag> {
        let store = store.as_context_mut().0.opaque_mut();
        let data = self.tag_data(store)?;
        Ok(store.tag_handle(data))
    }

    /// Who defines the exception's tag.
    fn tag_data(&self, store: &StoreOpaque) -> Result<TagData> {
        let tag = store.exception(self.to_raw(store)?)?.tag;
        let instance = store
            .instance_for_vmctx(tag.owner as usize)
            .ok_or_else(|| {
                Error::msg("the exception's tag belongs to no instance of this store")
            })?;
        Ok(TagData {
            instance,
            index: tag.index,
        })
    }

    /// The payload values, in the tag's parameter order.
    ///
    /// # Errors
    ///
    /// If the reference belongs to another store.
    pub fn payload(&self, mut store: impl AsContextMut) -> Result<Vec<Val>> {
        let store = store.as_context_mut().0.opaque_mut();
        let ty = self.tag_data(store)?.ty(store);
        let raw = store.exception(self.to_raw(store)?)?.payload.clone();
        Ok(raw
            .iter()
            .zip(ty.payload())
            .map(|(raw, ty)| Val::from_raw(store, *raw, ty))
            .collect())
    }
}

/// The error a call into wasm returns when an exception escaped every handler. It
/// holds the exception, whose tag and payload [`ExnRef`] reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrownException {
    exn: ExnRef,
}

impl ThrownException {
    /// The error a host function returns to throw `exn` into the wasm that called it.
    pub fn new(exn: ExnRef) -> Self {
        Self { exn }
    }

    /// The exception.
    pub fn exception(&self) -> &ExnRef {
        &self.exn
    }
}

impl fmt::Display for ThrownException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("uncaught wasm exception")
    }
}

impl std::error::Error for ThrownException {}

impl StoreOpaque {
    pub(crate) fn tag_handle(&mut self, data: TagData) -> Tag {
        Tag(self.tags.push(self.id(), data))
    }

    /// Frees the exceptions nothing refers to, if enough were thrown since the last
    /// collection. Only while no wasm of this store runs (see `vm::ExceptionHeap`).
    #[inline]
    pub(crate) fn collect_exceptions_if_due(&mut self) {
        if self
            .vm_store_context_ref()
            .exceptions
            .borrow()
            .wants_collection()
        {
            self.collect_exceptions();
        }
    }

    /// Frees the exceptions nothing refers to.
    #[cold]
    fn collect_exceptions(&mut self) {
        let mut roots = Vec::new();
        for data in self.instances.iter() {
            let env = data.module.env();
            let instance = data.instance();
            for (defined, _) in env.global_inits.iter() {
                let global = env.global_index(defined);
                if is_exn(env.globals[global].content) {
                    roots.push(instance.global_value(global).get_reference());
                }
            }
            for defined in (0..env.num_defined_tables())
                .map(|i| environ::DefinedTableIndex::from_u32(i as u32))
            {
                let table = instance.defined_table(defined);
                if table.ty().element.family() != environ::RefFamily::Exn {
                    continue;
                }
                roots.extend((0..table.size() as u64).filter_map(|i| match table.get(i) {
                    Some(vm::TableElement::ExnRef(raw)) => Some(raw),
                    _ => None,
                }));
            }
        }
        self.vm_store_context_ref()
            .exceptions
            .borrow_mut()
            .collect(roots);
    }

    /// A copy of the exception with handle `raw`.
    fn exception(&self, raw: usize) -> Result<vm::ExceptionObject> {
        self.vm_store_context_ref()
            .exceptions
            .borrow()
            .get(raw)
            .cloned()
            .ok_or_else(|| Error::msg(format!("no exception with handle {raw}")))
    }
}

/// Whether a value type is an exception reference.
fn is_exn(ty: environ::WasmValType) -> bool {
    matches!(ty, environ::WasmValType::Ref(r) if r.family() == environ::RefFamily::Exn)
}

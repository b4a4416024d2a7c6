//! `Extern`: anything a module can import or export.

use crate::func::Func;
use crate::global::Global;
use crate::memory::Memory;
use crate::store::AsContext;
use crate::table::Table;
use crate::tag::Tag;
use crate::types::ExternType;

/// A function, global, table, memory or tag of some store.
#[derive(Clone, Debug)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
    /// A linear memory.
    Memory(Memory),
    /// An exception tag.
    Tag(Tag),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Self::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        match self {
            Self::Global(g) => Some(g),
            _ => None,
        }
    }

    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Self::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The tag, if this is one.
    pub fn into_tag(self) -> Option<Tag> {
        match self {
            Self::Tag(t) => Some(t),
            _ => None,
        }
    }

    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Self::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The type of the entity.
    ///
    /// # Panics
    ///
    /// If the entity belongs to another store.
    pub fn ty(&self, store: impl AsContext) -> ExternType {
        let store = store.as_context();
        match self {
            Self::Func(f) => ExternType::Func(f.ty(store)),
            Self::Global(g) => ExternType::Global(g.ty(store)),
            Self::Table(t) => ExternType::Table(t.ty(store)),
            Self::Memory(m) => ExternType::Memory(m.ty(store)),
            Self::Tag(t) => ExternType::Tag(t.ty(store)),
        }
    }
}

impl From<Tag> for Extern {
    fn from(t: Tag) -> Self {
        Self::Tag(t)
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Self {
        Self::Func(f)
    }
}

impl From<Global> for Extern {
    fn from(g: Global) -> Self {
        Self::Global(g)
    }
}

impl From<Table> for Extern {
    fn from(t: Table) -> Self {
        Self::Table(t)
    }
}

impl From<Memory> for Extern {
    fn from(m: Memory) -> Self {
        Self::Memory(m)
    }
}

/// Instantiates a one-entity module from `wat` in `store` and returns its export named
/// `""`: how the host creates memories, tables and globals, so that every entity has an
/// owning instance and compiled code reaches all of them the same way.
pub(crate) fn host_entity<T: 'static>(
    store: &mut crate::store::StoreInner<T>,
    wat: &str,
) -> crate::error::Result<Extern> {
    let engine = store.opaque().engine().clone();
    let module = crate::module::Module::new(&engine, wat)?;
    let instance = crate::instance::instantiate(store, &module, &[])?;
    instance
        .get_export(crate::store::StoreContextMut(store), "")
        .ok_or_else(|| crate::error::Error::msg("host entity module has no export"))
}

//! Exports as raw handles: what the API wraps into `Func`, `Memory`, `Table` and
//! `Global`, each pointing at the definition compiled code uses.

use core::ptr::NonNull;

use environ::{EntityIndex, GlobalType, MemoryType, TableType};

use super::{Instance, InstanceHandle};
use crate::vmcontext::{
    VMContext, VMFuncRef, VMGlobalDefinition, VMMemoryDefinition, VMMemoryImport,
    VMTableDefinition, VMTableImport, VMTag,
};

/// One exported entity, as raw pointers into the instance that owns it.
#[derive(Copy, Clone, Debug)]
pub enum Export {
    /// A function's handle.
    Function(NonNull<VMFuncRef>),
    /// A table; growing it goes through the instance whose context is `vmctx`.
    Table {
        /// The table's definition in its owner's VMContext.
        definition: *mut VMTableDefinition,
        /// The owning instance.
        vmctx: *mut VMContext,
        /// The table's type.
        ty: TableType,
    },
    /// A memory; growing it goes through the instance whose context is `vmctx`.
    Memory {
        /// The memory's definition in its owner's VMContext.
        definition: *mut VMMemoryDefinition,
        /// The owning instance.
        vmctx: *mut VMContext,
        /// The memory's type.
        ty: MemoryType,
    },
    /// A global's storage.
    Global {
        /// Where the value lives.
        definition: *mut VMGlobalDefinition,
        /// The global's type.
        ty: GlobalType,
    },
    /// An exception tag.
    Tag(VMTag),
}

impl Export {
    /// The import that gives another instance this memory, if it is one.
    pub fn as_memory_import(&self) -> Option<VMMemoryImport> {
        match *self {
            Self::Memory {
                definition, vmctx, ..
            } => Some(VMMemoryImport {
                from: definition,
                vmctx,
            }),
            _ => None,
        }
    }

    /// The import that gives another instance this table, if it is one.
    pub fn as_table_import(&self) -> Option<VMTableImport> {
        match *self {
            Self::Table {
                definition, vmctx, ..
            } => Some(VMTableImport {
                from: definition,
                vmctx,
            }),
            _ => None,
        }
    }
}

impl Instance {
    /// The entity `index` names, as an export handle. Memories and tables name their
    /// owning instance, which for imports is the exporter, not `self`.
    pub fn export_of(&self, index: EntityIndex) -> Option<Export> {
        let in_range = match index {
            EntityIndex::Function(func) => self.module.functions.get(func).is_some(),
            EntityIndex::Table(table) => self.module.tables.get(table).is_some(),
            EntityIndex::Memory(memory) => self.module.memories.get(memory).is_some(),
            EntityIndex::Global(global) => self.module.globals.get(global).is_some(),
            EntityIndex::Tag(tag) => self.module.tags.get(tag).is_some(),
        };
        if !in_range {
            return None;
        }
        Some(match index {
            EntityIndex::Function(func) => Export::Function(self.func_ref(func)?),
            EntityIndex::Table(table) => Export::Table {
                definition: self.table_definition(table),
                vmctx: match self.module.defined_table_index(table) {
                    Some(_) => self.vmctx(),
                    None => {
                        let import: VMTableImport =
                            self.read_vmctx(self.offsets.vmctx_vmtable_import(table));
                        import.vmctx
                    }
                },
                ty: *self.module.tables.get(table)?,
            },
            EntityIndex::Memory(memory) => Export::Memory {
                definition: self.memory_definition(memory),
                vmctx: match self.module.defined_memory_index(memory) {
                    Some(_) => self.vmctx(),
                    None => {
                        let import: VMMemoryImport =
                            self.read_vmctx(self.offsets.vmctx_vmmemory_import(memory));
                        import.vmctx
                    }
                },
                ty: *self.module.memories.get(memory)?,
            },
            EntityIndex::Global(global) => Export::Global {
                definition: self.global_ptr(global),
                ty: *self.module.globals.get(global)?,
            },
            EntityIndex::Tag(tag) => Export::Tag(self.tag(tag)),
        })
    }

    /// The export called `name`, if the module has one.
    pub fn export(&self, name: &str) -> Option<Export> {
        self.export_of(self.module.export(name)?.index)
    }
}

impl InstanceHandle {
    /// The export called `name`, if the module has one.
    pub fn export(&self, name: &str) -> Option<Export> {
        self.instance().export(name)
    }

    /// The start function's handle, for the API to call through `catch_traps` after
    /// [`InstanceHandle::initialize`] succeeds.
    pub fn start_func_ref(&self) -> Option<NonNull<VMFuncRef>> {
        let instance = self.instance();
        instance.func_ref(instance.module.start?)
    }
}

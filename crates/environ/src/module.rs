//! `Module`: every entity a WebAssembly module declares, imports and exports, with its
//! segments and names, and the conversions between whole and defined index spaces.

use core::ops::Range;
use std::collections::HashMap;

use crate::const_expr::ConstExpr;
use crate::entity::{EntityVec, TypedIndex};
use crate::types::{EntityType, FuncType, GlobalType, MemoryType, RefType, TableType, WasmValType};
use crate::{
    DataIndex, DefinedFuncIndex, DefinedGlobalIndex, DefinedMemoryIndex, DefinedTableIndex,
    DefinedTagIndex, ElemIndex, EntityIndex, FuncIndex, FuncRefIndex, GlobalIndex, MemoryIndex,
    OwnedMemoryIndex, TableIndex, TagIndex, TypeIndex,
};

/// One import, in the order the import section lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// The module name the import is resolved against.
    pub module: String,
    /// The field name within that module.
    pub field: String,
    /// The index the import occupies in its index space.
    pub index: EntityIndex,
    /// The type the import must have.
    pub ty: EntityType,
}

/// One export, in the order the export section lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The exported name.
    pub name: String,
    /// The exported entity.
    pub index: EntityIndex,
}

/// A function declaration: its signature and, if it escapes, its `VMFuncRef` slot.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FunctionDecl {
    /// The function's signature.
    pub ty: TypeIndex,
    /// Its `VMFuncRef` slot in the `VMContext`, if it is exported, placed in a table,
    /// referenced by `ref.func`, or started.
    pub func_ref: Option<FuncRefIndex>,
}

/// Where an element segment goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElementMode {
    /// Copied into a table at instantiation, then dropped.
    Active {
        /// The table written to.
        table: TableIndex,
        /// The first table index written.
        offset: ConstExpr,
    },
    /// Available to `table.init` until `elem.drop`.
    Passive,
    /// Only declares functions referenceable by `ref.func`; dropped at instantiation.
    Declared,
}

/// The items of an element segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElementItems {
    /// Function indices (the compact encoding; never null).
    Functions(Box<[FuncIndex]>),
    /// One constant expression per item (`ref.func`, `ref.null` or `global.get`).
    Expressions(Box<[ConstExpr]>),
}

impl ElementItems {
    /// How many items the segment has.
    pub fn len(&self) -> usize {
        match self {
            Self::Functions(f) => f.len(),
            Self::Expressions(e) => e.len(),
        }
    }

    /// Whether the segment has no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An element segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementSegment {
    /// Active, passive or declared.
    pub mode: ElementMode,
    /// The reference type of every item.
    pub ty: RefType,
    /// The items.
    pub items: ElementItems,
}

/// Where a data segment goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataMode {
    /// Copied into a memory at instantiation, then dropped.
    Active {
        /// The memory written to.
        memory: MemoryIndex,
        /// The first byte address written.
        offset: ConstExpr,
    },
    /// Available to `memory.init` until `data.drop`.
    Passive,
}

/// A data segment; its bytes live in [`Module::data_bytes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSegment {
    /// Active or passive.
    pub mode: DataMode,
    /// The segment's bytes within [`Module::data_bytes`].
    pub range: Range<usize>,
}

/// Names from the `name` custom section. A malformed name section is ignored, as the
/// spec requires of custom sections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// The module's own name.
    pub module: Option<String>,
    /// Function names.
    pub functions: FunctionNames,
}

/// Function names: one string holding them all and, sorted by function, where each lies
/// in it. Two allocations however many functions are named keeps translating and
/// loading an artifact quick.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionNames {
    text: String,
    /// `(function, start, end)` of each name in `text`, sorted by function, one per function.
    entries: Vec<(FuncIndex, u32, u32)>,
}

impl FunctionNames {
    /// Names `func` (a later name for the same function replaces the earlier one).
    pub fn insert(&mut self, func: FuncIndex, name: &str) {
        let start = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        self.text.push_str(name);
        let end = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        match self.entries.last() {
            Some(&(last, ..)) if last >= func => {
                match self.entries.binary_search_by_key(&func, |&(f, ..)| f) {
                    Ok(i) => self.entries[i] = (func, start, end),
                    Err(i) => self.entries.insert(i, (func, start, end)),
                }
            }
            _ => self.entries.push((func, start, end)),
        }
    }

    /// The name of `func`, if it has one.
    pub fn get(&self, func: FuncIndex) -> Option<&str> {
        let i = self
            .entries
            .binary_search_by_key(&func, |&(f, ..)| f)
            .ok()?;
        let (_, start, end) = self.entries[i];
        self.text.get(start as usize..end as usize)
    }

    /// How many functions are named.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no function is named.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every named function and its name, in function order.
    pub fn iter(&self) -> impl Iterator<Item = (FuncIndex, &str)> + '_ {
        self.entries.iter().map(|&(func, start, end)| {
            (
                func,
                self.text.get(start as usize..end as usize).unwrap_or(""),
            )
        })
    }

    /// The parts, for encoding.
    pub(crate) fn parts(&self) -> (&str, &[(FuncIndex, u32, u32)]) {
        (&self.text, &self.entries)
    }

    /// Names from their parts, if every range lies on character boundaries of `text`
    /// and the functions are strictly increasing.
    pub(crate) fn from_parts(text: String, entries: Vec<(FuncIndex, u32, u32)>) -> Option<Self> {
        let ranges_ok = entries.iter().all(|&(_, start, end)| {
            start <= end
                && text.is_char_boundary(start as usize)
                && text.is_char_boundary(end as usize)
        });
        let sorted = entries.windows(2).all(|pair| pair[0].0 < pair[1].0);
        (ranges_ok && sorted).then_some(Self { text, entries })
    }
}

/// Everything a module declares, as plain data.
///
/// Each index space lists imports first, then definitions; `num_imported_*` says where
/// the definitions start.
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// Function signatures from the type section.
    pub types: EntityVec<TypeIndex, FuncType>,
    /// Imports in section order.
    pub imports: Vec<Import>,
    /// Exports in section order.
    pub exports: Vec<Export>,
    /// Every function, imports first.
    pub functions: EntityVec<FuncIndex, FunctionDecl>,
    /// Every table, imports first.
    pub tables: EntityVec<TableIndex, TableType>,
    /// The initial element of each defined table: `None` for null, or the expression of
    /// a table declared with an initialiser (function references).
    pub table_inits: EntityVec<DefinedTableIndex, Option<ConstExpr>>,
    /// Every memory, imports first.
    pub memories: EntityVec<MemoryIndex, MemoryType>,
    /// Every global, imports first.
    pub globals: EntityVec<GlobalIndex, GlobalType>,
    /// Every exception tag's type (its payload is the type's parameters), imports first.
    pub tags: EntityVec<TagIndex, TypeIndex>,
    /// Initialisers of the defined globals.
    pub global_inits: EntityVec<DefinedGlobalIndex, ConstExpr>,
    /// The start function, if any.
    pub start: Option<FuncIndex>,
    /// Element segments in section order.
    pub elements: EntityVec<ElemIndex, ElementSegment>,
    /// Data segments in section order.
    pub data: EntityVec<DataIndex, DataSegment>,
    /// The bytes of every data segment, concatenated.
    pub data_bytes: Vec<u8>,
    /// Names from the name section.
    pub names: Names,
    /// How many functions are imported.
    pub num_imported_funcs: usize,
    /// How many tables are imported.
    pub num_imported_tables: usize,
    /// How many memories are imported.
    pub num_imported_memories: usize,
    /// How many globals are imported.
    pub num_imported_globals: usize,
    /// How many tags are imported.
    pub num_imported_tags: usize,
    /// How many functions escape and have a `VMFuncRef`.
    pub num_escaped_funcs: usize,
    /// The segments instantiation can take from images (computed after translation).
    pub static_init: crate::StaticInit,
    export_names: HashMap<String, usize>,
}

macro_rules! index_conversions {
    ($(
        $space:ident, $num_imported:ident, $index:ident, $defined:ident,
        $to_defined:ident, $to_index:ident, $is_imported:ident, $num_defined:ident;
    )*) => {$(
        /// The definition `index` names, or `None` if it is imported.
        pub fn $to_defined(&self, index: $index) -> Option<$defined> {
            let i = (index.as_u32() as usize).checked_sub(self.$num_imported)?;
            Some($defined::from_u32(u32::try_from(i).ok()?))
        }

        /// The whole-space index of a definition.
        pub fn $to_index(&self, defined: $defined) -> $index {
            $index::from_u32(defined.as_u32() + self.$num_imported as u32)
        }

        /// Whether `index` names an import.
        pub fn $is_imported(&self, index: $index) -> bool {
            (index.as_u32() as usize) < self.$num_imported
        }

        /// How many of this kind the module defines itself.
        pub fn $num_defined(&self) -> usize {
            self.$space.len() - self.$num_imported
        }
    )*};
}

impl Module {
    index_conversions! {
        functions, num_imported_funcs, FuncIndex, DefinedFuncIndex,
        defined_func_index, func_index, is_imported_func, num_defined_funcs;
        tables, num_imported_tables, TableIndex, DefinedTableIndex,
        defined_table_index, table_index, is_imported_table, num_defined_tables;
        memories, num_imported_memories, MemoryIndex, DefinedMemoryIndex,
        defined_memory_index, memory_index, is_imported_memory, num_defined_memories;
        globals, num_imported_globals, GlobalIndex, DefinedGlobalIndex,
        defined_global_index, global_index, is_imported_global, num_defined_globals;
        tags, num_imported_tags, TagIndex, DefinedTagIndex,
        defined_tag_index, tag_index, is_imported_tag, num_defined_tags;
    }

    /// The owned-memory slot of a defined memory, or `None` if it is shared (shared
    /// memories live outside the instance and are reached through a pointer only).
    pub fn owned_memory_index(&self, defined: DefinedMemoryIndex) -> Option<OwnedMemoryIndex> {
        let memory = self.memory_index(defined);
        if self.memories.get(memory)?.shared {
            return None;
        }
        let preceding_shared = (0..defined.as_u32())
            .map(|d| self.memory_index(DefinedMemoryIndex::from_u32(d)))
            .filter(|&m| self.memories[m].shared)
            .count();
        Some(OwnedMemoryIndex::from_u32(
            defined.as_u32() - preceding_shared as u32,
        ))
    }

    /// How many defined memories are owned (not shared).
    pub fn num_owned_memories(&self) -> usize {
        self.memories
            .values()
            .skip(self.num_imported_memories)
            .filter(|m| !m.shared)
            .count()
    }

    /// The signature of a function.
    pub fn func_type(&self, func: FuncIndex) -> &FuncType {
        &self.types[self.functions[func].ty]
    }

    /// The type of any entity.
    pub fn entity_type(&self, index: EntityIndex) -> EntityType {
        match index {
            EntityIndex::Function(f) => EntityType::Function(self.functions[f].ty),
            EntityIndex::Table(t) => EntityType::Table(self.tables[t]),
            EntityIndex::Memory(m) => EntityType::Memory(self.memories[m]),
            EntityIndex::Global(g) => EntityType::Global(self.globals[g]),
            EntityIndex::Tag(t) => EntityType::Tag(self.tags[t]),
        }
    }

    /// The export called `name`, if there is one.
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.export_names.get(name).map(|&i| &self.exports[i])
    }

    /// Appends an export and indexes it by name.
    pub fn push_export(&mut self, export: Export) {
        self.export_names
            .insert(export.name.clone(), self.exports.len());
        self.exports.push(export);
    }

    /// Checks what the rest of Tarn relies on without re-checking: imports counted
    /// within their index spaces, every index naming an entity that exists, and segment
    /// byte ranges inside `data_bytes`. Validation guarantees all of it for a translated
    /// module; a decoded one is checked here.
    ///
    /// # Errors
    ///
    /// What is out of range.
    pub fn check_consistency(&self) -> Result<(), &'static str> {
        let within = |ok: bool, what: &'static str| if ok { Ok(()) } else { Err(what) };
        within(
            self.num_imported_funcs <= self.functions.len(),
            "imported function count",
        )?;
        within(
            self.num_imported_tables <= self.tables.len(),
            "imported table count",
        )?;
        within(
            self.num_imported_memories <= self.memories.len(),
            "imported memory count",
        )?;
        within(
            self.num_imported_globals <= self.globals.len(),
            "imported global count",
        )?;
        within(
            self.num_imported_tags <= self.tags.len(),
            "imported tag count",
        )?;
        within(
            self.num_escaped_funcs <= self.functions.len(),
            "escaped function count",
        )?;
        within(
            self.table_inits.len() == self.num_defined_tables(),
            "table initialisers",
        )?;
        within(
            self.global_inits.len() == self.num_defined_globals(),
            "global initialisers",
        )?;
        let types = self.types.len();
        // Without GC a type names only types before it; everything else names any type.
        for (index, ty) in self.types.iter() {
            let earlier = |t: &WasmValType| val_type_names_below(*t, index.index());
            let ok = ty.params.iter().chain(ty.results.iter()).all(earlier);
            within(ok, "type reference")?;
        }
        let ref_ok = |r: RefType| ref_type_names_below(r, types);
        let val_ok = |v: WasmValType| val_type_names_below(v, types);
        let ok = self.tables.values().all(|t| ref_ok(t.element))
            && self.globals.values().all(|g| val_ok(g.content))
            && self.elements.values().all(|e| ref_ok(e.ty))
            && self.imports.iter().all(|i| match &i.ty {
                EntityType::Function(ty) | EntityType::Tag(ty) => ty.index() < types,
                EntityType::Table(t) => ref_ok(t.element),
                EntityType::Global(g) => val_ok(g.content),
                EntityType::Memory(_) => true,
            });
        within(ok, "type reference")?;
        for decl in self.functions.values() {
            within(decl.ty.index() < types, "function type")?;
            let slot_ok = decl
                .func_ref
                .is_none_or(|slot| slot.index() < self.num_escaped_funcs);
            within(slot_ok, "function reference slot")?;
        }
        within(self.tags.values().all(|ty| ty.index() < types), "tag type")?;
        for entity in self
            .imports
            .iter()
            .map(|i| i.index)
            .chain(self.exports.iter().map(|e| e.index))
        {
            let exists = match entity {
                EntityIndex::Function(f) => f.index() < self.functions.len(),
                EntityIndex::Table(t) => t.index() < self.tables.len(),
                EntityIndex::Memory(m) => m.index() < self.memories.len(),
                EntityIndex::Global(g) => g.index() < self.globals.len(),
                EntityIndex::Tag(t) => t.index() < self.tags.len(),
            };
            within(exists, "import or export index")?;
        }
        within(
            self.start.is_none_or(|f| f.index() < self.functions.len()),
            "start function",
        )?;
        for segment in self.elements.values() {
            if let ElementMode::Active { table, .. } = segment.mode {
                within(table.index() < self.tables.len(), "element segment table")?;
            }
            if let ElementItems::Functions(funcs) = &segment.items {
                let ok = funcs.iter().all(|f| f.index() < self.functions.len());
                within(ok, "element segment function")?;
            }
        }
        for segment in self.data.values() {
            if let DataMode::Active { memory, .. } = segment.mode {
                within(memory.index() < self.memories.len(), "data segment memory")?;
            }
            within(
                segment.range.end <= self.data_bytes.len(),
                "data segment bytes",
            )?;
        }
        Ok(())
    }

    /// The bytes of a data segment.
    pub fn data_segment_bytes(&self, data: DataIndex) -> &[u8] {
        &self.data_bytes[self.data[data].range.clone()]
    }

    /// The name of a function, from the name section, if it has one.
    pub fn func_name(&self, func: FuncIndex) -> Option<&str> {
        self.names.functions.get(func)
    }

    /// Gives a `VMFuncRef` slot to every function that escapes: exported, started, named by
    /// an element segment, or referenced by a global's or a table's initialiser. Validation guarantees
    /// every `ref.func` in a body names one of these.
    pub(crate) fn assign_func_refs(&mut self) {
        let mut escaping: Vec<FuncIndex> = Vec::new();
        escaping.extend(self.exports.iter().filter_map(|e| match e.index {
            EntityIndex::Function(f) => Some(f),
            _ => None,
        }));
        escaping.extend(self.start);
        for segment in self.elements.values() {
            match &segment.items {
                ElementItems::Functions(funcs) => escaping.extend(funcs.iter().copied()),
                ElementItems::Expressions(exprs) => {
                    escaping.extend(exprs.iter().flat_map(ConstExpr::referenced_funcs));
                }
            }
        }
        escaping.extend(
            self.global_inits
                .values()
                .chain(self.table_inits.values().flatten())
                .flat_map(ConstExpr::referenced_funcs),
        );
        let mut next = 0u32;
        for func in escaping {
            let Some(decl) = self.functions.get_mut(func) else {
                continue;
            };
            if decl.func_ref.is_none() {
                decl.func_ref = Some(FuncRefIndex::from_u32(next));
                next += 1;
            }
        }
        self.num_escaped_funcs = next as usize;
    }
}

/// Whether a value type's concrete references, if any, name types below `limit`.
fn val_type_names_below(ty: WasmValType, limit: usize) -> bool {
    match ty {
        WasmValType::Ref(r) => ref_type_names_below(r, limit),
        _ => true,
    }
}

/// Whether a reference type's concrete heap type, if any, names a type below `limit`.
fn ref_type_names_below(ty: RefType, limit: usize) -> bool {
    match ty.heap {
        crate::HeapType::Concrete(index) => index.index() < limit,
        _ => true,
    }
}

//! `Instance`: a module instantiated in a store, with its imports checked against the
//! module's declared types, its segments applied and its start function run.

mod allocate;

use core::pin::Pin;

use environ::{EntityIndex, TypedIndex};
use vm::{VMFunctionImport, VMGlobalImport, VMMemoryImport, VMTableImport};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::externals::Extern;
use crate::func::{Func, TypedFunc, WasmParams, WasmResults};
use crate::global::{Global, GlobalData};
use crate::memory::{Memory, MemoryData};
use crate::module::Module;
use crate::store::{AsContextMut, StoreInner, StoreOpaque, Stored};
use crate::table::{Table, TableData};
use crate::tag::{Tag, TagData};
use crate::types::ExternType;

/// An instance of a module in one store.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Instance(pub(crate) Stored<InstanceData>);

/// What the store keeps for an instance.
pub(crate) struct InstanceData {
    pub(crate) handle: vm::InstanceHandle,
    pub(crate) module: Module,
    /// The imports as given, by kind, in each index space's order; exports of imported
    /// entities hand these back.
    funcs: Vec<Func>,
    tables: Vec<Table>,
    memories: Vec<Memory>,
    globals: Vec<Global>,
    tags: Vec<Tag>,
}

impl InstanceData {
    pub(crate) fn instance(&self) -> &vm::Instance {
        self.handle.instance()
    }

    pub(crate) fn instance_mut(&mut self) -> Pin<&mut vm::Instance> {
        self.handle.instance_mut()
    }
}

impl Instance {
    /// Instantiates `module` in `store` with `imports`, given in the module's import order.
    ///
    /// # Errors
    ///
    /// A wrong number of imports, an import of the wrong type or from another store
    /// (naming module, field and both types), a resource limit, or a trap while applying
    /// segments or running the start function.
    pub fn new(mut store: impl AsContextMut, module: &Module, imports: &[Extern]) -> Result<Self> {
        let store = store.as_context_mut().0;
        instantiate(store, module, imports)
    }

    /// The export called `name`, if there is one.
    ///
    /// # Panics
    ///
    /// If the instance belongs to another store.
    pub fn get_export(&self, mut store: impl AsContextMut, name: &str) -> Option<Extern> {
        let store = store.as_context_mut().0.opaque_mut();
        let data = store.instances.expect(store.id(), self.0, "instance");
        let index = data.module.env().export(name)?.index;
        Some(self.extern_of(store, index))
    }

    /// Every export, in order, with its name.
    ///
    /// # Panics
    ///
    /// If the instance belongs to another store.
    pub fn exports(&self, mut store: impl AsContextMut) -> Vec<(String, Extern)> {
        let store = store.as_context_mut().0.opaque_mut();
        let module = store
            .instances
            .expect(store.id(), self.0, "instance")
            .module
            .clone();
        module
            .env()
            .exports
            .iter()
            .map(|export| (export.name.clone(), self.extern_of(store, export.index)))
            .collect()
    }

    /// The exported function called `name`.
    pub fn get_func(&self, store: impl AsContextMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function called `name`, with its signature checked.
    ///
    /// # Errors
    ///
    /// If there is no such function or its signature differs.
    pub fn get_typed_func<Params: WasmParams, Results: WasmResults>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<TypedFunc<Params, Results>> {
        let func = self
            .get_func(&mut store, name)
            .ok_or_else(|| Error::msg(format!("no exported function named `{name}`")))?;
        func.typed(&store)
    }

    /// The exported memory called `name`.
    pub fn get_memory(&self, store: impl AsContextMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported table called `name`.
    pub fn get_table(&self, store: impl AsContextMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// The exported tag called `name`.
    pub fn get_tag(&self, store: impl AsContextMut, name: &str) -> Option<Tag> {
        self.get_export(store, name)?.into_tag()
    }

    /// The exported global called `name`.
    pub fn get_global(&self, store: impl AsContextMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// The entity `index` names, as a handle: imports give back what was imported.
    fn extern_of(&self, store: &mut StoreOpaque, index: EntityIndex) -> Extern {
        let id = store.id();
        let data = store.instances.expect(id, self.0, "instance");
        let env = std::sync::Arc::clone(data.module.env());
        match index {
            EntityIndex::Function(f) => match env.defined_func_index(f) {
                None => Extern::Func(data.funcs[f.index()]),
                Some(_) => {
                    let func_ref = data
                        .instance()
                        .func_ref(f)
                        .expect("exported functions escape");
                    Extern::Func(store.func_for_ref(func_ref))
                }
            },
            EntityIndex::Table(t) => match env.defined_table_index(t) {
                None => Extern::Table(data.tables[t.index()]),
                Some(index) => Extern::Table(store.table_handle(TableData {
                    instance: *self,
                    index,
                })),
            },
            EntityIndex::Memory(m) => match env.defined_memory_index(m) {
                None => Extern::Memory(data.memories[m.index()]),
                Some(index) => Extern::Memory(store.memory_handle(MemoryData {
                    instance: *self,
                    index,
                })),
            },
            EntityIndex::Global(g) => match env.defined_global_index(g) {
                None => Extern::Global(data.globals[g.index()]),
                Some(index) => Extern::Global(store.global_handle(GlobalData {
                    instance: *self,
                    index,
                })),
            },
            EntityIndex::Tag(t) => match env.defined_tag_index(t) {
                None => Extern::Tag(data.tags[t.index()]),
                Some(index) => Extern::Tag(store.tag_handle(TagData {
                    instance: *self,
                    index,
                })),
            },
        }
    }
}

/// The whole instantiation: check and resolve imports, allocate, register, initialise,
/// start.
pub(crate) fn instantiate<T: 'static>(
    store: &mut StoreInner<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance> {
    if !Engine::same(store.opaque().engine(), module.engine()) {
        return Err(Error::msg("cannot instantiate a module of another engine"));
    }
    let resolved = resolve_imports(store.opaque(), module, imports)?;
    let handle = allocate::allocate(store, module, &resolved)?;
    let opaque = store.opaque_mut();
    let vmctx = handle.vmctx() as usize;
    let data = InstanceData {
        handle,
        module: module.clone(),
        funcs: resolved.funcs,
        tables: resolved.tables,
        memories: resolved.memories,
        globals: resolved.globals,
        tags: resolved.tags,
    };
    let instance = Instance(opaque.instances.push(opaque.id(), data));
    opaque.register_instance_vmctx(vmctx, instance);
    let data = opaque.instances.get_mut(opaque.id(), instance.0);
    if let Err(trap) = data.handle.initialize() {
        return Err(crate::func::call::trap_to_error(opaque, trap));
    }
    let start = data.handle.start_func_ref();
    if let Some(start) = start {
        crate::func::call::invoke(store, start, &mut [])?;
    }
    Ok(instance)
}

/// Imports checked and converted to what the vm needs, plus the handles themselves.
pub(crate) struct ResolvedImports {
    pub(crate) functions: Vec<VMFunctionImport>,
    pub(crate) tables_vm: Vec<VMTableImport>,
    pub(crate) memories_vm: Vec<VMMemoryImport>,
    pub(crate) globals_vm: Vec<VMGlobalImport>,
    pub(crate) tags_vm: Vec<vm::VMTag>,
    funcs: Vec<Func>,
    tables: Vec<Table>,
    memories: Vec<Memory>,
    globals: Vec<Global>,
    tags: Vec<Tag>,
}

fn resolve_imports(
    store: &StoreOpaque,
    module: &Module,
    imports: &[Extern],
) -> Result<ResolvedImports> {
    let env = module.env();
    if imports.len() != env.imports.len() {
        return Err(Error::msg(format!(
            "expected {} imports, got {}",
            env.imports.len(),
            imports.len()
        )));
    }
    let mut resolved = ResolvedImports {
        functions: Vec::new(),
        tables_vm: Vec::new(),
        memories_vm: Vec::new(),
        globals_vm: Vec::new(),
        tags_vm: Vec::new(),
        funcs: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        tags: Vec::new(),
    };
    for (import, item) in env.imports.iter().zip(imports) {
        let expected = module.import_type(&import.ty);
        let actual = item.ty_checked(store).map_err(|e| {
            Error::msg(format!("import `{}::{}`: {e}", import.module, import.field))
        })?;
        if !crate::types::matches(&actual, &expected) {
            return Err(Error::msg(format!(
                "incompatible import type for `{}::{}`: expected {expected}, found {actual}",
                import.module, import.field
            )));
        }
        match (item, &import.ty) {
            (Extern::Func(f), environ::EntityType::Function(ty)) => {
                resolved
                    .functions
                    .push(function_import(store, module, *f, *ty)?);
                resolved.funcs.push(*f);
            }
            (Extern::Table(t), _) => {
                resolved.tables_vm.push(store.table_import(*t));
                resolved.tables.push(*t);
            }
            (Extern::Memory(m), _) => {
                resolved.memories_vm.push(store.memory_import(*m));
                resolved.memories.push(*m);
            }
            (Extern::Global(g), _) => {
                resolved.globals_vm.push(store.global_import(*g));
                resolved.globals.push(*g);
            }
            (Extern::Tag(t), _) => {
                resolved.tags_vm.push(t.vm_tag(store));
                resolved.tags.push(*t);
            }
            _ => unreachable!("types were checked to match"),
        }
    }
    Ok(resolved)
}

/// The import record of a function: its own wasm entry, or for a host function without
/// one, this module's wasm-to-array trampoline for the import's signature.
fn function_import(
    store: &StoreOpaque,
    module: &Module,
    func: Func,
    ty: environ::TypeIndex,
) -> Result<VMFunctionImport> {
    let raw = store.func(func).raw;
    let wasm_call = raw
        .wasm_call
        .or_else(|| module.code().wasm_to_array_trampoline(ty))
        .ok_or_else(|| Error::msg("no wasm-to-array trampoline for an imported host function"))?;
    Ok(VMFunctionImport {
        wasm_call,
        array_call: raw.array_call,
        vmctx: raw.vmctx,
    })
}

impl StoreOpaque {
    fn table_handle(&mut self, data: TableData) -> Table {
        Table(self.tables.push(self.id(), data))
    }

    fn memory_handle(&mut self, data: MemoryData) -> Memory {
        Memory(self.memories.push(self.id(), data))
    }

    fn global_handle(&mut self, data: GlobalData) -> Global {
        Global(self.globals.push(self.id(), data))
    }

    fn table_import(&self, table: Table) -> VMTableImport {
        let data = self.tables.expect(self.id(), table.0, "table");
        let owner = self
            .instances
            .expect(self.id(), data.instance.0, "instance");
        let index = owner.module.env().table_index(data.index);
        VMTableImport {
            from: owner.instance().table_definition(index),
            vmctx: owner.instance().vmctx(),
        }
    }

    fn memory_import(&self, memory: Memory) -> VMMemoryImport {
        let data = self.memories.expect(self.id(), memory.0, "memory");
        let owner = self
            .instances
            .expect(self.id(), data.instance.0, "instance");
        let index = owner.module.env().memory_index(data.index);
        VMMemoryImport {
            from: owner.instance().memory_definition(index),
            vmctx: owner.instance().vmctx(),
        }
    }

    fn global_import(&self, global: Global) -> VMGlobalImport {
        let data = self.globals.expect(self.id(), global.0, "global");
        let owner = self
            .instances
            .expect(self.id(), data.instance.0, "instance");
        let index = owner.module.env().global_index(data.index);
        VMGlobalImport {
            from: owner.instance().global_ptr(index),
        }
    }
}

impl Extern {
    /// The type of the entity, or an error if it belongs to another store.
    fn ty_checked(&self, store: &StoreOpaque) -> Result<ExternType> {
        let id = store.id();
        Ok(match self {
            Self::Func(f) => {
                f.0.check(id, "function")?;
                ExternType::Func(store.func(*f).ty.clone())
            }
            Self::Table(t) => {
                t.0.check(id, "table")?;
                ExternType::Table(t.ty_opaque(store))
            }
            Self::Memory(m) => {
                m.0.check(id, "memory")?;
                ExternType::Memory(m.ty_opaque(store))
            }
            Self::Global(g) => {
                g.0.check(id, "global")?;
                ExternType::Global(g.ty_opaque(store))
            }
            Self::Tag(t) => {
                t.0.check(id, "tag")?;
                ExternType::Tag(t.ty_opaque(store))
            }
        })
    }
}

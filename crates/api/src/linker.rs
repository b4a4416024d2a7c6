//! `Linker`: resolves a module's imports by `(module, name)` against definitions made by
//! the host and instances registered under a name, then instantiates.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::externals::Extern;
use crate::func::{Func, HostFunc, IntoFunc};
use crate::instance::Instance;
use crate::module::Module;
use crate::store::{AsContext, AsContextMut};

/// Definitions for imports, by module and field name, for stores with data `T`.
pub struct Linker<T> {
    engine: Engine,
    definitions: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

/// A definition: an entity of one store, or a host function any store can instantiate.
enum Definition<T> {
    Extern(Extern),
    HostFunc(Arc<HostFunc<T>>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Self::Extern(e) => Self::Extern(e.clone()),
            Self::HostFunc(f) => Self::HostFunc(Arc::clone(f)),
        }
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker for modules of `engine`.
    pub fn new(engine: &Engine) -> Self {
        Self {
            engine: engine.clone(),
            definitions: HashMap::new(),
            allow_shadowing: false,
        }
    }

    /// Whether a later definition of a name may replace an earlier one (off by default).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    /// Defines `module.name` as `item`, which belongs to `store`.
    ///
    /// # Errors
    ///
    /// If the name is already defined and shadowing is off, or `item` belongs to a store
    /// of another engine.
    pub fn define(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        let item = item.into();
        let store = store.as_context();
        if !Engine::same(store.engine(), &self.engine) {
            return Err(Error::msg(
                "cannot define an item of a store of another engine",
            ));
        }
        self.insert(module, name, Definition::Extern(item))?;
        Ok(self)
    }

    /// Defines `module.name` as a host function made from a Rust closure, usable in any
    /// store of this linker's engine.
    ///
    /// # Errors
    ///
    /// If the name is already defined and shadowing is off.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let host = Arc::new(func.into_host_func(&self.engine));
        self.insert(module, name, Definition::HostFunc(host))?;
        Ok(self)
    }

    /// Defines every function `module` imports that this linker does not define yet as
    /// a host function that fails, when called, with an error naming the import
    /// ("unknown import: `env::f` has not been defined"), as Wasmtime's does: a module can
    /// then be instantiated for a quick call without writing every host function. Imports
    /// of other kinds stay undefined.
    ///
    /// # Errors
    ///
    /// If `module` belongs to another engine.
    pub fn define_unknown_imports_as_traps(&mut self, module: &Module) -> Result<&mut Self> {
        if !Engine::same(module.engine(), &self.engine) {
            return Err(Error::msg(
                "cannot define imports of a module of another engine",
            ));
        }
        for import in module.imports() {
            let key = (import.module.to_owned(), import.name.to_owned());
            let crate::types::ExternType::Func(ty) = import.ty else {
                continue;
            };
            if self.definitions.contains_key(&key) {
                continue;
            }
            let message = format!(
                "unknown import: `{}::{}` has not been defined",
                import.module, import.name
            );
            let host = HostFunc::dynamic(&self.engine, ty, move |_, _, _| {
                Err(Error::msg(message.clone()))
            });
            self.definitions
                .insert(key, Definition::HostFunc(Arc::new(host)));
        }
        Ok(self)
    }

    /// Defines every export of `instance` under the module name `module`.
    ///
    /// # Errors
    ///
    /// If a name is already defined and shadowing is off.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        let exports = instance.exports(&mut store);
        for (name, item) in exports {
            self.insert(module, &name, Definition::Extern(item))?;
        }
        Ok(self)
    }

    /// The definition of `module.name` as an entity of `store`, if there is one.
    pub fn get(
        &self,
        store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let definition = self
            .definitions
            .get(&(module.to_string(), name.to_string()))?;
        Some(definition.to_extern(store))
    }

    /// Resolves every import of `module` by name once, so each later
    /// [`InstancePre::instantiate`] only allocates and initialises.
    ///
    /// # Errors
    ///
    /// An unknown import, naming its module and field.
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<T>> {
        let definitions = module
            .env()
            .imports
            .iter()
            .map(|import| {
                self.definitions
                    .get(&(import.module.clone(), import.field.clone()))
                    .cloned()
                    .ok_or_else(|| {
                        Error::msg(format!(
                            "unknown import: `{}::{}` has not been defined",
                            import.module, import.field
                        ))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(InstancePre {
            module: module.clone(),
            definitions: definitions.into(),
        })
    }

    /// Instantiates `module` in `store`, resolving every import by name.
    ///
    /// # Errors
    ///
    /// An unknown import (naming module and field), an import of the wrong type (naming
    /// both types), a resource limit, or a trap while initialising or running the start
    /// function.
    pub fn instantiate(
        &self,
        store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        self.instantiate_pre(module)?.instantiate(store)
    }

    fn insert(&mut self, module: &str, name: &str, definition: Definition<T>) -> Result<()> {
        match self
            .definitions
            .entry((module.to_string(), name.to_string()))
        {
            Entry::Occupied(mut entry) if self.allow_shadowing => {
                entry.insert(definition);
            }
            Entry::Occupied(_) => {
                return Err(Error::msg(format!(
                    "import `{module}::{name}` is already defined"
                )));
            }
            Entry::Vacant(entry) => {
                entry.insert(definition);
            }
        }
        Ok(())
    }
}

impl<T: 'static> Definition<T> {
    /// The definition as an entity of `store`: a host function becomes that store's
    /// `Func` for it (one per store).
    fn to_extern(&self, mut store: impl AsContextMut<Data = T>) -> Extern {
        match self {
            Self::Extern(item) => item.clone(),
            Self::HostFunc(host) => {
                Extern::Func(Func::from_host(store.as_context_mut(), Arc::clone(host)))
            }
        }
    }
}

/// A module whose imports a [`Linker`] has resolved: instantiating it again and again (an
/// instance per request) skips the name lookups. Cheap to clone.
pub struct InstancePre<T> {
    module: Module,
    definitions: Arc<[Definition<T>]>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        Self {
            module: self.module.clone(),
            definitions: Arc::clone(&self.definitions),
        }
    }
}

impl<T: 'static> InstancePre<T> {
    /// The module this instantiates.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiates the module in `store` with the resolved imports.
    ///
    /// # Errors
    ///
    /// An import of the wrong type (naming both types) or of another store, a resource
    /// limit, or a trap while initialising or running the start function.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let imports: Vec<Extern> = self
            .definitions
            .iter()
            .map(|definition| definition.to_extern(&mut store))
            .collect();
        Instance::new(store, &self.module, &imports)
    }
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Self {
            engine: self.engine.clone(),
            definitions: self.definitions.clone(),
            allow_shadowing: self.allow_shadowing,
        }
    }
}

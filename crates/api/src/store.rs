//! `Store<T>`: owns every instance, function, memory, table, global and externref made in
//! it, plus the embedder's data `T`. Handles (`Func`, `Memory`, …) are ids into the store's
//! arenas; `StoreContext`/`StoreContextMut` and the `AsContext` traits let any of `Store`,
//! `&mut Store` or `Caller` be passed where a store is needed.

mod data;

use core::any::Any;
use core::ptr::NonNull;
use std::collections::{BTreeMap, HashMap};

use vm::{VMFuncRef, VMStoreContext};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::func::{Func, FuncData};
use crate::global::GlobalData;
use crate::instance::InstanceData;
use crate::memory::MemoryData;
use crate::table::TableData;
use crate::types::FuncType;

pub(crate) use data::{Arena, StoreId, Stored};

/// Decides whether memories and tables may grow; install one with [`Store::limiter`]. The
/// vm's trait itself: the store hands the embedder's limiter to the vm as it is.
pub use vm::ResourceLimiter;

type LimiterFn<T> = dyn (FnMut(&mut T) -> &mut dyn ResourceLimiter) + Send + Sync;

/// Everything made with one engine for one user of it; `T` is the embedder's data, which
/// host functions reach through [`Caller`](crate::Caller).
pub struct Store<T> {
    inner: Box<StoreInner<T>>,
}

/// The store behind a `Store<T>`, at a stable address so the vm can point at it.
pub struct StoreInner<T> {
    opaque: StoreOpaque,
    limiter: Option<Box<LimiterFn<T>>>,
    data: T,
}

/// The parts of a store that do not depend on `T`.
pub struct StoreOpaque {
    id: StoreId,
    engine: Engine,
    /// Read and written by compiled code; boxed so its address never changes.
    vm_store_context: Box<VMStoreContext>,
    pub(crate) instances: Arena<InstanceData>,
    pub(crate) funcs: Arena<FuncData>,
    func_by_ref: HashMap<usize, Func>,
    pub(crate) memories: Arena<MemoryData>,
    pub(crate) tables: Arena<TableData>,
    pub(crate) globals: Arena<GlobalData>,
    pub(crate) tags: Arena<crate::tag::TagData>,
    extern_refs: Arena<ExternRefData>,
    /// Ordered, so the instance whose `VMContext` holds an address is a range lookup.
    instance_by_vmctx: BTreeMap<usize, crate::instance::Instance>,
    /// The `Func` made in this store for each shared host function body, by its address.
    host_funcs: HashMap<usize, Func>,
    fuel_enabled: bool,
    /// The engine's `max_wasm_stack`, kept here because every call into wasm reads it.
    pub(crate) max_wasm_stack: usize,
    /// How many calls into wasm of this store are running (nested through host
    /// functions, on this thread or another); exceptions are collected only at zero.
    pub(crate) wasm_depth: usize,
}

/// The value behind an `ExternRef`.
pub(crate) struct ExternRefData(Box<dyn Any + Send + Sync>);

impl<T: 'static> Store<T> {
    /// How many wasm exceptions the store holds: thrown and not yet freed. Exceptions
    /// nothing refers to (no global, table, other live exception or host handle) are
    /// freed when enough have been thrown, before a later call into wasm.
    pub fn exception_count(&self) -> usize {
        self.inner
            .opaque
            .vm_store_context_ref()
            .exceptions
            .borrow()
            .len()
    }

    /// A new store for `engine`, holding `data`.
    pub fn new(engine: &Engine, data: T) -> Self {
        let vm_store_context = Box::<VMStoreContext>::default();
        let opaque = StoreOpaque {
            id: StoreId::allocate(),
            engine: engine.clone(),
            vm_store_context,
            instances: Arena::new(),
            funcs: Arena::new(),
            func_by_ref: HashMap::new(),
            memories: Arena::new(),
            tables: Arena::new(),
            globals: Arena::new(),
            tags: Arena::new(),
            extern_refs: Arena::new(),
            instance_by_vmctx: BTreeMap::new(),
            host_funcs: HashMap::new(),
            fuel_enabled: engine.config().tunables.consume_fuel,
            max_wasm_stack: engine.config().max_wasm_stack,
            wasm_depth: 0,
        };
        Self {
            inner: Box::new(StoreInner {
                opaque,
                limiter: None,
                data,
            }),
        }
    }

    /// The embedder's data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// The embedder's data, for writing.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// Consumes the store, returning its data.
    pub fn into_data(self) -> T {
        let inner = *self.inner;
        inner.data
    }

    /// The engine this store uses.
    pub fn engine(&self) -> &Engine {
        &self.inner.opaque.engine
    }

    /// Installs a resource limiter, found in the store's data by `limiter`.
    pub fn limiter(
        &mut self,
        limiter: impl (FnMut(&mut T) -> &mut dyn ResourceLimiter) + Send + Sync + 'static,
    ) {
        self.inner.limiter = Some(Box::new(limiter));
    }

    /// Sets the fuel left for wasm code in this store.
    ///
    /// # Errors
    ///
    /// If the engine was not configured with `consume_fuel`.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.inner.opaque.set_fuel(fuel)
    }

    /// The fuel left.
    ///
    /// # Errors
    ///
    /// If the engine was not configured with `consume_fuel`.
    pub fn get_fuel(&self) -> Result<u64> {
        self.inner.opaque.get_fuel()
    }

    /// Interrupts wasm code once the engine's epoch has advanced `ticks` past its current
    /// value (with epoch interruption configured).
    pub fn set_epoch_deadline(&mut self, ticks: u64) {
        let opaque = &mut self.inner.opaque;
        let deadline = opaque.engine.current_epoch().saturating_add(ticks);
        opaque.vm_store_context.epoch_deadline.set(deadline);
    }
}

impl<T> StoreInner<T> {
    pub(crate) fn opaque(&self) -> &StoreOpaque {
        &self.opaque
    }

    pub(crate) fn opaque_mut(&mut self) -> &mut StoreOpaque {
        &mut self.opaque
    }

    pub(crate) fn data(&self) -> &T {
        &self.data
    }

    pub(crate) fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// The store's entities and its data, borrowed apart.
    pub(crate) fn opaque_and_data_mut(&mut self) -> (&mut StoreOpaque, &mut T) {
        (&mut self.opaque, &mut self.data)
    }

    /// The store's limiter as the vm asks it (`None` without one), for instantiation.
    pub(crate) fn vm_limiter(&mut self) -> Option<&mut dyn vm::ResourceLimiter> {
        self.opaque_and_limiter().1
    }

    /// The parts of the store that hold entities, and at the same time the embedder's
    /// limiter (found in its data), for growing a memory or table from the host.
    pub(crate) fn opaque_and_limiter(
        &mut self,
    ) -> (&mut StoreOpaque, Option<&mut dyn vm::ResourceLimiter>) {
        let limiter = match &mut self.limiter {
            Some(find) => Some(find(&mut self.data)),
            None => None,
        };
        (&mut self.opaque, limiter)
    }
}

impl<T: 'static> vm::StoreHooks for StoreInner<T> {
    fn limiter(&mut self) -> Option<&mut dyn vm::ResourceLimiter> {
        self.vm_limiter()
    }

    fn out_of_gas(&mut self) -> Result<bool, vm::HostError> {
        Ok(false)
    }

    fn new_epoch(&mut self) -> Result<bool, vm::HostError> {
        Ok(false)
    }
}

impl StoreOpaque {
    /// The modules of every instance, for naming backtrace frames.
    pub(crate) fn instance_modules(&self) -> impl Iterator<Item = &crate::module::Module> {
        self.instances.iter().map(|data| &data.module)
    }

    /// This store's id.
    pub(crate) fn id(&self) -> StoreId {
        self.id
    }

    /// The engine.
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The context compiled code reads (stack limit, fuel, epoch deadline).
    /// The context compiled code reads, borrowed.
    pub(crate) fn vm_store_context_ref(&self) -> &VMStoreContext {
        &self.vm_store_context
    }

    pub(crate) fn vm_store_context(&self) -> NonNull<VMStoreContext> {
        NonNull::from(&*self.vm_store_context)
    }

    fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        if !self.fuel_enabled {
            return Err(Error::msg("fuel is not enabled: use Config::consume_fuel"));
        }
        let fuel = i64::try_from(fuel).unwrap_or(i64::MAX);
        self.vm_store_context.fuel_consumed.set(-fuel);
        Ok(())
    }

    fn get_fuel(&self) -> Result<u64> {
        if !self.fuel_enabled {
            return Err(Error::msg("fuel is not enabled: use Config::consume_fuel"));
        }
        let consumed = self.vm_store_context.fuel_consumed.get();
        Ok(u64::try_from(consumed.saturating_neg()).unwrap_or(0))
    }

    /// The data of a function of this store.
    ///
    /// # Panics
    ///
    /// If `func` belongs to another store.
    pub(crate) fn func(&self, func: Func) -> &FuncData {
        self.funcs.expect(self.id, func.0, "function")
    }

    /// Adds a host function, whose context owns its `VMFuncRef`.
    pub(crate) fn push_func(&mut self, context: vm::OwnedHostFuncContext, ty: FuncType) -> Func {
        let func_ref = context.func_ref_ptr().as_ptr() as usize;
        let raw = *context.get().func_ref();
        self.register_wasm_func(FuncData {
            func_ref,
            raw,
            ty,
            _host: Some(context),
        })
    }

    /// Adds a function and indexes it by its handle's address.
    pub(crate) fn register_wasm_func(&mut self, data: FuncData) -> Func {
        let key = data.func_ref;
        if let Some(&func) = self.func_by_ref.get(&key) {
            return func;
        }
        let func = Func(self.funcs.push(self.id, data));
        self.func_by_ref.insert(key, func);
        func
    }

    /// The `Func` for a `VMFuncRef` that compiled code or a table handed back: a host
    /// function (registered when it was made) or a wasm function of one of the store's
    /// instances, registered the first time the host sees it (instantiation registers
    /// none, so it costs nothing per escaping function).
    ///
    /// # Panics
    ///
    /// If the handle is unknown to this store, which would be a bug in Tarn.
    pub(crate) fn func_for_ref(&mut self, func_ref: NonNull<VMFuncRef>) -> Func {
        let address = func_ref.as_ptr() as usize;
        if let Some(&func) = self.func_by_ref.get(&address) {
            return func;
        }
        match self.wasm_func_data(address) {
            Some(data) => self.register_wasm_func(data),
            None => panic!("funcref {func_ref:?} does not belong to this store"),
        }
    }

    /// The function whose `VMFuncRef` lies at `address` in an instance's `VMContext`.
    fn wasm_func_data(&self, address: usize) -> Option<FuncData> {
        let (&vmctx, &instance) = self.instance_by_vmctx.range(..=address).next_back()?;
        let data = self.instances.get(self.id, instance.0, "instance").ok()?;
        let offsets = data.module.offsets();
        let first = vmctx + offsets.vmctx_func_ref(environ::FuncRefIndex::from_u32(0)) as usize;
        let size = offsets.size_of_vm_func_ref() as usize;
        let distance = address.checked_sub(first)?;
        if size == 0 || distance % size != 0 {
            return None;
        }
        let func = *data.module.escaping_funcs().get(distance / size)?;
        let instance = data.instance();
        let func_ref = instance.func_ref(func)?;
        if func_ref.as_ptr() as usize != address {
            return None;
        }
        let raw = instance.func_ref_value(func)?;
        let env = data.module.env();
        let ty = data.module.func_type(env.functions[func].ty).clone();
        Some(FuncData::wasm(func_ref, raw, ty))
    }

    /// Stores an externref's value.
    pub(crate) fn push_extern_ref(
        &mut self,
        value: Box<dyn Any + Send + Sync>,
    ) -> Stored<ExternRefData> {
        self.extern_refs.push(self.id, ExternRefData(value))
    }

    /// The value of an externref of this store.
    ///
    /// # Panics
    ///
    /// If the reference belongs to another store.
    pub(crate) fn extern_ref_data(
        &self,
        handle: Stored<ExternRefData>,
    ) -> &(dyn Any + Send + Sync) {
        &*self.extern_refs.expect(self.id, handle, "externref").0
    }

    /// The raw value compiled code holds for an externref: its index plus one, so null is 0.
    pub(crate) fn extern_ref_to_raw(&self, handle: Stored<ExternRefData>) -> Result<usize> {
        Ok(handle.check(self.id, "externref")? + 1)
    }

    /// The externref for a raw value, or `None` for null.
    pub(crate) fn extern_ref_from_raw(&self, raw: usize) -> Option<Stored<ExternRefData>> {
        let index = raw.checked_sub(1)?;
        (index < self.extern_refs.len()).then(|| Stored::new(self.id, index))
    }

    /// The `Func` already made for the host function body at `key`, if any.
    pub(crate) fn host_func(&self, key: usize) -> Option<Func> {
        self.host_funcs.get(&key).copied()
    }

    /// Remembers the `Func` made for the host function body at `key`.
    pub(crate) fn remember_host_func(&mut self, key: usize, func: Func) {
        self.host_funcs.insert(key, func);
    }

    /// Remembers which instance owns a `VMContext`, for `Caller`.
    pub(crate) fn register_instance_vmctx(
        &mut self,
        vmctx: usize,
        instance: crate::instance::Instance,
    ) {
        self.instance_by_vmctx.insert(vmctx, instance);
    }

    /// The instance whose `VMContext` is `vmctx`, if it is one of this store's.
    pub(crate) fn instance_for_vmctx(&self, vmctx: usize) -> Option<crate::instance::Instance> {
        self.instance_by_vmctx.get(&vmctx).copied()
    }
}

/// A shared view of a store.
pub struct StoreContext<'a, T>(pub(crate) &'a StoreInner<T>);

/// An exclusive view of a store.
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut StoreInner<T>);

impl<'a, T> StoreContext<'a, T> {
    /// The engine.
    pub fn engine(&self) -> &'a Engine {
        &self.0.opaque.engine
    }

    /// The store's data.
    pub fn data(&self) -> &'a T {
        &self.0.data
    }
}

impl<T> StoreContextMut<'_, T> {
    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.0.opaque.engine
    }

    /// The store's data.
    pub fn data(&self) -> &T {
        &self.0.data
    }

    /// The store's data, for writing.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.0.data
    }
}

/// Anything that gives shared access to a store.
pub trait AsContext {
    /// The store's data type.
    type Data: 'static;
    /// A shared view of the store.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Anything that gives exclusive access to a store.
pub trait AsContextMut: AsContext {
    /// An exclusive view of the store.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T: 'static> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(&self.inner)
    }
}

impl<T: 'static> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(&mut self.inner)
    }
}

impl<T: 'static> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T: 'static> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T: 'static> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}

impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        (**self).as_context_mut()
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store")
            .field("data", &self.inner.data)
            .finish_non_exhaustive()
    }
}

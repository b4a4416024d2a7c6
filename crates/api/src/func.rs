//! `Func`: a function of a store (compiled wasm or a host closure), called with untyped
//! `Val`s; host functions made from closures (`IntoFunc`); and `Caller`, the view a host
//! function has of the store and the instance that called it.

pub(crate) mod call;
pub(crate) mod host;
mod typed;

use core::ptr::NonNull;
use std::sync::Arc;

use vm::{VMFuncRef, ValRaw};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::externals::Extern;
use crate::signatures::RegisteredType;
use crate::store::{
    AsContext, AsContextMut, StoreContext, StoreContextMut, StoreInner, StoreOpaque, Stored,
};
use crate::types::FuncType;
use crate::values::Val;

pub use typed::{TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy, WasmTyList};

/// A function that belongs to one store.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Func(pub(crate) Stored<FuncData>);

/// What the store knows about a function.
pub(crate) struct FuncData {
    /// The address of the handle compiled code uses; stable, because it lies inside an
    /// instance's `VMContext` or a boxed host context that the store owns.
    pub(crate) func_ref: usize,
    /// A copy of that handle, which never changes once the function exists.
    pub(crate) raw: VMFuncRef,
    pub(crate) ty: FuncType,
    /// Keeps a host function's context alive.
    pub(crate) _host: Option<vm::OwnedHostFuncContext>,
}

impl FuncData {
    /// A function of an instance.
    pub(crate) fn wasm(func_ref: NonNull<VMFuncRef>, raw: VMFuncRef, ty: FuncType) -> Self {
        Self {
            func_ref: func_ref.as_ptr() as usize,
            raw,
            ty,
            _host: None,
        }
    }

    /// The handle's address.
    pub(crate) fn func_ref_ptr(&self) -> NonNull<VMFuncRef> {
        NonNull::new(self.func_ref as *mut VMFuncRef).expect("function handles are never null")
    }
}

/// The body of a host function: reads its arguments from the front of the buffer and
/// writes its results there.
pub(crate) type HostCall<T> = dyn Fn(Caller<'_, T>, &mut [ValRaw]) -> Result<()> + Send + Sync;

/// A host function not yet tied to a store: its signature and its body. A `Linker` keeps
/// these and makes a `Func` of each in every store it instantiates into.
pub struct HostFunc<T> {
    pub(crate) ty: FuncType,
    /// The signature's registration, held as long as the function (and so any store or
    /// linker holding it) lives.
    pub(crate) signature: RegisteredType,
    pub(crate) call: Box<HostCall<T>>,
    /// The array-call entry compiled code calls, made for `call`'s concrete type so it
    /// calls the body directly rather than through the box's vtable.
    pub(crate) entry: vm::VMArrayCallFunction,
}

impl<T: 'static> HostFunc<T> {
    fn new<C>(engine: &Engine, ty: FuncType, call: C) -> Self
    where
        C: Fn(Caller<'_, T>, &mut [ValRaw]) -> Result<()> + Send + Sync + 'static,
    {
        let signature = engine.signatures().register(&ty);
        Self {
            ty,
            signature,
            entry: host::entry_for::<T, C>(),
            call: Box::new(call),
        }
    }

    /// A host function of a type chosen at run time: the closure receives the arguments
    /// as `Val`s and fills `results`, whose types are checked on return.
    pub(crate) fn dynamic(
        engine: &Engine,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        let signature = ty.clone();
        let call = move |mut caller: Caller<'_, T>, values: &mut [ValRaw]| -> Result<()> {
            let params: Vec<Val> = signature
                .params()
                .iter()
                .zip(values.iter())
                .map(|(ty, raw)| Val::from_raw(caller.store.opaque_mut(), *raw, ty))
                .collect();
            let mut results: Vec<Val> = signature.results().iter().map(Val::default_for).collect();
            func(caller.reborrow(), &params, &mut results)?;
            for (i, (result, ty)) in results.iter().zip(signature.results()).enumerate() {
                if !result.matches_ty(caller.store.opaque(), ty) {
                    return Err(Error::msg(format!(
                        "host function returned a value of type {} as result {i}, which has type {ty}",
                        result.ty()
                    )));
                }
                values[i] = result.to_raw(caller.store.opaque_mut())?;
            }
            Ok(())
        };
        Self::new(engine, ty, call)
    }
}

impl Func {
    /// A host function from a Rust closure whose parameters and results are WebAssembly
    /// types (`i32`, `i64`, `f32`, `f64`, `u32`, `u64`, `u128` for `v128`), optionally
    /// taking a leading [`Caller`], and returning values or `Result<values, Error>`.
    pub fn wrap<T: 'static, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let store = store.as_context_mut();
        let host = func.into_host_func(store.engine());
        Self::from_host(store, Arc::new(host))
    }

    /// A host function with a signature chosen at run time. The closure receives the
    /// arguments and fills `results`, whose types are checked on return.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let store = store.as_context_mut();
        let host = HostFunc::dynamic(store.engine(), ty, func);
        Self::from_host(store, Arc::new(host))
    }

    /// Makes a store function of a host function.
    ///
    /// A linker's host function becomes one `Func` per store, however often it is
    /// instantiated: the store remembers it by the address of its shared body, which the
    /// `Func`'s context keeps alive (so the address cannot be reused while remembered).
    pub(crate) fn from_host<T: 'static>(
        store: StoreContextMut<'_, T>,
        host: Arc<HostFunc<T>>,
    ) -> Func {
        let key = Arc::as_ptr(&host) as usize;
        if let Some(func) = store.0.opaque().host_func(key) {
            return func;
        }
        let engine = store.engine().clone();
        let ty = host.ty.clone();
        let context = host::new_host_context(&engine, store.0.opaque().id(), host);
        let func = store.0.opaque_mut().push_func(context, ty);
        store.0.opaque_mut().remember_host_func(key, func);
        func
    }

    /// The function's signature.
    ///
    /// # Panics
    ///
    /// If the function belongs to another store.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let store = store.as_context();
        store.0.opaque().func(*self).ty.clone()
    }

    /// Calls the function with `params`, writing its results to `results`.
    ///
    /// # Errors
    ///
    /// Wrong argument types or counts, a function or value of another store, a
    /// [`Trap`](crate::Trap), or an error a host function returned.
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let store = store.as_context_mut().0;
        let opaque = store.opaque_mut();
        let func_ref = self.checked_func_ref(opaque)?;
        let ty = opaque.func(*self).ty.clone();
        check_arguments(opaque, &ty, params, results)?;
        let len = params.len().max(results.len());
        let mut values = vec![ValRaw::default(); len];
        for (value, param) in values.iter_mut().zip(params) {
            *value = param.to_raw(opaque)?;
        }
        call::invoke(store, func_ref, &mut values)?;
        let opaque = store.opaque_mut();
        for ((result, raw), ty) in results.iter_mut().zip(&values).zip(ty.results()) {
            *result = Val::from_raw(opaque, *raw, ty);
        }
        Ok(())
    }

    /// This function with its signature checked against `Params` and `Results`.
    ///
    /// # Errors
    ///
    /// If the signature differs, or the function belongs to another store.
    pub fn typed<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<Params, Results>> {
        let store = store.as_context();
        self.0.check(store.0.opaque().id(), "function")?;
        TypedFunc::new(*self, store.0.opaque().func(*self))
    }

    /// The handle compiled code uses, after checking the store.
    pub(crate) fn checked_func_ref(&self, store: &StoreOpaque) -> Result<NonNull<VMFuncRef>> {
        self.0.check(store.id(), "function")?;
        Ok(store.func(*self).func_ref_ptr())
    }
}

fn check_arguments(
    store: &StoreOpaque,
    ty: &FuncType,
    params: &[Val],
    results: &[Val],
) -> Result<()> {
    if params.len() != ty.params().len() {
        return Err(Error::msg(format!(
            "expected {} arguments for a function of type {ty}, got {}",
            ty.params().len(),
            params.len()
        )));
    }
    for (i, (param, expected)) in params.iter().zip(ty.params()).enumerate() {
        if !param.matches_ty(store, expected) {
            return Err(Error::msg(format!(
                "argument {i} has type {}, but the function of type {ty} expects {expected}",
                param.ty()
            )));
        }
    }
    if results.len() != ty.results().len() {
        return Err(Error::msg(format!(
            "expected room for {} results for a function of type {ty}, got {}",
            ty.results().len(),
            results.len()
        )));
    }
    Ok(())
}

/// A Rust closure that can become a host function; implemented for closures of up to
/// twelve [`WasmTy`] parameters, with or without a leading [`Caller`].
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    /// Converts the closure, interning its signature in `engine`.
    fn into_host_func(self, engine: &Engine) -> HostFunc<T>;
}

macro_rules! into_func {
    ($($arg:ident $index:tt)*) => {
        impl<T: 'static, F, $($arg: WasmTy,)* R: WasmRet> IntoFunc<T, ($($arg,)*), R> for F
        where
            F: Fn($($arg),*) -> R + Send + Sync + 'static,
        {
            fn into_host_func(self, engine: &Engine) -> HostFunc<T> {
                let ty = FuncType::new(vec![$($arg::valtype()),*], <R::Ok as WasmTyList>::valtypes());
                #[allow(unused_variables, reason = "functions without parameters ignore the buffer")]
                let call = move |_caller: Caller<'_, T>, values: &mut [ValRaw]| -> Result<()> {
                    let results = self($($arg::from_raw(&values[$index])),*).into_result()?;
                    results.store_raw(values);
                    Ok(())
                };
                HostFunc::new(engine, ty, call)
            }
        }

        impl<T: 'static, F, $($arg: WasmTy,)* R: WasmRet> IntoFunc<T, (Caller<'_, T>, $($arg,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($arg),*) -> R + Send + Sync + 'static,
        {
            fn into_host_func(self, engine: &Engine) -> HostFunc<T> {
                let ty = FuncType::new(vec![$($arg::valtype()),*], <R::Ok as WasmTyList>::valtypes());
                #[allow(unused_variables, reason = "functions without parameters ignore the buffer")]
                let call = move |caller: Caller<'_, T>, values: &mut [ValRaw]| -> Result<()> {
                    let results = self(caller, $($arg::from_raw(&values[$index])),*).into_result()?;
                    results.store_raw(values);
                    Ok(())
                };
                HostFunc::new(engine, ty, call)
            }
        }
    };
}

into_func!();
into_func!(A 0);
into_func!(A 0 B 1);
into_func!(A 0 B 1 C 2);
into_func!(A 0 B 1 C 2 D 3);
into_func!(A 0 B 1 C 2 D 3 E 4);
into_func!(A 0 B 1 C 2 D 3 E 4 F2 5);
into_func!(A 0 B 1 C 2 D 3 E 4 F2 5 G 6);
into_func!(A 0 B 1 C 2 D 3 E 4 F2 5 G 6 H 7);
into_func!(A 0 B 1 C 2 D 3 E 4 F2 5 G 6 H 7 I 8);
into_func!(A 0 B 1 C 2 D 3 E 4 F2 5 G 6 H 7 I 8 J 9);
into_func!(A 0 B 1 C 2 D 3 E 4 F2 5 G 6 H 7 I 8 J 9 K 10);
into_func!(A 0 B 1 C 2 D 3 E 4 F2 5 G 6 H 7 I 8 J 9 K 10 L 11);

/// What a host function sees while it runs: the store (its data, and everything in it)
/// and the instance whose code called it.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut StoreInner<T>,
    /// The `VMContext` of the calling code (the host function's own context when the
    /// host called it), looked up only when an export is asked for.
    pub(crate) caller_vmctx: usize,
}

impl<T: 'static> Caller<'_, T> {
    /// The store's data.
    pub fn data(&self) -> &T {
        self.store.data()
    }

    /// The store's data, for writing.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    /// The engine of the store.
    pub fn engine(&self) -> &Engine {
        self.store.opaque().engine()
    }

    /// An export of the calling instance, if the caller was wasm code and it has one.
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let instance = self.store.opaque().instance_for_vmctx(self.caller_vmctx)?;
        instance.get_export(&mut *self, name)
    }

    /// A shorter-lived `Caller` over the same store, for passing on.
    pub(crate) fn reborrow(&mut self) -> Caller<'_, T> {
        Caller {
            store: self.store,
            caller_vmctx: self.caller_vmctx,
        }
    }
}

impl<T: 'static> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}

impl<T: 'static> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}

//! Statically typed calls: `TypedFunc<Params, Results>` and the traits that map Rust types
//! to WebAssembly values (`WasmTy`) and tuples of them to parameter and result lists.

use core::marker::PhantomData;
use core::ptr::NonNull;

use vm::{VMFuncRef, ValRaw};

use crate::error::{Error, Result};
use crate::func::Func;
use crate::store::AsContextMut;
use crate::types::ValType;

/// A Rust type that is one WebAssembly value.
pub trait WasmTy: Send + Sync + 'static {
    /// The WebAssembly type.
    fn valtype() -> ValType;
    /// Encodes the value.
    fn into_raw(self) -> ValRaw;
    /// Decodes a value of this type. It takes a reference so that only the value's own
    /// bytes are read: compiled code writes an `i32` as 4 bytes, and a 16-byte read
    /// right after would wait for the store to reach memory.
    fn from_raw(raw: &ValRaw) -> Self;
}

macro_rules! wasm_ty {
    ($($ty:ty => $valtype:ident, |$v:ident| $into:expr, |$r:ident| $from:expr;)*) => {$(
        impl WasmTy for $ty {
            fn valtype() -> ValType {
                ValType::$valtype
            }
            #[inline]
            fn into_raw(self) -> ValRaw {
                let $v = self;
                $into
            }
            #[inline]
            fn from_raw($r: &ValRaw) -> Self {
                $from
            }
        }
    )*};
}

wasm_ty! {
    i32 => I32, |v| ValRaw::i32(v), |r| r.get_i32();
    u32 => I32, |v| ValRaw::i32(v as i32), |r| r.get_i32() as u32;
    i64 => I64, |v| ValRaw::i64(v), |r| r.get_i64();
    u64 => I64, |v| ValRaw::i64(v as i64), |r| r.get_i64() as u64;
    f32 => F32, |v| ValRaw::f32(v.to_bits()), |r| f32::from_bits(r.get_f32());
    f64 => F64, |v| ValRaw::f64(v.to_bits()), |r| f64::from_bits(r.get_f64());
    u128 => V128, |v| ValRaw::v128(v), |r| r.get_v128();
    crate::V128 => V128, |v| ValRaw::v128(v.as_u128()), |r| crate::V128::from_bits(r.get_v128());
}

/// A list of WebAssembly values as a Rust tuple of up to 20 (or a single [`WasmTy`], or
/// `()`).
pub trait WasmTyList: Send + Sync + 'static + Sized {
    /// How many values the list has.
    const LEN: usize;
    /// The types, in order.
    fn valtypes() -> Vec<ValType>;
    /// Writes the values to the front of `dst`, which is long enough.
    fn store_raw(self, dst: &mut [ValRaw]);
    /// Reads the values from the front of `src`, which is long enough.
    fn load_raw(src: &[ValRaw]) -> Self;
}

impl<A: WasmTy> WasmTyList for A {
    const LEN: usize = 1;
    fn valtypes() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn store_raw(self, dst: &mut [ValRaw]) {
        dst[0] = self.into_raw();
    }
    fn load_raw(src: &[ValRaw]) -> Self {
        A::from_raw(&src[0])
    }
}

macro_rules! wasm_ty_list {
    ($($name:ident $index:tt)*) => {
        impl<$($name: WasmTy),*> WasmTyList for ($($name,)*) {
            const LEN: usize = [$($index),*].len();
            fn valtypes() -> Vec<ValType> {
                vec![$($name::valtype()),*]
            }
            fn store_raw(self, dst: &mut [ValRaw]) {
                $(dst[$index] = self.$index.into_raw();)*
            }
            fn load_raw(src: &[ValRaw]) -> Self {
                ($($name::from_raw(&src[$index]),)*)
            }
        }
    };
}

impl WasmTyList for () {
    const LEN: usize = 0;
    fn valtypes() -> Vec<ValType> {
        Vec::new()
    }
    fn store_raw(self, _dst: &mut [ValRaw]) {}
    fn load_raw(_src: &[ValRaw]) -> Self {}
}

wasm_ty_list!(A 0);
wasm_ty_list!(A 0 B 1);
wasm_ty_list!(A 0 B 1 C 2);
wasm_ty_list!(A 0 B 1 C 2 D 3);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12 N 13);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12 N 13 O 14);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12 N 13 O 14 P 15);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12 N 13 O 14 P 15 Q 16);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12 N 13 O 14 P 15 Q 16 R 17);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12 N 13 O 14 P 15 Q 16 R 17 S 18);
wasm_ty_list!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12 N 13 O 14 P 15 Q 16 R 17 S 18 T 19);

/// Parameters of a typed call.
pub trait WasmParams: WasmTyList {}
impl<L: WasmTyList> WasmParams for L {}

/// Results of a typed call.
pub trait WasmResults: WasmTyList {}
impl<L: WasmTyList> WasmResults for L {}

/// What a host closure may return: values, or values and a possible error.
pub trait WasmRet: Send + Sync + 'static {
    /// The value types returned on success.
    type Ok: WasmResults;
    /// The result as a `Result`.
    fn into_result(self) -> Result<Self::Ok>;
}

impl<L: WasmResults> WasmRet for L {
    type Ok = L;
    fn into_result(self) -> Result<L> {
        Ok(self)
    }
}

impl<L: WasmResults> WasmRet for Result<L> {
    type Ok = L;
    fn into_result(self) -> Result<L> {
        self
    }
}

/// How many values a typed call passes in a stack buffer; longer lists use the heap.
const INLINE_VALUES: usize = 8;

/// A function whose signature was checked once, so calls need no per-value checks.
pub struct TypedFunc<Params, Results> {
    func: Func,
    /// The address of the function's `VMFuncRef`, looked up once: it never changes for
    /// the life of the store, and it is used only after `func`'s store is checked.
    func_ref: usize,
    marker: PhantomData<fn(Params) -> Results>,
}

impl<Params, Results> Clone for TypedFunc<Params, Results> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Params, Results> Copy for TypedFunc<Params, Results> {}

impl<Params: WasmParams, Results: WasmResults> TypedFunc<Params, Results> {
    /// Wraps `func` after checking it has exactly these parameter and result types.
    pub(crate) fn new(func: Func, data: &crate::func::FuncData) -> Result<Self> {
        let ty = &data.ty;
        let params = Params::valtypes();
        let results = Results::valtypes();
        if ty.params() != params.as_slice() || ty.results() != results.as_slice() {
            let expected = crate::types::FuncType::new(params, results);
            return Err(Error::msg(format!(
                "type mismatch: the function has type {ty}, not {expected}"
            )));
        }
        Ok(Self {
            func,
            func_ref: data.func_ref_ptr().as_ptr() as usize,
            marker: PhantomData,
        })
    }

    /// The untyped function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Calls the function.
    ///
    /// # Errors
    ///
    /// A [`Trap`](crate::Trap), an error a host function returned, or an error if the
    /// function belongs to another store.
    pub fn call(&self, mut store: impl AsContextMut, params: Params) -> Result<Results> {
        let store = store.as_context_mut();
        self.func.0.check(store.0.opaque().id(), "function")?;
        let func_ref = NonNull::new(self.func_ref as *mut VMFuncRef)
            .ok_or_else(|| Error::msg("function handles are never null"))?;
        let len = Params::LEN.max(Results::LEN);
        // Calls are frequent and lists short: keep the buffer on the stack.
        let mut inline = [ValRaw::default(); INLINE_VALUES];
        let mut heap = Vec::new();
        let values = if len <= INLINE_VALUES {
            &mut inline[..len]
        } else {
            heap.resize(len, ValRaw::default());
            &mut heap[..]
        };
        params.store_raw(values);
        crate::func::call::invoke(store.0, func_ref, values)?;
        Ok(Results::load_raw(values))
    }
}

//! `Val`: a WebAssembly value as the host holds it, and `ExternRef`, an opaque host value
//! that wasm code can hold in `externref` locals, globals and tables.

use core::any::Any;
use core::ptr::NonNull;

use vm::{VMFuncRef, ValRaw};

use crate::error::Result;
use crate::func::Func;
use crate::store::{AsContext, AsContextMut, ExternRefData, StoreOpaque, Stored};
use crate::tag::ExnRef;
use crate::types::{HeapType, RefType, ValType};

/// A WebAssembly value.
///
/// Floats are kept as their bits so NaN payloads survive a round trip.
#[derive(Clone, Debug)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as its bits.
    F32(u32),
    /// An `f64`, as its bits.
    F64(u64),
    /// A `v128`.
    V128(u128),
    /// A `funcref`; `None` is null.
    FuncRef(Option<Func>),
    /// An `externref`; `None` is null.
    ExternRef(Option<ExternRef>),
    /// An `exnref`; `None` is null.
    ExnRef(Option<ExnRef>),
}

impl Val {
    /// The type of this value.
    pub fn ty(&self) -> ValType {
        match self {
            Self::I32(_) => ValType::I32,
            Self::I64(_) => ValType::I64,
            Self::F32(_) => ValType::F32,
            Self::F64(_) => ValType::F64,
            Self::V128(_) => ValType::V128,
            Self::FuncRef(_) => ValType::FUNCREF,
            Self::ExternRef(_) => ValType::EXTERNREF,
            Self::ExnRef(_) => ValType::EXNREF,
        }
    }

    /// Whether this value is of type `ty` in `store`: a non-null function reference
    /// matches a concrete type when the function's signature does, and null matches
    /// only nullable types.
    pub(crate) fn matches_ty(&self, store: &StoreOpaque, ty: &ValType) -> bool {
        let Some(expected) = ty.as_ref() else {
            return self.ty() == *ty;
        };
        match self {
            Self::FuncRef(None) | Self::ExternRef(None) | Self::ExnRef(None) => {
                expected.is_nullable()
                    && self.ty().as_ref().map(|r| r.heap_type().top())
                        == Some(expected.heap_type().top())
            }
            Self::FuncRef(Some(f)) => match expected.heap_type() {
                HeapType::Func => true,
                HeapType::Concrete(sig) => store
                    .funcs
                    .get(store.id(), f.0, "function")
                    .is_ok_and(|data| data.ty.matches(sig)),
                _ => false,
            },
            Self::ExternRef(Some(_)) => *expected.heap_type() == HeapType::Extern,
            Self::ExnRef(Some(_)) => *expected.heap_type() == HeapType::Exn,
            _ => false,
        }
    }

    /// The default value of a type: zero, or null for references.
    pub fn default_for(ty: &ValType) -> Self {
        match ty {
            ValType::I32 => Self::I32(0),
            ValType::I64 => Self::I64(0),
            ValType::F32 => Self::F32(0),
            ValType::F64 => Self::F64(0),
            ValType::V128 => Self::V128(0),
            ValType::Ref(r) => Self::null_ref(r),
        }
    }

    /// The null reference of a reference type's hierarchy.
    pub fn null_ref(ty: &RefType) -> Self {
        match ty.heap_type().top() {
            HeapType::Extern => Self::ExternRef(None),
            HeapType::Exn => Self::ExnRef(None),
            _ => Self::FuncRef(None),
        }
    }

    /// The `i32`, if this is one.
    pub fn i32(&self) -> Option<i32> {
        match self {
            Self::I32(v) => Some(*v),
            _ => None,
        }
    }

    /// The `i64`, if this is one.
    pub fn i64(&self) -> Option<i64> {
        match self {
            Self::I64(v) => Some(*v),
            _ => None,
        }
    }

    /// The `f32`, if this is one.
    pub fn f32(&self) -> Option<f32> {
        match self {
            Self::F32(bits) => Some(f32::from_bits(*bits)),
            _ => None,
        }
    }

    /// The `f64`, if this is one.
    pub fn f64(&self) -> Option<f64> {
        match self {
            Self::F64(bits) => Some(f64::from_bits(*bits)),
            _ => None,
        }
    }

    /// Encodes the value for compiled code.
    ///
    /// # Errors
    ///
    /// If a reference belongs to another store.
    pub(crate) fn to_raw(&self, store: &StoreOpaque) -> Result<ValRaw> {
        Ok(match self {
            Self::I32(v) => ValRaw::i32(*v),
            Self::I64(v) => ValRaw::i64(*v),
            Self::F32(bits) => ValRaw::f32(*bits),
            Self::F64(bits) => ValRaw::f64(*bits),
            Self::V128(v) => ValRaw::v128(*v),
            Self::FuncRef(None) | Self::ExternRef(None) | Self::ExnRef(None) => {
                ValRaw::reference(0)
            }
            Self::ExnRef(Some(e)) => ValRaw::reference(e.to_raw(store)?),
            Self::FuncRef(Some(f)) => {
                ValRaw::reference(f.checked_func_ref(store)?.as_ptr() as usize)
            }
            Self::ExternRef(Some(r)) => ValRaw::reference(store.extern_ref_to_raw(r.0)?),
        })
    }

    /// Decodes a value of type `ty` that compiled code produced in `store`.
    pub(crate) fn from_raw(store: &mut StoreOpaque, raw: ValRaw, ty: &ValType) -> Self {
        match ty {
            ValType::I32 => Self::I32(raw.get_i32()),
            ValType::I64 => Self::I64(raw.get_i64()),
            ValType::F32 => Self::F32(raw.get_f32()),
            ValType::F64 => Self::F64(raw.get_f64()),
            ValType::V128 => Self::V128(raw.get_v128()),
            ValType::Ref(r) => match r.heap_type().top() {
                HeapType::Extern => Self::ExternRef(
                    store
                        .extern_ref_from_raw(raw.get_reference())
                        .map(ExternRef),
                ),
                HeapType::Exn => Self::ExnRef(ExnRef::from_raw(store, raw.get_reference())),
                _ => Self::FuncRef(
                    NonNull::new(raw.get_reference() as *mut VMFuncRef)
                        .map(|p| store.func_for_ref(p)),
                ),
            },
        }
    }

    /// The function reference, if this is a `funcref`.
    pub fn func_ref(&self) -> Option<Option<&Func>> {
        match self {
            Self::FuncRef(f) => Some(f.as_ref()),
            _ => None,
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Self {
        Self::I32(v)
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Self::I64(v)
    }
}

impl From<f32> for Val {
    fn from(v: f32) -> Self {
        Self::F32(v.to_bits())
    }
}

impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Self::F64(v.to_bits())
    }
}

impl From<Func> for Val {
    fn from(f: Func) -> Self {
        Self::FuncRef(Some(f))
    }
}

/// An opaque host value that wasm code can pass around as an `externref`. It belongs to
/// the store it was created in and lives as long as that store.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ExternRef(pub(crate) Stored<ExternRefData>);

impl ExternRef {
    /// Stores `value` in `store` and returns a reference to it.
    pub fn new<T: Any + Send + Sync>(mut store: impl AsContextMut, value: T) -> Self {
        let store = store.as_context_mut().0;
        Self(store.opaque_mut().push_extern_ref(Box::new(value)))
    }

    /// The host value.
    ///
    /// # Panics
    ///
    /// If `store` is not the store the reference was created in.
    pub fn data<'a, C: AsContext>(&self, store: &'a C) -> &'a (dyn Any + Send + Sync) {
        let store: &'a crate::store::StoreInner<C::Data> = store.as_context().0;
        store.opaque().extern_ref_data(self.0)
    }
}

/// A 128-bit SIMD value (`v128`), for typed calls and host functions: its bits, lane 0 in
/// the least significant bytes.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct V128(u128);

impl V128 {
    /// The vector with these bits.
    pub const fn from_bits(bits: u128) -> Self {
        Self(bits)
    }

    /// The vector's bits.
    pub const fn as_u128(self) -> u128 {
        self.0
    }

    /// The vector's 16 bytes, lane 0 first.
    pub const fn to_le_bytes(self) -> [u8; 16] {
        self.0.to_le_bytes()
    }
}

impl From<u128> for V128 {
    fn from(bits: u128) -> Self {
        Self(bits)
    }
}

impl From<V128> for u128 {
    fn from(v: V128) -> u128 {
        v.0
    }
}

impl From<V128> for Val {
    fn from(v: V128) -> Val {
        Val::V128(v.0)
    }
}

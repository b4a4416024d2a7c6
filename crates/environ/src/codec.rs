//! A compact binary encoding of a module's metadata ([`Module`] and
//! [`CompiledModuleInfo`]), for ahead-of-time artifacts.
//!
//! Integers are little-endian and fixed-width, sequences are a `u32` length followed by
//! their items, and enums a `u8` tag followed by their fields. Decoding checks every
//! length against the bytes left before allocating and every tag against the known
//! ones, so truncated or corrupted input is an error, never a panic or a huge
//! allocation. What decodes is only as trustworthy as its bytes: artifacts protect them
//! with a checksum and a header the loader checks first.

use core::fmt;
use core::ops::Range;

use crate::compiled::{
    AddressMapEntry, CompiledFunction, CompiledModuleInfo, FunctionLoc, HandlerSite, Relocation,
    TrapSite,
};
use crate::const_expr::{ConstExpr, ConstOp};
use crate::entity::{EntityVec, TypedIndex};
use crate::module::{
    DataMode, DataSegment, ElementItems, ElementMode, ElementSegment, Export, FunctionDecl,
    FunctionNames, Import, Module, Names,
};
use crate::types::{
    EntityType, FuncType, GlobalType, HeapType, Limits, MemoryType, RefType, TableType, WasmValType,
};
use crate::{BuiltinFunction, EntityIndex, TrapCode};

/// A 64-bit checksum of `bytes`, to detect accidental corruption (not tampering) of an
/// artifact: four independent lanes of xor-multiply-rotate over 8-byte words, each step
/// a bijection, so a change confined to one lane is always detected, and fast enough
/// to check megabytes of code on every load.
pub fn checksum(bytes: &[u8]) -> u64 {
    const MIX: [u64; 4] = [
        0x9E37_79B9_7F4A_7C15,
        0xC2B2_AE3D_27D4_EB4F,
        0x1656_67B1_9E37_79F9,
        0x85EB_CA77_C2B2_AE63,
    ];
    let mut lanes = MIX;
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let mut array = [0; 8];
            array.copy_from_slice(word);
            let word = u64::from_le_bytes(array);
            *lane = (*lane ^ word).wrapping_mul(MIX[0]).rotate_left(29);
        }
    }
    let mut hash = lanes.iter().fold(bytes.len() as u64, |hash, &lane| {
        (hash ^ lane).wrapping_mul(MIX[1]).rotate_left(31)
    });
    for &byte in blocks.remainder() {
        hash = (hash ^ u64::from(byte))
            .wrapping_mul(MIX[2])
            .rotate_left(23);
    }
    hash ^ (hash >> 32)
}

/// Why metadata could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// What was being read.
    pub what: &'static str,
    /// Byte offset in the input.
    pub offset: usize,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "malformed {} at metadata byte {}",
            self.what, self.offset
        )
    }
}

impl std::error::Error for DecodeError {}

/// Appends encoded values to a byte vector.
#[derive(Default, Debug)]
pub struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `value`.
    pub fn put<T: Encode + ?Sized>(&mut self, value: &T) -> &mut Self {
        value.encode(self);
        self
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    fn len_prefix(&mut self, len: usize) {
        // Nothing Tarn encodes has 4 Gi items: modules are far below that limit.
        self.put(&u32::try_from(len).unwrap_or(u32::MAX));
    }
}

/// Reads encoded values from a byte slice.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, offset: 0 }
    }

    /// Reads one value.
    ///
    /// # Errors
    ///
    /// When the bytes end early or hold an unknown tag.
    pub fn get<T: Decode>(&mut self) -> Result<T, DecodeError> {
        T::decode(self)
    }

    /// Whether every byte was read.
    pub fn is_at_end(&self) -> bool {
        self.offset == self.bytes.len()
    }

    /// An error about `what` at the current position.
    pub fn error(&self, what: &'static str) -> DecodeError {
        DecodeError {
            what,
            offset: self.offset,
        }
    }

    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self
            .offset
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| self.error(what))?;
        let bytes = &self.bytes[self.offset..end];
        self.offset = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N, what)?;
        let mut array = [0; N];
        array.copy_from_slice(bytes);
        Ok(array)
    }

    /// A sequence length, checked against the bytes left (every item takes at least
    /// one byte), so a corrupted length cannot make the decoder allocate much.
    fn len_prefix(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let len = usize::try_from(self.get::<u32>()?).map_err(|_| self.error(what))?;
        if len > self.bytes.len() - self.offset {
            return Err(self.error(what));
        }
        Ok(len)
    }

    fn tag(&mut self) -> Result<u8, DecodeError> {
        self.get::<u8>()
    }
}

/// A value with a binary encoding.
pub trait Encode {
    /// Appends the encoding of `self`.
    fn encode(&self, w: &mut Writer);
}

/// A value that can be decoded from its binary encoding.
pub trait Decode: Sized {
    /// Reads a value.
    ///
    /// # Errors
    ///
    /// When the bytes end early or hold an unknown tag.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

macro_rules! int_codec {
    ($($ty:ty),*) => {$(
        impl Encode for $ty {
            fn encode(&self, w: &mut Writer) {
                w.raw(&self.to_le_bytes());
            }
        }

        impl Decode for $ty {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(<$ty>::from_le_bytes(r.array(stringify!($ty))?))
            }
        }
    )*};
}

int_codec!(u8, u32, u64, i32, i64, u128);

impl Encode for bool {
    fn encode(&self, w: &mut Writer) {
        w.put(&u8::from(*self));
    }
}

impl Decode for bool {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.tag()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(r.error("bool")),
        }
    }
}

impl Encode for usize {
    fn encode(&self, w: &mut Writer) {
        w.put(&(*self as u64));
    }
}

impl Decode for usize {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        usize::try_from(r.get::<u64>()?).map_err(|_| r.error("usize"))
    }
}

impl Encode for str {
    fn encode(&self, w: &mut Writer) {
        w.len_prefix(self.len());
        w.raw(self.as_bytes());
    }
}

impl Encode for String {
    fn encode(&self, w: &mut Writer) {
        self.as_str().encode(w);
    }
}

impl Decode for String {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = r.len_prefix("string")?;
        let bytes = r.take(len, "string")?;
        String::from_utf8(bytes.to_vec()).map_err(|_| r.error("string"))
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, w: &mut Writer) {
        w.len_prefix(self.len());
        for item in self {
            item.encode(w);
        }
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, w: &mut Writer) {
        self.as_slice().encode(w);
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = r.len_prefix("sequence")?;
        (0..len).map(|_| r.get()).collect()
    }
}

impl<T: Encode> Encode for Box<[T]> {
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w);
    }
}

impl<T: Decode> Decode for Box<[T]> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(r.get::<Vec<T>>()?.into_boxed_slice())
    }
}

impl<K: TypedIndex, V: Encode> Encode for EntityVec<K, V> {
    fn encode(&self, w: &mut Writer) {
        self.as_slice().encode(w);
    }
}

impl<K: TypedIndex, V: Decode> Decode for EntityVec<K, V> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(r.get::<Vec<V>>()?.into_iter().collect())
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, w: &mut Writer) {
        match self {
            None => w.put(&0u8),
            Some(value) => w.put(&1u8).put(value),
        };
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.tag()? {
            0 => Ok(None),
            1 => Ok(Some(r.get()?)),
            _ => Err(r.error("option")),
        }
    }
}

impl<A: Encode, B: Encode> Encode for (A, B) {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.0).put(&self.1);
    }
}

impl<A: Decode, B: Decode> Decode for (A, B) {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok((r.get()?, r.get()?))
    }
}

impl Encode for Range<usize> {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.start).put(&self.end);
    }
}

impl Decode for Range<usize> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (start, end) = (r.get()?, r.get()?);
        if start > end {
            return Err(r.error("range"));
        }
        Ok(start..end)
    }
}

/// Typed indices encode as their `u32`.
macro_rules! index_codec {
    ($($ty:ident),*) => {$(
        impl Encode for crate::$ty {
            fn encode(&self, w: &mut Writer) {
                w.put(&self.as_u32());
            }
        }

        impl Decode for crate::$ty {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(Self::from_u32(r.get()?))
            }
        }
    )*};
}

index_codec!(
    TypeIndex,
    FuncIndex,
    TableIndex,
    MemoryIndex,
    GlobalIndex,
    TagIndex,
    ElemIndex,
    DataIndex,
    FuncRefIndex,
    DefinedFuncIndex
);

/// Structs encode as their fields in order.
macro_rules! struct_codec {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {$(
        impl Encode for $ty {
            fn encode(&self, w: &mut Writer) {
                $( w.put(&self.$field); )*
            }
        }

        impl Decode for $ty {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(Self { $( $field: r.get()?, )* })
            }
        }
    )*};
}

struct_codec! {
    RefType { nullable, heap }
    FuncType { params, results }
    Limits { minimum, maximum }
    MemoryType { limits, shared, memory64 }
    TableType { element, limits, table64 }
    GlobalType { content, mutable }
    Import { module, field, index, ty }
    Export { name, index }
    FunctionDecl { ty, func_ref }
    ElementSegment { mode, ty, items }
    DataSegment { mode, range }
    FunctionLoc { start, length }
    Relocation { code_offset, target, addend }
    CompiledFunction { wasm_call, array_call }
}

/// Items of one fixed size, which long sequences (a large module has hundreds of
/// thousands of address-map entries) encode and decode as one block.
trait Fixed: Sized {
    const SIZE: usize;
    fn write(&self, out: &mut Vec<u8>);
    /// Reads an item from exactly `SIZE` bytes.
    fn read(bytes: &[u8]) -> Option<Self>;
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut array = [0; 4];
    array.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(array)
}

impl Fixed for AddressMapEntry {
    const SIZE: usize = 8;
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.code_offset.to_le_bytes());
        out.extend_from_slice(&self.wasm_offset.to_le_bytes());
    }
    fn read(bytes: &[u8]) -> Option<Self> {
        Some(Self {
            code_offset: u32_at(bytes, 0),
            wasm_offset: u32_at(bytes, 4),
        })
    }
}

impl Fixed for TrapSite {
    const SIZE: usize = 5;
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.code_offset.to_le_bytes());
        out.push(self.code as u8);
    }
    fn read(bytes: &[u8]) -> Option<Self> {
        Some(Self {
            code_offset: u32_at(bytes, 0),
            code: TrapCode::from_u8(bytes[4])?,
        })
    }
}

impl Fixed for HandlerSite {
    const SIZE: usize = 12;
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.return_offset.to_le_bytes());
        out.extend_from_slice(&self.handler_offset.to_le_bytes());
        out.extend_from_slice(&self.frame_offset.to_le_bytes());
    }
    fn read(bytes: &[u8]) -> Option<Self> {
        Some(Self {
            return_offset: u32_at(bytes, 0),
            handler_offset: u32_at(bytes, 4),
            frame_offset: u32_at(bytes, 8),
        })
    }
}

impl Writer {
    fn fixed<T: Fixed>(&mut self, items: &[T]) -> &mut Self {
        self.len_prefix(items.len());
        self.bytes.reserve(items.len() * T::SIZE);
        for item in items {
            item.write(&mut self.bytes);
        }
        self
    }
}

impl Reader<'_> {
    fn fixed<T: Fixed>(&mut self, what: &'static str) -> Result<Vec<T>, DecodeError> {
        let len = self.len_prefix(what)?;
        let size = len.checked_mul(T::SIZE).ok_or_else(|| self.error(what))?;
        let start = self.offset;
        let bytes = self.take(size, what)?;
        bytes
            .chunks_exact(T::SIZE)
            .map(T::read)
            .collect::<Option<Vec<T>>>()
            .ok_or(DecodeError {
                what,
                offset: start,
            })
    }
}

impl Encode for CompiledModuleInfo {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.functions)
            .put(&self.wasm_to_array_trampolines)
            .fixed(&self.trap_sites)
            .fixed(&self.address_map)
            .fixed(&self.handler_sites)
            .put(&self.relocations);
    }
}

impl Decode for CompiledModuleInfo {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            functions: r.get()?,
            wasm_to_array_trampolines: r.get()?,
            trap_sites: r.fixed("trap sites")?,
            address_map: r.fixed("address map")?,
            handler_sites: r.fixed("handler sites")?,
            relocations: r.get()?,
        })
    }
}

/// Enums encode as a tag and their fields; `$tag` numbers each variant.
macro_rules! enum_codec {
    ($($ty:ident { $($tag:literal => $variant:ident $(($($field:ident),*))?),* $(,)? })*) => {$(
        impl Encode for $ty {
            fn encode(&self, w: &mut Writer) {
                match self {
                    $( $ty::$variant $(($($field),*))? => {
                        let tag: u8 = $tag;
                        w.put(&tag);
                        $( $( w.put($field); )* )?
                    } )*
                }
            }
        }

        impl Decode for $ty {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                match r.tag()? {
                    $( $tag => Ok($ty::$variant $(($({ let $field = r.get()?; $field }),*))?), )*
                    _ => Err(r.error(stringify!($ty))),
                }
            }
        }
    )*};
}

enum_codec! {
    HeapType {
        0 => Func, 1 => NoFunc, 2 => Concrete(index), 3 => Extern, 4 => NoExtern,
        5 => Exn, 6 => NoExn,
    }
    WasmValType { 0 => I32, 1 => I64, 2 => F32, 3 => F64, 4 => V128, 5 => Ref(ty) }
    EntityIndex {
        0 => Function(i), 1 => Table(i), 2 => Memory(i), 3 => Global(i), 4 => Tag(i),
    }
    EntityType {
        0 => Function(ty), 1 => Table(ty), 2 => Memory(ty), 3 => Global(ty), 4 => Tag(ty),
    }
    ElementItems { 0 => Functions(funcs), 1 => Expressions(exprs) }
    ConstOp {
        0 => I32Const(v), 1 => I64Const(v), 2 => F32Const(v), 3 => F64Const(v),
        4 => V128Const(v), 5 => RefNull(ty), 6 => RefFunc(f), 7 => GlobalGet(g),
        8 => I32Add, 9 => I32Sub, 10 => I32Mul, 11 => I64Add, 12 => I64Sub, 13 => I64Mul,
    }
}

impl Encode for ElementMode {
    fn encode(&self, w: &mut Writer) {
        match self {
            Self::Active { table, offset } => w.put(&0u8).put(table).put(offset),
            Self::Passive => w.put(&1u8),
            Self::Declared => w.put(&2u8),
        };
    }
}

impl Decode for ElementMode {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.tag()? {
            0 => Ok(Self::Active {
                table: r.get()?,
                offset: r.get()?,
            }),
            1 => Ok(Self::Passive),
            2 => Ok(Self::Declared),
            _ => Err(r.error("element mode")),
        }
    }
}

impl Encode for DataMode {
    fn encode(&self, w: &mut Writer) {
        match self {
            Self::Active { memory, offset } => w.put(&0u8).put(memory).put(offset),
            Self::Passive => w.put(&1u8),
        };
    }
}

impl Decode for DataMode {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.tag()? {
            0 => Ok(Self::Active {
                memory: r.get()?,
                offset: r.get()?,
            }),
            1 => Ok(Self::Passive),
            _ => Err(r.error("data mode")),
        }
    }
}

/// A byte string, written in one piece (data segments can be megabytes).
struct Bytes<'a>(&'a [u8]);

impl Encode for Bytes<'_> {
    fn encode(&self, w: &mut Writer) {
        w.len_prefix(self.0.len());
        w.raw(self.0);
    }
}

impl Reader<'_> {
    fn bytes(&mut self, what: &'static str) -> Result<Vec<u8>, DecodeError> {
        let len = self.len_prefix(what)?;
        Ok(self.take(len, what)?.to_vec())
    }
}

impl Encode for ConstExpr {
    fn encode(&self, w: &mut Writer) {
        self.ops().encode(w);
    }
}

impl Decode for ConstExpr {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ConstExpr::new(r.get::<Vec<ConstOp>>()?))
    }
}

impl Encode for TrapCode {
    fn encode(&self, w: &mut Writer) {
        w.put(&(*self as u8));
    }
}

impl Decode for TrapCode {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        TrapCode::from_u8(r.get()?).ok_or_else(|| r.error("trap code"))
    }
}

impl Encode for BuiltinFunction {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.index());
    }
}

impl Decode for BuiltinFunction {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let index = r.get::<u32>()?;
        usize::try_from(index)
            .ok()
            .and_then(|i| BuiltinFunction::ALL.get(i).copied())
            .ok_or_else(|| r.error("builtin function"))
    }
}

impl Encode for Names {
    fn encode(&self, w: &mut Writer) {
        let (text, entries) = self.functions.parts();
        w.put(&self.module).put(text).put(&(entries.len() as u32));
        for &(func, start, end) in entries {
            w.put(&func).put(&start).put(&end);
        }
    }
}

impl Decode for Names {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let module = r.get()?;
        let text: String = r.get()?;
        let len = r.len_prefix("function names")?;
        let entries = (0..len)
            .map(|_| Ok((r.get()?, r.get()?, r.get()?)))
            .collect::<Result<Vec<(crate::FuncIndex, u32, u32)>, DecodeError>>()?;
        let functions =
            FunctionNames::from_parts(text, entries).ok_or_else(|| r.error("function names"))?;
        Ok(Names { module, functions })
    }
}

impl Encode for Module {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.types)
            .put(&self.imports)
            .put(&self.exports)
            .put(&self.functions)
            .put(&self.tables)
            .put(&self.table_inits)
            .put(&self.memories)
            .put(&self.globals)
            .put(&self.tags)
            .put(&self.global_inits)
            .put(&self.start)
            .put(&self.elements)
            .put(&self.data)
            .put(&Bytes(&self.data_bytes))
            .put(&self.names)
            .put(&self.num_imported_funcs)
            .put(&self.num_imported_tables)
            .put(&self.num_imported_memories)
            .put(&self.num_imported_globals)
            .put(&self.num_imported_tags)
            .put(&self.num_escaped_funcs);
    }
}

impl Decode for Module {
    /// Reads a module, rebuilding what is derived from the rest (the export index and
    /// the static initialisation images).
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut module = Module::default();
        module.types = r.get()?;
        module.imports = r.get()?;
        for export in r.get::<Vec<Export>>()? {
            module.push_export(export);
        }
        module.functions = r.get()?;
        module.tables = r.get()?;
        module.table_inits = r.get()?;
        module.memories = r.get()?;
        module.globals = r.get()?;
        module.tags = r.get()?;
        module.global_inits = r.get()?;
        module.start = r.get()?;
        module.elements = r.get()?;
        module.data = r.get()?;
        module.data_bytes = r.bytes("data bytes")?;
        module.names = r.get()?;
        module.num_imported_funcs = r.get()?;
        module.num_imported_tables = r.get()?;
        module.num_imported_memories = r.get()?;
        module.num_imported_globals = r.get()?;
        module.num_imported_tags = r.get()?;
        module.num_escaped_funcs = r.get()?;
        module.check_consistency().map_err(|what| r.error(what))?;
        module.static_init = crate::StaticInit::new(&module);
        Ok(module)
    }
}

#[cfg(test)]
mod tests;

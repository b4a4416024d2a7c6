//! Static initialisation: the active segments that can be applied before an instance
//! exists, so instantiation references or maps them instead of writing them one by one.
//!
//! Decided once per module, after translation:
//! - a *table image* for each defined funcref table: the function each slot starts with,
//!   which the vm reads the first time compiled code or the host touches the slot;
//! - a *memory image* for each defined memory: a page-aligned window and the segments
//!   laid into it, which the vm writes once into a file and maps copy-on-write.
//!
//! A segment qualifies when its offset is constant (no `global.get`), it writes a table
//! or memory the module defines, and it fits that entity's minimum size, so it cannot
//! trap. Qualifying segments form a prefix in section order; the first one that does
//! not qualify, and every one after it, is still applied at instantiation, on top of
//! the images, which keeps the spec's order of writes. Memory images also need every
//! active element segment to be unable to trap: element segments run first, and a trap
//! there must leave memories unwritten.

use std::sync::Arc;

use crate::const_expr::{ConstExpr, ConstOp};
use crate::entity::EntityVec;
use crate::module::{DataMode, ElementItems, ElementMode, Module};
use crate::types::RefFamily;
use crate::{DataIndex, DefinedMemoryIndex, DefinedTableIndex, FuncRefIndex, WASM_PAGE_SIZE};

/// A memory image larger than this many times its data (and than [`SPARSE_SLACK`]) is
/// not made: a few bytes at the two ends of a large memory would cost a large file.
const SPARSE_FACTOR: u64 = 2;
/// Image bytes any memory may have regardless of how sparse its data is.
const SPARSE_SLACK: u64 = 1 << 20;

/// Where a memory's image lies and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryImageLayout {
    /// The image's first byte in the memory, a multiple of the wasm page size.
    pub offset: u64,
    /// The image's length, a multiple of the wasm page size.
    pub len: u64,
    /// The segments laid into it, in order (later ones overwrite earlier ones), with
    /// each one's offset in the memory.
    pub segments: Vec<(DataIndex, u64)>,
}

/// What instantiation can take from images instead of applying segments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaticInit {
    /// Each defined table's initial functions, slot by slot up to the last one a
    /// qualifying segment writes (`None` is null); `None` for a table with no image.
    pub tables: EntityVec<DefinedTableIndex, Option<Arc<[Option<FuncRefIndex>]>>>,
    /// The number of leading element segments whose active writes are in `tables`.
    pub imaged_elements: usize,
    /// Each defined memory's image; `None` for a memory with no image.
    pub memories: EntityVec<DefinedMemoryIndex, Option<MemoryImageLayout>>,
    /// The number of leading data segments whose active writes are in `memories`, for
    /// the memories that have an image.
    pub imaged_data: usize,
}

impl StaticInit {
    /// Computes the images of `module`, whose function references are assigned.
    pub fn new(module: &Module) -> Self {
        let (tables, imaged_elements) = table_images(module);
        let (memories, imaged_data) = if element_segments_cannot_trap(module) {
            memory_images(module)
        } else {
            (no_images(module.num_defined_memories()), 0)
        };
        Self {
            tables,
            imaged_elements,
            memories,
            imaged_data,
        }
    }
}

fn no_images<I: crate::TypedIndex, T>(count: usize) -> EntityVec<I, Option<T>> {
    (0..count).map(|_| None).collect()
}

/// The value of an integer constant expression that reads no global, as an offset into
/// a 64-bit (`index64`) or 32-bit index space.
fn static_offset(expr: &ConstExpr, index64: bool) -> Option<u64> {
    let mut stack: Vec<i64> = Vec::new();
    for op in expr.ops() {
        let value = match *op {
            ConstOp::I32Const(v) => i64::from(v),
            ConstOp::I64Const(v) => v,
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let (b, a) = (stack.pop()? as i32, stack.pop()? as i32);
                i64::from(match *op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let (b, a) = (stack.pop()?, stack.pop()?);
                match *op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }
            }
            _ => return None,
        };
        stack.push(value);
    }
    let value = stack.pop()?;
    Some(if index64 {
        value.cast_unsigned()
    } else {
        u64::from((value as i32).cast_unsigned())
    })
}

/// Whether `offset + len` fits in `limit`.
fn fits(offset: u64, len: u64, limit: u64) -> bool {
    offset.checked_add(len).is_some_and(|end| end <= limit)
}

fn element_segments_cannot_trap(module: &Module) -> bool {
    module.elements.values().all(|segment| match &segment.mode {
        ElementMode::Active { table, offset } => {
            let ty = module.tables[*table];
            static_offset(offset, ty.table64)
                .is_some_and(|offset| fits(offset, segment.items.len() as u64, ty.limits.minimum))
        }
        ElementMode::Passive | ElementMode::Declared => true,
    })
}

type TableImages = EntityVec<DefinedTableIndex, Option<Arc<[Option<FuncRefIndex>]>>>;

fn table_images(module: &Module) -> (TableImages, usize) {
    let mut images: EntityVec<DefinedTableIndex, Option<Vec<Option<FuncRefIndex>>>> =
        no_images(module.num_defined_tables());
    let mut imaged = 0;
    for segment in module.elements.values() {
        if let ElementMode::Active { table, offset } = &segment.mode {
            let Some(items) = static_items(module, &segment.items) else {
                break;
            };
            let Some(defined) = module.defined_table_index(*table) else {
                break;
            };
            let ty = module.tables[*table];
            let null_initialised = module.table_inits[defined].is_none();
            let Some(start) = static_offset(offset, ty.table64)
                .filter(|&o| fits(o, items.len() as u64, ty.limits.minimum))
                .and_then(|o| usize::try_from(o).ok())
            else {
                break;
            };
            if ty.element.family() != RefFamily::Func || !null_initialised {
                break;
            }
            let image = images[defined].get_or_insert_with(Vec::new);
            let end = start + items.len();
            if image.len() < end {
                image.resize(end, None);
            }
            image[start..end].copy_from_slice(&items);
        }
        imaged += 1;
    }
    let images = images
        .into_iter()
        .map(|image| image.map(Arc::from))
        .collect();
    (images, imaged)
}

/// The function references an element segment's items stand for, when every item is a
/// function index, `ref.func` or `ref.null`.
fn static_items(module: &Module, items: &ElementItems) -> Option<Vec<Option<FuncRefIndex>>> {
    let func_ref = |func| module.functions.get(func).and_then(|f| f.func_ref);
    match items {
        ElementItems::Functions(funcs) => funcs.iter().map(|&f| func_ref(f).map(Some)).collect(),
        ElementItems::Expressions(exprs) => exprs
            .iter()
            .map(|expr| match expr.as_single()? {
                ConstOp::RefFunc(f) => func_ref(f).map(Some),
                ConstOp::RefNull(_) => Some(None),
                _ => None,
            })
            .collect(),
    }
}

type MemoryImages = EntityVec<DefinedMemoryIndex, Option<MemoryImageLayout>>;

fn memory_images(module: &Module) -> (MemoryImages, usize) {
    let count = module.num_defined_memories();
    let mut segments: EntityVec<DefinedMemoryIndex, Vec<(DataIndex, u64)>> =
        (0..count).map(|_| Vec::new()).collect();
    // Each memory's written range and its number of data bytes.
    let mut extents: EntityVec<DefinedMemoryIndex, Option<(u64, u64, u64)>> = no_images(count);
    let mut imaged = 0;
    for (index, segment) in module.data.iter() {
        if let DataMode::Active { memory, offset } = &segment.mode {
            let Some(defined) = module.defined_memory_index(*memory) else {
                break;
            };
            let ty = module.memories[*memory];
            let len = segment.range.len() as u64;
            let minimum = ty.limits.minimum.saturating_mul(WASM_PAGE_SIZE);
            let Some(start) = static_offset(offset, ty.memory64).filter(|&o| fits(o, len, minimum))
            else {
                break;
            };
            if ty.shared {
                break;
            }
            segments[defined].push((index, start));
            if len > 0 {
                let end = start + len;
                let extent = extents[defined].get_or_insert((start, end, 0));
                *extent = (extent.0.min(start), extent.1.max(end), extent.2 + len);
            }
        }
        imaged += 1;
    }
    let layouts = segments
        .into_iter()
        .zip(extents)
        .map(|(segments, extent)| {
            let (start, end, data_bytes) = extent?;
            let start = start - start % WASM_PAGE_SIZE;
            let end = end.next_multiple_of(WASM_PAGE_SIZE);
            let budget = data_bytes.saturating_mul(SPARSE_FACTOR).max(SPARSE_SLACK);
            (end - start <= budget).then_some(MemoryImageLayout {
                offset: start,
                len: end - start,
                segments,
            })
        })
        .collect();
    (layouts, imaged)
}

#[cfg(test)]
mod tests;

//! Instantiation-time initialisation: tables declared with an initialiser, then active
//! element and data segments, in order,
//! with Wasm 2.0's semantics (a segment that does not fit traps after the earlier ones
//! were written), then dropping active and declared segments.

use environ::{DataMode, ElemIndex, ElementMode, MemoryIndex, TableIndex, TrapCode};

use super::allocate::index_u32;
use super::{Instance, InstanceHandle};
use crate::table::TableElement;
use crate::trap::Trap;

impl InstanceHandle {
    /// Applies the module's active element and data segments and drops them (and the
    /// declared ones). Call once, after allocation and before the start function.
    ///
    /// # Errors
    ///
    /// The spec's out-of-bounds trap for the first segment that does not fit; earlier
    /// segments stay written, as Wasm 2.0 requires.
    pub fn initialize(&mut self) -> Result<(), Trap> {
        let mut instance = self.instance_mut();
        let module = std::sync::Arc::clone(instance.module());
        for (table, init) in module.table_inits.iter() {
            if let Some(init) = init {
                let ty = module.tables[module.table_index(table)].element;
                let raw = instance.eval_const_expr(init.ops()).get_reference();
                let element = TableElement::from_raw(raw, ty);
                instance
                    .as_mut()
                    .with_defined_table(table, |table| {
                        let size = table.size() as u64;
                        table.fill(0, element, size)
                    })
                    .map_err(|e| Trap::new(e.trap_code()))?;
            }
        }
        let imaged_elements = module.static_init.imaged_elements;
        for (elem, segment) in module.elements.iter() {
            match &segment.mode {
                ElementMode::Active { table, .. }
                    if elem.as_u32() < index_u32(imaged_elements)
                        && instance.has_table_image(*table) =>
                {
                    instance.as_mut().elem_drop(elem);
                }
                ElementMode::Active { table, offset } => {
                    let index64 = instance.module().tables[*table].table64;
                    let dst = instance.const_offset(offset.ops(), index64);
                    let len = segment.items.len();
                    let len =
                        u32::try_from(len).map_err(|_| Trap::new(TrapCode::TableOutOfBounds))?;
                    instance
                        .as_mut()
                        .table_init(*table, elem, dst, 0, len)
                        .map_err(Trap::new)?;
                    instance.as_mut().elem_drop(elem);
                }
                ElementMode::Declared => instance.as_mut().elem_drop(elem),
                ElementMode::Passive => {}
            }
        }
        let imaged_data = module.static_init.imaged_data;
        for (data, segment) in module.data.iter() {
            if let DataMode::Active { memory, offset } = &segment.mode {
                if data.as_u32() < index_u32(imaged_data) && instance.has_memory_image(*memory) {
                    instance.as_mut().data_drop(data);
                    continue;
                }
                let index64 = instance.module().memories[*memory].memory64;
                let dst = instance.const_offset(offset.ops(), index64);
                let len = u32::try_from(segment.range.len())
                    .map_err(|_| Trap::new(TrapCode::MemoryOutOfBounds))?;
                instance
                    .as_mut()
                    .memory_init(*memory, data, dst, 0, len)
                    .map_err(Trap::new)?;
                instance.as_mut().data_drop(data);
            }
        }
        Ok(())
    }
}

impl Instance {
    /// Evaluates a segment offset: an `i64` when the target memory or table has 64-bit
    /// indices, an `i32` otherwise.
    fn const_offset(&self, ops: &[environ::ConstOp], index64: bool) -> u64 {
        let value = self.eval_const_expr(ops);
        if index64 {
            value.get_i64().cast_unsigned()
        } else {
            u64::from(value.get_i32().cast_unsigned())
        }
    }

    /// Whether a table is one of ours with a lazy image, so the imaged element
    /// segments are already in it.
    fn has_table_image(&self, table: TableIndex) -> bool {
        self.module
            .defined_table_index(table)
            .is_some_and(|defined| self.tables[defined].has_lazy_image())
    }

    /// Whether a memory is one of ours mapped from its image, so the imaged data
    /// segments are already in it.
    fn has_memory_image(&self, memory: MemoryIndex) -> bool {
        self.module
            .defined_memory_index(memory)
            .is_some_and(|defined| self.memories[defined].has_image())
    }

    /// Whether an element segment was dropped.
    pub fn is_elem_dropped(&self, elem: ElemIndex) -> bool {
        self.dropped_elements.get(elem).copied().unwrap_or(true)
    }
}

//! Allocating a vm instance for a store: the one place outside `func::call` and
//! `func::host` that hands raw pointers to the vm, because an allocation request carries
//! the store's context, the store itself (for limits, fuel and epochs) and the imports.
#![expect(
    unsafe_code,
    reason = "instance allocation takes raw pointers the store keeps alive"
)]

use core::ptr::NonNull;
use std::sync::Arc;

use vm::{InstanceAllocationRequest, ResolvedImports};

use super::ResolvedImports as Imports;
use crate::error::{Error, Result};
use crate::module::Module;
use crate::store::StoreInner;

/// Allocates an instance of `module` with `imports` for `store`. Segments and the start
/// function are the caller's next steps.
pub(crate) fn allocate<T: 'static>(
    store: &mut StoreInner<T>,
    module: &Module,
    imports: &Imports,
) -> Result<vm::InstanceHandle> {
    let engine = module.engine();

    let request = InstanceAllocationRequest {
        module: Arc::clone(module.env()),
        offsets: *module.offsets(),
        imports: ResolvedImports {
            functions: &imports.functions,
            tables: &imports.tables_vm,
            memories: &imports.memories_vm,
            globals: &imports.globals_vm,
            tags: &imports.tags_vm,
        },
        type_ids: Arc::clone(module.type_ids()),
        store_context: store.opaque().vm_store_context(),
        epoch_counter: NonNull::from(engine.epoch_counter()),
        functions: module.function_code(),
        tunables: &engine.config().tunables,
        memory_images: module.memory_images(),
        lazy: module.lazy_compiler(),
    };
    let limiter = store.vm_limiter();
    // SAFETY: everything the request points at outlives the instance, which the store
    // owns and drops before itself: the store context and the store are boxed inside
    // the store; the engine (epoch counter), the module (published code) and a lazy
    // module's code table are kept by the store and the instance's data; imported
    // entities belong to instances of the same store, which are only freed with it.
    let allocated = unsafe { engine.allocator().allocate(request, limiter) };
    let handle = allocated.map_err(Error::new)?;
    if let Some(lazy) = module.lazy() {
        lazy.start_background();
    }
    Ok(handle)
}

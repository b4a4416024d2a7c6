//! The builtins: `extern "C"` functions compiled code calls through the table the
//! `VMContext` header points at, in `BuiltinFunction` order.
//!
//! They never unwind into compiled code. A failure is recorded for the current call
//! into wasm and reported through the result (`0`, or `GROW_TRAPPED` for the grow
//! builtins), after which compiled code calls `raise`. A panic (a bug in Tarn or in an
//! embedder's limiter) is caught here, recorded and raised at once, so no builtin ever
//! returns to compiled code with a panic pending; `catch_traps` resumes it.
//!
//! The store is reached only through the current activation's hooks
//! (`traphandlers::with_store_hooks`), which the API derives from the borrow of the
//! store it holds for the call, never through a pointer kept in the instance.

use std::panic::{self, AssertUnwindSafe};

use environ::{
    BuiltinFunction, DataIndex, ElemIndex, GROW_FAILED, GROW_TRAPPED, MemoryIndex, TableIndex,
    TagIndex, TrapCode,
};

use crate::ValRaw;
use core::cell::RefCell;

use crate::exceptions::{self, ExceptionHeap, ExceptionObject};
use crate::instance::Instance;
use crate::store::HostError;
use crate::table::TableElement;
use crate::traphandlers::{self, record_panic, record_trap_code};
use crate::vmcontext::VMContext;

/// Runs a builtin's body; a panic is recorded and raised at once.
fn guarded<R>(body: impl FnOnce() -> R) -> R {
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            // Without an activation there is nobody to resume the panic, and `raise`
            // aborts: wasm must not run on past it.
            let _ = record_panic(payload);
            // SAFETY: the builtin's frame (this one's caller) holds nothing to drop
            // once the body's closure is gone, and compiled code is between it and
            // `catch_traps`.
            unsafe { traphandlers::raise() }
        }
    }
}

/// The limiter of the store whose wasm called the current builtin.
///
/// # Safety
///
/// Only inside a builtin called by compiled code.
unsafe fn with_limiter<R>(f: impl FnOnce(Option<&mut dyn crate::ResourceLimiter>) -> R) -> R {
    // SAFETY: forwarded from the caller: compiled code of the activation's store called
    // this builtin and holds no reference to the store.
    unsafe { traphandlers::with_store_hooks(|hooks| f(hooks.and_then(|h| h.limiter()))) }
}

/// The instance calling a builtin.
///
/// # Safety
///
/// `vmctx` must be the calling instance's context, as compiled code passes it, and the
/// instance must not be borrowed elsewhere during the builtin.
unsafe fn caller<'a>(vmctx: *mut VMContext) -> core::pin::Pin<&'a mut Instance> {
    // SAFETY: forwarded from the caller.
    unsafe { Instance::from_vmctx(vmctx) }
}

/// The shared prologue of the builtins that work on their calling instance: find the
/// instance from the `vmctx` compiled code passes, and guard against panics.
fn with_caller<R>(
    vmctx: *mut VMContext,
    body: impl FnOnce(core::pin::Pin<&mut Instance>) -> R,
) -> R {
    guarded(|| {
        // SAFETY: every builtin is called by compiled code with its own vmctx, and the
        // instance is not borrowed elsewhere while compiled code runs.
        body(unsafe { caller(vmctx) })
    })
}

/// `Ok(())` → 1; a trap code → recorded, 0.
fn status(result: Result<(), TrapCode>) -> u32 {
    match result {
        Ok(()) => 1,
        Err(code) => {
            record_trap_code(code);
            0
        }
    }
}

/// A grow result → the old size, `GROW_FAILED`, or a recorded host error and
/// `GROW_TRAPPED`.
fn grow_status(result: Result<Option<u64>, HostError>) -> u64 {
    match result {
        Ok(Some(old)) => old,
        Ok(None) => GROW_FAILED.cast_unsigned(),
        Err(error) => {
            let _ = traphandlers::record_host_error(error);
            GROW_TRAPPED.cast_unsigned()
        }
    }
}

extern "C" fn lazy_compile(vmctx: *mut VMContext, func: u32) -> usize {
    with_caller(vmctx, |instance| {
        let func = environ::DefinedFuncIndex::from_u32(func);
        let result = match instance.lazy_compiler() {
            Some(lazy) => crate::lazy_code::compile_with_stack(&**lazy, func),
            None => Err(format!(
                "function {func} has no code and its module is not lazy"
            )),
        };
        match result {
            Ok(code) => code.as_ptr() as usize,
            Err(message) => {
                let _ = traphandlers::record_host_error(crate::Error::msg(message));
                0
            }
        }
    })
}

extern "C" fn memory_grow(vmctx: *mut VMContext, memory: u32, delta: u64) -> u64 {
    with_caller(vmctx, |instance| {
        let memory = MemoryIndex::from_u32(memory);
        // SAFETY: a builtin called by compiled code.
        grow_status(unsafe { with_limiter(|limiter| instance.memory_grow(memory, delta, limiter)) })
    })
}

extern "C" fn memory_fill(
    vmctx: *mut VMContext,
    memory: u32,
    dst: u64,
    byte: u32,
    len: u64,
) -> u32 {
    with_caller(vmctx, |instance| {
        // `memory.fill` uses the low byte of its i32 operand.
        let byte = byte.to_le_bytes()[0];
        status(instance.memory_fill(MemoryIndex::from_u32(memory), dst, byte, len))
    })
}

extern "C" fn memory_copy(
    vmctx: *mut VMContext,
    dst_memory: u32,
    dst: u64,
    src_memory: u32,
    src: u64,
    len: u64,
) -> u32 {
    with_caller(vmctx, |instance| {
        let (dst_memory, src_memory) = (
            MemoryIndex::from_u32(dst_memory),
            MemoryIndex::from_u32(src_memory),
        );
        status(instance.memory_copy(dst_memory, dst, src_memory, src, len))
    })
}

extern "C" fn memory_init(
    vmctx: *mut VMContext,
    memory: u32,
    data: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    with_caller(vmctx, |instance| {
        let (memory, data) = (MemoryIndex::from_u32(memory), DataIndex::from_u32(data));
        status(instance.memory_init(memory, data, dst, src, len))
    })
}

/// Cannot fail: it sets a flag, ignoring an index out of range (validation rules that
/// out), and nothing in it panics, so compiled code need not check a result.
extern "C" fn data_drop(vmctx: *mut VMContext, data: u32) {
    // SAFETY: compiled code passes its own vmctx.
    unsafe { caller(vmctx) }.data_drop(DataIndex::from_u32(data));
}

extern "C" fn table_grow(vmctx: *mut VMContext, table: u32, delta: u64, init: usize) -> u64 {
    with_caller(vmctx, |instance| {
        let table = TableIndex::from_u32(table);
        let init = TableElement::from_raw(init, instance.table_type(table).element);
        // SAFETY: a builtin called by compiled code.
        let result =
            unsafe { with_limiter(|limiter| instance.table_grow(table, delta, init, limiter)) };
        grow_status(result.map(|old| old.map(|old| old as u64)))
    })
}

extern "C" fn table_fill(
    vmctx: *mut VMContext,
    table: u32,
    dst: u64,
    value: usize,
    len: u64,
) -> u32 {
    with_caller(vmctx, |instance| {
        status(instance.table_fill(TableIndex::from_u32(table), dst, value, len))
    })
}

extern "C" fn table_copy(
    vmctx: *mut VMContext,
    dst_table: u32,
    src_table: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    with_caller(vmctx, |instance| {
        let (dst_table, src_table) = (
            TableIndex::from_u32(dst_table),
            TableIndex::from_u32(src_table),
        );
        status(instance.table_copy(dst_table, src_table, dst, src, len))
    })
}

extern "C" fn table_init(
    vmctx: *mut VMContext,
    table: u32,
    elem: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    with_caller(vmctx, |instance| {
        let (table, elem) = (TableIndex::from_u32(table), ElemIndex::from_u32(elem));
        status(instance.table_init(table, elem, dst, src, len))
    })
}

/// Cannot fail, like `data_drop`.
extern "C" fn elem_drop(vmctx: *mut VMContext, elem: u32) {
    // SAFETY: compiled code passes its own vmctx.
    unsafe { caller(vmctx) }.elem_drop(ElemIndex::from_u32(elem));
}

/// Cannot fail: an index out of range gives null (compiled code checks bounds first)
/// and nothing in it panics.
extern "C" fn table_get_lazy_init_func_ref(vmctx: *mut VMContext, table: u32, index: u64) -> usize {
    with_caller(vmctx, |instance| {
        instance.table_get_lazy_init_func_ref(TableIndex::from_u32(table), index)
    })
}

/// Asks the store's hook; `Ok(false)` or no store traps with `code`.
fn store_hook(
    code: TrapCode,
    hook: impl FnOnce(&mut dyn crate::StoreHooks) -> Result<bool, HostError>,
) -> u32 {
    guarded(|| {
        // SAFETY: only the fuel and epoch builtins call this, from compiled code.
        let result = unsafe {
            traphandlers::with_store_hooks(|hooks| match hooks {
                Some(hooks) => hook(hooks),
                None => Ok(false),
            })
        };
        match result {
            Ok(true) => 1,
            Ok(false) => status(Err(code)),
            Err(error) => {
                let _ = traphandlers::record_host_error(error);
                0
            }
        }
    })
}

extern "C" fn out_of_gas(_vmctx: *mut VMContext) -> u32 {
    store_hook(TrapCode::OutOfFuel, |store| store.out_of_gas())
}

extern "C" fn new_epoch(_vmctx: *mut VMContext) -> u32 {
    store_hook(TrapCode::Interrupt, |store| store.new_epoch())
}

extern "C" fn raise(_vmctx: *mut VMContext) {
    // SAFETY: compiled code calls `raise` directly; everything between here and
    // `catch_traps` is compiled code or this frame, none with destructors.
    unsafe { traphandlers::raise() }
}

/// The parameter types of a tag of the calling instance.
fn tag_params(instance: &Instance, tag: TagIndex) -> &[environ::WasmValType] {
    let module = instance.module();
    &module.types[module.tags[tag]].params
}

/// The exception heap of the calling instance's store.
fn exceptions(instance: &Instance) -> &RefCell<ExceptionHeap> {
    // SAFETY: the store context outlives its instances; while compiled code waits for a
    // builtin, only the builtin uses it, and the heap is behind a `RefCell`.
    &unsafe { instance.store_context().as_ref() }.exceptions
}

extern "C" fn exception_new(vmctx: *mut VMContext, tag: u32, payload: usize) -> usize {
    with_caller(vmctx, |instance| {
        let tag = TagIndex::from_u32(tag);
        let params = tag_params(&instance, tag);
        // SAFETY: compiled code stored the tag's parameters as `ValRaw` slots at
        // `payload` (a stack slot of its frame, live during this call).
        let payload =
            unsafe { core::slice::from_raw_parts(payload as *const ValRaw, params.len()) };
        let object = ExceptionObject::new(instance.tag(tag), payload.into(), params);
        exceptions(&instance).borrow_mut().push(object)
    })
}

extern "C" fn throw_ref(vmctx: *mut VMContext, exnref: usize, fp: usize) {
    let landing = with_caller(vmctx, |instance| {
        // SAFETY: as in `exceptions`.
        let entry_fp = unsafe { instance.store_context().as_ref() }
            .last_wasm_entry_fp
            .get();
        // SAFETY: compiled code passes its own frame pointer, and its frames up to the
        // entry are intact.
        match unsafe { exceptions::find_handler(fp, entry_fp) } {
            Some(landing) => Ok(landing),
            None => Err(traphandlers::record_exception(exnref)),
        }
    });
    match landing {
        // SAFETY: this frame and `with_caller`'s own nothing now; the frames skipped
        // between here and the handler are compiled code.
        Ok(landing) => unsafe { exceptions::resume(landing, exnref) },
        // SAFETY: as for `raise`.
        Err(_) => unsafe { traphandlers::raise() },
    }
}

extern "C" fn exception_matches(vmctx: *mut VMContext, exnref: usize, tag: u32) -> u32 {
    with_caller(vmctx, |instance| {
        let tag = instance.tag(TagIndex::from_u32(tag));
        let heap = exceptions(&instance).borrow();
        u32::from(heap.get(exnref).is_some_and(|e| e.tag == tag))
    })
}

extern "C" fn exception_payload(vmctx: *mut VMContext, exnref: usize, out: usize) {
    with_caller(vmctx, |instance| {
        let heap = exceptions(&instance).borrow();
        let Some(exception) = heap.get(exnref) else {
            return;
        };
        // SAFETY: compiled code asks only after the exception matched a tag, and gives
        // a stack slot with room for that tag's parameters.
        let out =
            unsafe { core::slice::from_raw_parts_mut(out as *mut ValRaw, exception.payload.len()) };
        out.copy_from_slice(&exception.payload);
    })
}

extern "C" fn exception_escaped(vmctx: *mut VMContext, exnref: usize) {
    with_caller(vmctx, |instance| {
        exceptions(&instance).borrow_mut().mark_escaped(exnref);
    })
}

extern "C" fn exception_release(vmctx: *mut VMContext, exnref: usize) {
    with_caller(vmctx, |instance| {
        exceptions(&instance).borrow_mut().release(exnref);
    })
}

extern "C" fn ceil_f32(_vmctx: *mut VMContext, x: f32) -> f32 {
    x.ceil()
}

extern "C" fn ceil_f64(_vmctx: *mut VMContext, x: f64) -> f64 {
    x.ceil()
}

extern "C" fn floor_f32(_vmctx: *mut VMContext, x: f32) -> f32 {
    x.floor()
}

extern "C" fn floor_f64(_vmctx: *mut VMContext, x: f64) -> f64 {
    x.floor()
}

extern "C" fn trunc_f32(_vmctx: *mut VMContext, x: f32) -> f32 {
    x.trunc()
}

extern "C" fn trunc_f64(_vmctx: *mut VMContext, x: f64) -> f64 {
    x.trunc()
}

extern "C" fn nearest_f32(_vmctx: *mut VMContext, x: f32) -> f32 {
    x.round_ties_even()
}

extern "C" fn nearest_f64(_vmctx: *mut VMContext, x: f64) -> f64 {
    x.round_ties_even()
}

/// The Rust type of a builtin parameter or result, by its `BuiltinType` name.
macro_rules! abi_type {
    (I32) => {
        u32
    };
    (I64) => {
        u64
    };
    (F32) => {
        f32
    };
    (F64) => {
        f64
    };
    (Pointer) => {
        usize
    };
}

/// The builtin table, generated from `environ::foreach_builtin!`: each field's type is the
/// declared signature, so an entry point whose Rust signature differs from its declaration
/// does not compile.
macro_rules! builtin_table {
    ($(
        $(#[$doc:meta])*
        $field:ident = $builtin:ident($($param:ident),*) $(-> $result:ident)?;
    )*) => {
        /// The builtin function table: one typed pointer per builtin, in
        /// `BuiltinFunction` order, so compiled code finds builtin `i` at offset `i * 8`.
        #[repr(C)]
        pub(crate) struct VMBuiltinFunctionsArray {
            $($field: extern "C" fn(*mut VMContext, $(abi_type!($param)),*) $(-> abi_type!($result))?,)*
        }

        /// The one builtin table, shared by every instance.
        pub(crate) static BUILTINS: VMBuiltinFunctionsArray = VMBuiltinFunctionsArray {
            $($field,)*
        };

        impl VMBuiltinFunctionsArray {
            /// The address of a builtin, for relocations.
            pub(crate) fn address(&self, builtin: BuiltinFunction) -> usize {
                match builtin {
                    $(BuiltinFunction::$builtin => self.$field as usize,)*
                }
            }

            /// Each builtin with its field offset and the signature of its Rust type.
            #[cfg(test)]
            fn declared() -> Vec<(BuiltinFunction, usize, environ::BuiltinSignature)> {
                vec![$((
                    BuiltinFunction::$builtin,
                    core::mem::offset_of!(VMBuiltinFunctionsArray, $field),
                    environ::BuiltinSignature {
                        params: Box::leak(Box::new([
                            <*mut VMContext as tests::AbiType>::TYPE,
                            $(<abi_type!($param) as tests::AbiType>::TYPE),*
                        ])),
                        result: builtin_table!(@result $($result)?),
                    },
                )),*]
            }
        }
    };
    (@result) => { None };
    (@result $result:ident) => { Some(<abi_type!($result) as tests::AbiType>::TYPE) };
}

environ::foreach_builtin!(builtin_table);

#[cfg(test)]
mod tests;

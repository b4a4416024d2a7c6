//! Instances built without a compiler: the VMContext checked field by field for a
//! module with imported and defined memories, tables, globals and functions; segment
//! initialisation; growth through imports; allocation errors.

use core::ptr::NonNull;
use std::sync::Arc;

use environ::{
    DefinedMemoryIndex, DefinedTableIndex, FUNCREF_INIT_BIT, FuncIndex, GlobalIndex, MemoryIndex,
    Module, OwnedMemoryIndex, TableIndex, TrapCode, Tunables, VMCONTEXT_MAGIC,
};

use super::{Export, InstanceHandle, InstantiationError, ResolvedImports};
use crate::libcalls::BUILTINS;
use crate::store::{HostError, ResourceLimiter};
use crate::table::TableElement;
use crate::test_support::{STUB_ARRAY_CALL, TestStore, module, stub_wasm_call};
use crate::vmcontext::{
    VMFunctionImport, VMGlobalImport, VMMemoryDefinition, VMMemoryImport, VMSharedTypeIndex,
    VMStoreContext, VMTableDefinition, VMTableImport,
};

const EXPORTER: &str = r#"
    (module
      (type $t (func (param i32) (result i32)))
      (func $f (export "f") (type $t) local.get 0)
      (memory (export "mem") 1 3)
      (table (export "tab") 4 10 funcref)
      (global (export "g") (mut i32) (i32.const 7))
      (global (export "g64") i64 (i64.const -5)))
"#;

const IMPORTER: &str = r#"
    (module
      (type $t (func (param i32) (result i32)))
      (import "e" "f" (func $imp (type $t)))
      (import "e" "mem" (memory 1))
      (import "e" "tab" (table 4 funcref))
      (import "e" "g64" (global $g64 i64))
      (table $ext 3 externref)
      (global $copy i64 (global.get $g64))
      (global $fr funcref (ref.func $local))
      (global $f32 f32 (f32.const 1.5))
      (func $local (export "local") (type $t) local.get 0)
      (elem (table 0) (i32.const 1) func $imp $local)
      (data (memory 0) (i32.const 8) "hi")
      (data "passive"))
"#;

/// Imports for `IMPORTER`, taken from an `EXPORTER` instance.
struct Imports {
    functions: Vec<VMFunctionImport>,
    tables: Vec<VMTableImport>,
    memories: Vec<VMMemoryImport>,
    globals: Vec<VMGlobalImport>,
}

impl Imports {
    fn from(exporter: &InstanceHandle) -> Self {
        let Some(Export::Function(f)) = exporter.export("f") else {
            panic!("no function export")
        };
        // SAFETY: the exporter is alive, so its func ref is readable.
        let f = unsafe { f.as_ref() };
        let Some(Export::Global { definition, .. }) = exporter.export("g64") else {
            panic!("no global export")
        };
        Self {
            functions: vec![VMFunctionImport {
                wasm_call: f.wasm_call.unwrap(),
                array_call: f.array_call,
                vmctx: f.vmctx,
            }],
            tables: vec![exporter.export("tab").unwrap().as_table_import().unwrap()],
            memories: vec![exporter.export("mem").unwrap().as_memory_import().unwrap()],
            globals: vec![VMGlobalImport { from: definition }],
        }
    }

    fn resolved(&self) -> ResolvedImports<'_> {
        ResolvedImports {
            functions: &self.functions,
            tables: &self.tables,
            memories: &self.memories,
            globals: &self.globals,
            tags: &[],
        }
    }
}

fn exporter_and_importer(store: &TestStore) -> (InstanceHandle, Imports, InstanceHandle) {
    let exporter = store.instantiate(&module(EXPORTER), ResolvedImports::default());
    let imports = Imports::from(&exporter);
    let importer = store.instantiate(&module(IMPORTER), imports.resolved());
    (exporter, imports, importer)
}

#[test]
fn the_vmctx_header_points_at_store_builtins_epoch_and_type_ids() {
    let store = TestStore::new();
    let (_exporter, _imports, importer) = exporter_and_importer(&store);
    let instance = importer.instance();
    let o = *instance.offsets();
    assert_eq!(instance.read_vmctx::<u32>(o.vmctx_magic()), VMCONTEXT_MAGIC);
    assert_eq!(
        instance.read_vmctx::<NonNull<VMStoreContext>>(o.vmctx_store_context()),
        store.context_ptr()
    );
    assert_eq!(
        instance.read_vmctx::<*const u8>(o.vmctx_builtin_functions()),
        (&raw const BUILTINS).cast::<u8>()
    );
    assert_eq!(
        instance.read_vmctx::<*const u8>(o.vmctx_epoch_counter()),
        (&raw const *store.epoch).cast::<u8>()
    );
    let type_ids = instance.read_vmctx::<*const VMSharedTypeIndex>(o.vmctx_type_ids());
    // SAFETY: the module has one type, so the array has one element.
    assert_eq!(unsafe { *type_ids }, VMSharedTypeIndex(100));
}

#[test]
fn imports_are_written_where_vmoffsets_says() {
    let store = TestStore::new();
    let (exporter, imports, importer) = exporter_and_importer(&store);
    let instance = importer.instance();
    let o = *instance.offsets();
    let memory =
        instance.read_vmctx::<VMMemoryImport>(o.vmctx_vmmemory_import(MemoryIndex::from_u32(0)));
    assert_eq!(memory.from, imports.memories[0].from);
    assert_eq!(memory.vmctx, exporter.vmctx());
    let function =
        instance.read_vmctx::<VMFunctionImport>(o.vmctx_vmfunction_import(FuncIndex::from_u32(0)));
    assert_eq!(function.vmctx, exporter.vmctx());
    assert_eq!(function.wasm_call, stub_wasm_call());
    let table =
        instance.read_vmctx::<VMTableImport>(o.vmctx_vmtable_import(TableIndex::from_u32(0)));
    assert_eq!(table.from, imports.tables[0].from);
    assert_eq!(table.vmctx, exporter.vmctx());
    let global =
        instance.read_vmctx::<VMGlobalImport>(o.vmctx_vmglobal_import(GlobalIndex::from_u32(0)));
    assert_eq!(
        global.from,
        exporter.instance().global_ptr(GlobalIndex::from_u32(1))
    );
}

#[test]
fn defined_memories_and_tables_publish_their_definitions() {
    let store = TestStore::new();
    let (exporter, _imports, importer) = exporter_and_importer(&store);
    let instance = exporter.instance();
    let o = *instance.offsets();
    let defined = DefinedMemoryIndex::from_u32(0);
    let pointer = instance.read_vmctx::<*mut VMMemoryDefinition>(o.vmctx_vmmemory_pointer(defined));
    let owned_slot = o.vmctx_vmmemory_definition(OwnedMemoryIndex::from_u32(0));
    assert_eq!(
        pointer,
        instance.vmctx_plus::<VMMemoryDefinition>(owned_slot)
    );
    let definition = instance.read_vmctx::<VMMemoryDefinition>(owned_slot);
    assert_eq!(definition.base, instance.defined_memory(defined).base());
    assert_eq!(definition.current_length, 1 << 16);
    assert_eq!(
        instance.memory_definition(MemoryIndex::from_u32(0)),
        pointer
    );
    let instance = importer.instance();
    let o = *instance.offsets();
    let table = instance.read_vmctx::<VMTableDefinition>(
        o.vmctx_vmtable_definition(DefinedTableIndex::from_u32(0)),
    );
    assert_eq!(table.current_elements, 3);
    assert_eq!(
        instance
            .defined_table(DefinedTableIndex::from_u32(0))
            .size(),
        3
    );
}

#[test]
fn globals_are_initialised_from_constant_expressions() {
    let store = TestStore::new();
    let (_exporter, _imports, importer) = exporter_and_importer(&store);
    let instance = importer.instance();
    let value = |index: u32| {
        // SAFETY: the global exists and the instance is alive.
        unsafe { (*instance.global_ptr(GlobalIndex::from_u32(index))).get() }
    };
    assert_eq!(value(0).get_i64(), -5);
    assert_eq!(value(1).get_i64(), -5);
    let local = instance.func_ref(FuncIndex::from_u32(1)).unwrap();
    assert_eq!(value(2).get_reference(), local.as_ptr() as usize);
    assert_eq!(value(3).get_f32(), 1.5_f32.to_bits());
}

#[test]
fn func_refs_describe_defined_and_imported_functions() {
    let store = TestStore::new();
    let (exporter, _imports, importer) = exporter_and_importer(&store);
    let instance = importer.instance();
    // SAFETY: both func refs live in the importer's VMContext.
    let (imported, local) = unsafe {
        (
            *instance.func_ref(FuncIndex::from_u32(0)).unwrap().as_ptr(),
            *instance.func_ref(FuncIndex::from_u32(1)).unwrap().as_ptr(),
        )
    };
    assert_eq!(local.vmctx, importer.vmctx());
    assert_eq!(local.type_index, VMSharedTypeIndex(100));
    assert_eq!(local.wasm_call, Some(stub_wasm_call()));
    assert_eq!(
        local.array_call as *const () as usize,
        STUB_ARRAY_CALL as *const () as usize
    );
    assert_eq!(imported.vmctx, exporter.vmctx());
    assert_eq!(imported.type_index, VMSharedTypeIndex(100));
}

#[test]
fn active_segments_are_written_and_then_dropped() {
    let store = TestStore::new();
    let (exporter, _imports, mut importer) = exporter_and_importer(&store);
    let memory = exporter
        .instance()
        .defined_memory(DefinedMemoryIndex::from_u32(0));
    assert_eq!(&memory.data()[8..10], b"hi");
    let table = exporter
        .instance()
        .defined_table(DefinedTableIndex::from_u32(0));
    let imported = importer
        .instance()
        .func_ref(FuncIndex::from_u32(0))
        .unwrap();
    assert_eq!(table.get(1), Some(TableElement::FuncRef(imported.as_ptr())));
    assert_eq!(
        table.get(0),
        Some(TableElement::FuncRef(core::ptr::null_mut()))
    );
    let slots = exporter
        .instance()
        .table_definition(TableIndex::from_u32(0));
    // SAFETY: the exporter's table is alive, has 4 slots and is not borrowed elsewhere.
    let slot = unsafe { *(*slots).base.add(1) };
    assert_eq!(slot & FUNCREF_INIT_BIT, FUNCREF_INIT_BIT);
    let instance = importer.instance_mut();
    let data = environ::DataIndex::from_u32(0);
    assert_eq!(
        instance.memory_init(MemoryIndex::from_u32(0), data, 0, 0, 1),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert!(
        importer
            .instance()
            .is_elem_dropped(environ::ElemIndex::from_u32(0))
    );
    let passive = environ::DataIndex::from_u32(1);
    let mut instance = importer.instance_mut();
    assert_eq!(
        instance
            .as_mut()
            .memory_init(MemoryIndex::from_u32(0), passive, 100, 1, 6),
        Ok(())
    );
    let memory = exporter
        .instance()
        .defined_memory(DefinedMemoryIndex::from_u32(0));
    assert_eq!(&memory.data()[100..106], b"assive");
}

#[test]
fn an_out_of_bounds_segment_traps_after_earlier_segments_were_written() {
    let store = TestStore::new();
    let exporter = store.instantiate(&module(EXPORTER), ResolvedImports::default());
    let imports = Imports::from(&exporter);
    let partial = module(
        r#"(module
          (import "e" "mem" (memory 1))
          (data (i32.const 0) "a")
          (data (i32.const 65535) "bc")
          (data (i32.const 1) "z"))"#,
    );
    let resolved = ResolvedImports {
        memories: &imports.memories,
        ..ResolvedImports::default()
    };
    let mut handle = store
        .try_instantiate(&partial, resolved, None, &Tunables::default())
        .unwrap();
    let trap = handle.initialize().unwrap_err();
    assert_eq!(trap.code(), Some(TrapCode::MemoryOutOfBounds));
    let memory = exporter
        .instance()
        .defined_memory(DefinedMemoryIndex::from_u32(0));
    assert_eq!(&memory.data()[..2], b"a\0");
    assert_eq!(memory.data()[65535], 0);
}

#[test]
fn an_out_of_bounds_element_segment_traps_with_table_out_of_bounds() {
    let store = TestStore::new();
    let tables = module(
        r#"(module
          (table 2 funcref)
          (func $f)
          (elem (i32.const 0) func $f)
          (elem (i32.const 1) func $f $f))"#,
    );
    let mut handle = store
        .try_instantiate(
            &tables,
            ResolvedImports::default(),
            None,
            &Tunables::default(),
        )
        .unwrap();
    assert_eq!(
        handle.initialize().unwrap_err().code(),
        Some(TrapCode::TableOutOfBounds)
    );
    let table = handle
        .instance()
        .defined_table(DefinedTableIndex::from_u32(0));
    assert!(matches!(table.get(0), Some(TableElement::FuncRef(f)) if !f.is_null()));
    assert_eq!(
        table.get(1),
        Some(TableElement::FuncRef(core::ptr::null_mut()))
    );
}

#[test]
fn growing_an_imported_memory_grows_the_exporters_memory() {
    let store = TestStore::new();
    let (exporter, imports, mut importer) = exporter_and_importer(&store);
    let grown = importer
        .instance_mut()
        .memory_grow(MemoryIndex::from_u32(0), 2, None)
        .unwrap();
    assert_eq!(grown, Some(1));
    // SAFETY: the exporter's memory definition is alive.
    let length = unsafe { (*imports.memories[0].from).current_length };
    assert_eq!(length, 3 << 16);
    assert_eq!(
        exporter
            .instance()
            .defined_memory(DefinedMemoryIndex::from_u32(0))
            .pages(),
        3
    );
    let failed = importer
        .instance_mut()
        .memory_grow(MemoryIndex::from_u32(0), 1, None)
        .unwrap();
    assert_eq!(failed, None);
}

#[test]
fn growing_an_imported_table_republishes_the_exporters_definition() {
    let store = TestStore::new();
    let (_exporter, imports, mut importer) = exporter_and_importer(&store);
    let null = TableElement::null(environ::RefType::FUNCREF);
    let grown = importer
        .instance_mut()
        .table_grow(TableIndex::from_u32(0), 6, null, None)
        .unwrap();
    assert_eq!(grown, Some(4));
    // SAFETY: the exporter's table definition is alive.
    let elements = unsafe { (*imports.tables[0].from).current_elements };
    assert_eq!(elements, 10);
    let failed = importer
        .instance_mut()
        .table_grow(TableIndex::from_u32(0), 1, null, None)
        .unwrap();
    assert_eq!(failed, None);
}

/// A limiter that allows memories up to `max_bytes` and fails on tables.
struct Limited {
    max_bytes: usize,
}

impl ResourceLimiter for Limited {
    fn memory_growing(
        &mut self,
        _: usize,
        desired: usize,
        _: Option<usize>,
    ) -> Result<bool, HostError> {
        Ok(desired <= self.max_bytes)
    }

    fn table_growing(
        &mut self,
        current: usize,
        _: usize,
        _: Option<usize>,
    ) -> Result<bool, HostError> {
        if current == 0 {
            Ok(true)
        } else {
            Err(crate::Error::msg("no more tables"))
        }
    }
}

#[test]
fn the_store_limiter_governs_instantiation_and_growth() {
    let store = TestStore::new();
    let mut limited = Limited { max_bytes: 2 << 16 };
    let module = module("(module (memory 1) (table 1 funcref))");
    let mut handle = store
        .try_instantiate(
            &module,
            ResolvedImports::default(),
            Some(&mut limited),
            &Tunables::default(),
        )
        .unwrap();
    let mut instance = handle.instance_mut();
    assert_eq!(
        instance
            .as_mut()
            .memory_grow(MemoryIndex::from_u32(0), 1, Some(&mut limited))
            .unwrap(),
        Some(1)
    );
    assert_eq!(
        instance
            .as_mut()
            .memory_grow(MemoryIndex::from_u32(0), 1, Some(&mut limited))
            .unwrap(),
        None
    );
    let null = TableElement::null(environ::RefType::FUNCREF);
    let error = instance
        .table_grow(TableIndex::from_u32(0), 1, null, Some(&mut limited))
        .unwrap_err();
    assert_eq!(error.to_string(), "no more tables");
    let too_big = module_with_memory(3);
    let result = store.try_instantiate(
        &too_big,
        ResolvedImports::default(),
        Some(&mut limited),
        &Tunables::default(),
    );
    assert!(matches!(result, Err(InstantiationError::Limit(_))));
}

fn module_with_memory(pages: u32) -> Arc<Module> {
    module(&format!("(module (memory {pages}))"))
}

#[test]
fn a_request_that_does_not_match_the_module_is_rejected() {
    let store = TestStore::new();
    let result = store.try_instantiate(
        &module(IMPORTER),
        ResolvedImports::default(),
        None,
        &Tunables::default(),
    );
    assert!(matches!(result, Err(InstantiationError::Mismatch(_))));
}

#[test]
fn exports_name_their_owning_instance() {
    let store = TestStore::new();
    let (exporter, _imports, importer) = exporter_and_importer(&store);
    assert!(matches!(
        importer.export("local"),
        Some(Export::Function(_))
    ));
    assert!(importer.export("missing").is_none());
    let owner = |export: Option<Export>| match export {
        Some(Export::Memory { vmctx, .. } | Export::Table { vmctx, .. }) => vmctx,
        _ => core::ptr::null_mut(),
    };
    let instance = importer.instance();
    assert_eq!(
        owner(instance.export_of(environ::EntityIndex::Memory(MemoryIndex::from_u32(0)))),
        exporter.vmctx()
    );
    assert_eq!(
        owner(instance.export_of(environ::EntityIndex::Table(TableIndex::from_u32(1)))),
        importer.vmctx()
    );
    assert!(
        instance
            .export_of(environ::EntityIndex::Memory(MemoryIndex::from_u32(1)))
            .is_none()
    );
}

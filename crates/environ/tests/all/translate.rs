//! Translation of hand-written modules: every section, every segment kind, index spaces
//! with imports first, const exprs, names, and errors with offsets.

use tarn_environ::*;

use crate::translate;

const EVERY_SECTION: &str = r#"
(module $demo
  (type $unary (func (param i32) (result i32)))
  (type $nullary (func))
  (import "env" "f" (func $imported (type $unary)))
  (import "env" "table" (table 1 funcref))
  (import "env" "g" (global $g i32))
  (func $double (type $unary) local.get 0 i32.const 2 i32.mul)
  (func $start (type $nullary))
  (table $t 2 10 funcref)
  (table $ext 0 externref)
  (memory $m 1)
  (global $counter (mut i64) (i64.const -7))
  (global $copy i32 (global.get $g))
  (global $fref funcref (ref.func $double))
  (global $f32 f32 (f32.const 1.5))
  (global $f64 f64 (f64.const -2.5))
  (global $v v128 (v128.const i64x2 1 2))
  (export "double" (func $double))
  (export "mem" (memory $m))
  (export "t" (table $t))
  (export "counter" (global $counter))
  (start $start)
  (elem (table $t) (i32.const 0) func $double)
  (elem (table 0) (offset (global.get $g)) funcref (ref.null func) (ref.func $imported))
  (elem $passive func $double $start)
  (elem declare func $start)
  (data (memory $m) (i32.const 8) "hello")
  (data $p "passive bytes")
)
"#;

#[test]
fn index_spaces_list_imports_first() {
    let module = translate(EVERY_SECTION);
    assert_eq!(module.num_imported_funcs, 1);
    assert_eq!(module.functions.len(), 3);
    assert_eq!(module.defined_func_index(FuncIndex::from_u32(0)), None);
    assert_eq!(
        module.defined_func_index(FuncIndex::from_u32(1)),
        Some(DefinedFuncIndex::from_u32(0))
    );
    assert_eq!(
        module.func_index(DefinedFuncIndex::from_u32(1)),
        FuncIndex::from_u32(2)
    );
    assert!(module.is_imported_table(TableIndex::from_u32(0)));
    assert_eq!(module.num_defined_tables(), 2);
    assert_eq!(
        module.defined_memory_index(MemoryIndex::from_u32(0)),
        Some(DefinedMemoryIndex::from_u32(0))
    );
    assert_eq!(
        module.owned_memory_index(DefinedMemoryIndex::from_u32(0)),
        Some(OwnedMemoryIndex::from_u32(0))
    );
    assert_eq!(module.num_defined_globals(), 6);
    assert_eq!(
        module.global_index(DefinedGlobalIndex::from_u32(0)),
        GlobalIndex::from_u32(1)
    );
}

#[test]
fn imports_keep_their_order_names_and_types() {
    let module = translate(EVERY_SECTION);
    assert_eq!(
        module.imports[0].ty,
        EntityType::Function(TypeIndex::from_u32(0))
    );
    let summary: Vec<_> = module
        .imports
        .iter()
        .map(|i| (i.module.as_str(), i.field.as_str(), i.ty.kind()))
        .collect();
    assert_eq!(
        summary,
        [
            ("env", "f", "function"),
            ("env", "table", "table"),
            ("env", "g", "global"),
        ]
    );
    let module = translate(r#"(module (import "env" "memory" (memory 1 2)))"#);
    assert_eq!(module.num_imported_memories, 1);
    assert_eq!(module.num_defined_memories(), 0);
    let memory = &module.imports[0];
    assert_eq!(memory.index, EntityIndex::Memory(MemoryIndex::from_u32(0)));
    assert_eq!(
        memory.ty,
        EntityType::Memory(MemoryType {
            limits: Limits {
                minimum: 1,
                maximum: Some(2)
            },
            shared: false,
            memory64: false,
        })
    );
}

#[test]
fn types_functions_tables_memories_and_globals_are_converted() {
    let module = translate(EVERY_SECTION);
    assert_eq!(module.types.len(), 2);
    assert_eq!(
        module.types[TypeIndex::from_u32(0)],
        FuncType::new([WasmValType::I32], [WasmValType::I32])
    );
    assert_eq!(
        module.func_type(FuncIndex::from_u32(2)).to_string(),
        "(func)"
    );
    assert_eq!(
        module.tables[TableIndex::from_u32(1)],
        TableType {
            element: RefType::FUNCREF,
            limits: Limits {
                minimum: 2,
                maximum: Some(10)
            },
            table64: false,
        }
    );
    assert_eq!(
        module.tables[TableIndex::from_u32(2)].element,
        RefType::EXTERNREF
    );
    assert_eq!(module.memories[MemoryIndex::from_u32(0)].limits.minimum, 1);
    let counter = module.globals[GlobalIndex::from_u32(1)];
    assert_eq!(counter.content, WasmValType::I64);
    assert!(counter.mutable);
    assert!(!module.globals[GlobalIndex::from_u32(0)].mutable);
}

#[test]
fn global_initialisers_are_const_exprs() {
    let module = translate(EVERY_SECTION);
    let inits: Vec<_> = module
        .global_inits
        .values()
        .map(|e| e.as_single().unwrap())
        .collect();
    assert_eq!(
        inits,
        [
            ConstOp::I64Const(-7),
            ConstOp::GlobalGet(GlobalIndex::from_u32(0)),
            ConstOp::RefFunc(FuncIndex::from_u32(1)),
            ConstOp::F32Const(1.5f32.to_bits()),
            ConstOp::F64Const((-2.5f64).to_bits()),
            ConstOp::V128Const(1 | (2 << 64)),
        ]
    );
}

#[test]
fn exports_keep_their_order_and_are_found_by_name() {
    let module = translate(EVERY_SECTION);
    let names: Vec<_> = module.exports.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["double", "mem", "t", "counter"]);
    assert_eq!(
        module.export("mem").map(|e| e.index),
        Some(EntityIndex::Memory(MemoryIndex::from_u32(0)))
    );
    assert!(module.export("missing").is_none());
    assert_eq!(module.start, Some(FuncIndex::from_u32(2)));
}

#[test]
fn element_segments_of_every_kind_are_translated() {
    let module = translate(EVERY_SECTION);
    assert_eq!(module.elements.len(), 4);
    let active = &module.elements[ElemIndex::from_u32(0)];
    assert_eq!(
        active.mode,
        ElementMode::Active {
            table: TableIndex::from_u32(1),
            offset: ConstExpr::new([ConstOp::I32Const(0)]),
        }
    );
    assert_eq!(
        active.items,
        ElementItems::Functions(Box::new([FuncIndex::from_u32(1)]))
    );
    let expressions = &module.elements[ElemIndex::from_u32(1)];
    assert_eq!(
        expressions.mode,
        ElementMode::Active {
            table: TableIndex::from_u32(0),
            offset: ConstExpr::new([ConstOp::GlobalGet(GlobalIndex::from_u32(0))]),
        }
    );
    assert_eq!(
        expressions.items,
        ElementItems::Expressions(Box::new([
            ConstExpr::new([ConstOp::RefNull(RefType::FUNCREF)]),
            ConstExpr::new([ConstOp::RefFunc(FuncIndex::from_u32(0))]),
        ]))
    );
    assert_eq!(
        module.elements[ElemIndex::from_u32(2)].mode,
        ElementMode::Passive
    );
    assert_eq!(module.elements[ElemIndex::from_u32(2)].items.len(), 2);
    assert_eq!(
        module.elements[ElemIndex::from_u32(3)].mode,
        ElementMode::Declared
    );
}

#[test]
fn data_segments_share_one_blob() {
    let module = translate(EVERY_SECTION);
    assert_eq!(module.data.len(), 2);
    assert_eq!(
        module.data[DataIndex::from_u32(0)].mode,
        DataMode::Active {
            memory: MemoryIndex::from_u32(0),
            offset: ConstExpr::new([ConstOp::I32Const(8)]),
        }
    );
    assert_eq!(module.data_segment_bytes(DataIndex::from_u32(0)), b"hello");
    assert_eq!(module.data[DataIndex::from_u32(1)].mode, DataMode::Passive);
    assert_eq!(
        module.data_segment_bytes(DataIndex::from_u32(1)),
        b"passive bytes"
    );
    assert_eq!(module.data_bytes, b"hellopassive bytes");
}

#[test]
fn escaping_functions_get_func_ref_slots() {
    let module = translate(EVERY_SECTION);
    // $double is exported, in tables and in a global; $start is started and in segments;
    // $imported is in an element expression: all three escape, each once.
    assert_eq!(module.num_escaped_funcs, 3);
    let mut slots: Vec<_> = module
        .functions
        .values()
        .map(|f| f.func_ref.expect("every function escapes").as_u32())
        .collect();
    slots.sort_unstable();
    assert_eq!(slots, [0, 1, 2]);

    let private = translate("(module (func) (func (export \"f\")))");
    assert_eq!(private.num_escaped_funcs, 1);
    assert_eq!(private.functions[FuncIndex::from_u32(0)].func_ref, None);
}

#[test]
fn names_come_from_the_name_section() {
    let module = translate(EVERY_SECTION);
    assert_eq!(module.names.module.as_deref(), Some("demo"));
    assert_eq!(module.func_name(FuncIndex::from_u32(0)), Some("imported"));
    assert_eq!(module.func_name(FuncIndex::from_u32(1)), Some("double"));
}

#[test]
fn function_bodies_keep_their_ranges_and_validators() {
    let wasm = wat::parse_str(EVERY_SECTION).unwrap();
    let translation = crate::translate_bytes(&wasm);
    assert_eq!(translation.function_bodies.len(), 2);
    let module = translation.module;
    let indices: Vec<_> = translation.function_bodies.keys().collect();
    for (index, body) in indices.into_iter().zip(translation.function_bodies) {
        let range = body.body.range();
        assert!(range.end <= wasm.len() as u64);
        let func = module.func_index(index);
        assert_eq!(body.validator.index, func.as_u32());
        let mut validator = body.validator.into_validator(Default::default());
        validator
            .validate(&body.body)
            .expect("a valid module's bodies validate");
    }
}

#[test]
fn invalid_bodies_are_caught_by_their_validator() {
    let wasm = wat::parse_str("(module (func (result i32) i64.const 1))").unwrap();
    let translation = crate::translate_bytes(&wasm);
    let body = translation.function_bodies.into_iter().next().unwrap();
    let mut validator = body.validator.into_validator(Default::default());
    let error = validator.validate(&body.body).unwrap_err();
    assert!(
        error.message().contains("type mismatch"),
        "{}",
        error.message()
    );
}

#[test]
fn invalid_modules_report_the_offset_and_reason() {
    let wasm = wat::parse_str("(module (func (export \"f\")) (export \"f\" (func 0)))").unwrap();
    let error = translate_module(&wasm, Features::default()).unwrap_err();
    match &error {
        CompileError::Invalid { message, offset } => {
            assert!(message.contains("duplicate export name"), "{message}");
            assert!(*offset > 8 && *offset < wasm.len(), "offset {offset}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(error.to_string().contains("offset 0x"));
}

#[test]
fn truncated_modules_report_the_offset() {
    let wasm = wat::parse_str(EVERY_SECTION).unwrap();
    let error = translate_module(&wasm[..wasm.len() / 2], Features::default()).unwrap_err();
    let offset = error.offset().expect("truncation has an offset");
    assert!(offset <= wasm.len() / 2, "offset {offset}");
}

#[test]
fn disabled_features_are_rejected() {
    let wasm = wat::parse_str("(module (func (result i32 i32) i32.const 1 i32.const 2))").unwrap();
    assert!(translate_module(&wasm, Features::WASM2).is_ok());
    let error = translate_module(&wasm, Features::WASM1).unwrap_err();
    assert!(
        error.to_string().contains("multi-value"),
        "unexpected message: {error}"
    );
}

#[test]
fn malformed_name_sections_are_ignored() {
    let mut wasm = wat::parse_str("(module (func))").unwrap();
    // A custom section called "name" whose payload is garbage.
    let payload = [4u8, b'n', b'a', b'm', b'e', 1, 200, 1];
    wasm.push(0);
    wasm.push(payload.len() as u8);
    wasm.extend_from_slice(&payload);
    let module = translate_module(&wasm, Features::default()).unwrap().module;
    assert!(module.names.functions.is_empty());
}

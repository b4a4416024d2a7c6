//! Round trips of translated modules, and corrupted input that must fail cleanly.

use super::*;
use crate::{Features, translate_module};

fn module(wat: &str) -> Module {
    let wasm = wat::parse_str(wat).unwrap();
    translate_module(&wasm, Features::default()).unwrap().module
}

fn encoded(module: &Module) -> Vec<u8> {
    let mut w = Writer::new();
    w.put(module);
    w.into_bytes()
}

const EVERYTHING: &str = r#"(module $m
    (type $u (func))
    (type $t (func (param i32 (ref null $u)) (result f64 v128)))
    (import "env" "f" (func $imp (type $t)))
    (import "env" "g" (global $g i32))
    (import "env" "tag" (tag $e (param i32)))
    (table $tab 4 10 funcref)
    (table $typed 2 (ref null $u) (ref.null $u))
    (memory 1 2)
    (memory i64 0)
    (global (mut i64) (i64.add (i64.const 1) (i64.const 2)))
    (global exnref (ref.null exn))
    (tag (param f32))
    (func $local (export "local") (type $t) (f64.const 1) (v128.const i64x2 3 4))
    (start $start) (func $start)
    (elem (table $tab) (global.get $g) func $local $imp)
    (elem funcref (ref.func $local) (ref.null func))
    (elem declare func $start)
    (data (memory 0) (i32.const 8) "hello")
    (data "passive")
    (export "mem" (memory 0)) (export "tab" (table $tab)) (export "e" (tag $e)))"#;

#[test]
fn a_module_with_every_kind_of_entity_round_trips() {
    let original = module(EVERYTHING);
    let bytes = encoded(&original);
    let mut reader = Reader::new(&bytes);
    let decoded: Module = reader.get().unwrap();
    assert!(reader.is_at_end());
    assert_eq!(encoded(&decoded), bytes);
    assert_eq!(decoded.types, original.types);
    assert_eq!(decoded.imports, original.imports);
    assert_eq!(decoded.exports, original.exports);
    assert_eq!(decoded.elements, original.elements);
    assert_eq!(decoded.data, original.data);
    assert_eq!(decoded.names, original.names);
    assert_eq!(decoded.static_init, original.static_init);
    assert_eq!(
        decoded.export("local").unwrap().index,
        original.export("local").unwrap().index
    );
}

#[test]
fn compiled_module_info_round_trips() {
    let info = CompiledModuleInfo {
        functions: [CompiledFunction {
            wasm_call: FunctionLoc {
                start: 0,
                length: 16,
            },
            array_call: Some(FunctionLoc {
                start: 16,
                length: 8,
            }),
        }]
        .into_iter()
        .collect(),
        wasm_to_array_trampolines: vec![(crate::TypeIndex::from_u32(1), FunctionLoc::default())],
        trap_sites: vec![TrapSite {
            code_offset: 3,
            code: TrapCode::IntegerDivisionByZero,
        }],
        address_map: vec![AddressMapEntry {
            code_offset: 0,
            wasm_offset: 40,
        }],
        handler_sites: vec![HandlerSite {
            return_offset: 5,
            handler_offset: 9,
            frame_offset: 16,
        }],
        relocations: vec![Relocation {
            code_offset: 8,
            target: BuiltinFunction::ALL[2],
            addend: -4,
        }],
    };
    let mut w = Writer::new();
    w.put(&info);
    let bytes = w.into_bytes();
    assert_eq!(
        Reader::new(&bytes).get::<CompiledModuleInfo>().unwrap(),
        info
    );
}

#[test]
fn every_truncation_and_many_corruptions_fail_without_panicking() {
    let bytes = encoded(&module(EVERYTHING));
    for len in 0..bytes.len() {
        assert!(
            Reader::new(&bytes[..len]).get::<Module>().is_err(),
            "truncated to {len}"
        );
    }
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut corrupt = bytes.clone();
            corrupt[i] ^= flip;
            // Either an error or some module; never a panic or a runaway allocation.
            let _ = Reader::new(&corrupt).get::<Module>();
        }
    }
}

#[test]
fn out_of_range_indices_are_rejected() {
    let mut original = module(r#"(module (func (export "f")))"#);
    original.exports[0].index = EntityIndex::Function(crate::FuncIndex::from_u32(7));
    let bytes = encoded(&original);
    let error = Reader::new(&bytes).get::<Module>().unwrap_err();
    assert_eq!(error.what, "import or export index");
}

#[test]
fn counts_beyond_their_index_spaces_are_rejected() {
    // Found by the `deserialize` fuzz target: a huge escaped-function count made the
    // `VMContext` layout computation panic.
    let mut original = module(r#"(module (func (export "f")))"#);
    original.num_escaped_funcs = usize::MAX;
    let bytes = encoded(&original);
    let error = Reader::new(&bytes).get::<Module>().unwrap_err();
    assert_eq!(error.what, "escaped function count");
}

#[test]
fn concrete_types_naming_missing_or_later_types_are_rejected() {
    let mut original = module(r#"(module (type $u (func)) (type (func (param (ref $u)))))"#);
    original.types[crate::TypeIndex::from_u32(1)].params = Box::new([WasmValType::Ref(RefType {
        nullable: false,
        heap: HeapType::Concrete(crate::TypeIndex::from_u32(1)),
    })]);
    let bytes = encoded(&original);
    let error = Reader::new(&bytes).get::<Module>().unwrap_err();
    assert_eq!(error.what, "type reference");
}

//! `translate_module`: drives wasmparser's parser and validator over a binary and builds a
//! [`ModuleTranslation`]: the [`Module`] plus each function body and its validator, so
//! bodies are validated while the jit compiles them, in parallel.

use wasmparser::{
    FuncToValidate, FunctionBody, Parser, Payload, ValidPayload, Validator, ValidatorResources,
};

use crate::const_expr::ConstExpr;
use crate::entity::EntityVec;
use crate::error::CompileError;
use crate::features::Features;
use crate::module::{
    DataMode, DataSegment, ElementItems, ElementMode, ElementSegment, Export, FunctionDecl, Import,
    Module,
};
use crate::types::{EntityType, convert};
use crate::{
    DefinedFuncIndex, EntityIndex, FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TagIndex,
    TypeIndex,
};

/// One function body, waiting to be validated and compiled.
pub struct FunctionBodyData<'data> {
    /// The body's bytes (locals and operators) and their offset in the module.
    pub body: FunctionBody<'data>,
    /// The validator that checks this body against the module.
    pub validator: FuncToValidate<ValidatorResources>,
}

/// A translated module: its metadata and the bodies still to compile.
pub struct ModuleTranslation<'data> {
    /// Everything the module declares.
    pub module: Module,
    /// One entry per defined function, in order.
    pub function_bodies: EntityVec<DefinedFuncIndex, FunctionBodyData<'data>>,
    /// The whole binary, for byte offsets in error messages and address maps.
    pub wasm: &'data [u8],
}

/// Translates a binary module. Every section is validated as it is read; function bodies
/// are only checked for framing, and validated later by their [`FunctionBodyData`].
///
/// # Errors
///
/// [`CompileError::Invalid`] with wasmparser's message and byte offset for malformed or
/// invalid input; [`CompileError::Unsupported`] for valid constructs of proposals Tarn
/// does not implement.
pub fn translate_module(
    wasm: &[u8],
    features: Features,
) -> Result<ModuleTranslation<'_>, CompileError> {
    let mut validator = Validator::new_with_features(features.to_wasmparser());
    // The parser decodes some encodings (memory limits, for one) differently per feature,
    // so it must see the same features as the validator.
    let mut parser = Parser::new(0);
    parser.set_features(features.to_wasmparser());
    let mut translator = Translator {
        module: Module::default(),
        function_bodies: EntityVec::new(),
    };
    for payload in parser.parse_all(wasm) {
        let payload = payload?;
        match validator.payload(&payload)? {
            ValidPayload::Func(validator, body) => {
                translator
                    .function_bodies
                    .push(FunctionBodyData { body, validator });
                continue;
            }
            ValidPayload::Parser(_) => {
                return Err(CompileError::Unsupported {
                    feature: "nested modules and components",
                    offset: 0,
                });
            }
            ValidPayload::End(_) => break,
            ValidPayload::Ok => {}
        }
        translator.payload(payload)?;
    }
    let mut module = translator.module;
    module.assign_func_refs();
    module.static_init = crate::StaticInit::new(&module);
    Ok(ModuleTranslation {
        module,
        function_bodies: translator.function_bodies,
        wasm,
    })
}

impl core::fmt::Debug for ModuleTranslation<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ModuleTranslation")
            .field("module", &self.module)
            .field("function_bodies", &self.function_bodies.len())
            .field("wasm_len", &self.wasm.len())
            .finish()
    }
}

struct Translator<'data> {
    module: Module,
    function_bodies: EntityVec<DefinedFuncIndex, FunctionBodyData<'data>>,
}

impl<'data> Translator<'data> {
    fn payload(&mut self, payload: Payload<'data>) -> Result<(), CompileError> {
        match payload {
            Payload::TypeSection(reader) => self.types(reader),
            Payload::ImportSection(reader) => self.imports(reader),
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    let ty = TypeIndex::from_u32(ty?);
                    self.module
                        .functions
                        .push(FunctionDecl { ty, func_ref: None });
                }
                Ok(())
            }
            Payload::TableSection(reader) => self.tables(reader),
            Payload::MemorySection(reader) => {
                for item in reader.into_iter_with_offsets() {
                    let (offset, memory) = item?;
                    let offset = offset as usize;
                    let memory = convert::memory_type(memory, offset)?;
                    self.module.memories.push(memory);
                }
                Ok(())
            }
            Payload::GlobalSection(reader) => self.globals(reader),
            Payload::TagSection(reader) => {
                for tag in reader {
                    let ty = TypeIndex::from_u32(tag?.func_type_idx);
                    self.module.tags.push(ty);
                }
                Ok(())
            }
            Payload::ExportSection(reader) => self.exports(reader),
            Payload::StartSection { func, .. } => {
                self.module.start = Some(FuncIndex::from_u32(func));
                Ok(())
            }
            Payload::ElementSection(reader) => self.elements(reader),
            Payload::DataSection(reader) => self.data(reader),
            Payload::CustomSection(reader) => {
                if let wasmparser::KnownCustom::Name(names) = reader.as_known() {
                    self.names(names);
                }
                Ok(())
            }
            Payload::Version { .. }
            | Payload::DataCountSection { .. }
            | Payload::CodeSectionStart { .. }
            | Payload::End(_) => Ok(()),
            other => Err(CompileError::Unsupported {
                feature: "this section kind",
                offset: other
                    .as_section()
                    .map_or(0, |(_, range)| range.start as usize),
            }),
        }
    }

    fn types(&mut self, reader: wasmparser::TypeSectionReader<'data>) -> Result<(), CompileError> {
        for item in reader.into_iter_with_offsets() {
            let (offset, group) = item?;
            let offset = offset as usize;
            for sub in group.into_types() {
                match &sub.composite_type.inner {
                    wasmparser::CompositeInnerType::Func(f) if !sub.composite_type.shared => {
                        self.module.types.push(convert::func_type(f, offset)?);
                    }
                    _ => {
                        return Err(CompileError::Unsupported {
                            feature: "GC types",
                            offset,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn imports(
        &mut self,
        reader: wasmparser::ImportSectionReader<'data>,
    ) -> Result<(), CompileError> {
        for import in reader.into_imports_with_offsets() {
            let (offset, import) = import?;
            let offset = offset as usize;
            let module = &mut self.module;
            let (index, ty) = match import.ty {
                wasmparser::TypeRef::Func(ty) => {
                    let ty = TypeIndex::from_u32(ty);
                    module.num_imported_funcs += 1;
                    let f = module.functions.push(FunctionDecl { ty, func_ref: None });
                    (EntityIndex::Function(f), EntityType::Function(ty))
                }
                wasmparser::TypeRef::Table(ty) => {
                    let ty = convert::table_type(ty, offset)?;
                    module.num_imported_tables += 1;
                    (
                        EntityIndex::Table(module.tables.push(ty)),
                        EntityType::Table(ty),
                    )
                }
                wasmparser::TypeRef::Memory(ty) => {
                    let ty = convert::memory_type(ty, offset)?;
                    module.num_imported_memories += 1;
                    (
                        EntityIndex::Memory(module.memories.push(ty)),
                        EntityType::Memory(ty),
                    )
                }
                wasmparser::TypeRef::Global(ty) => {
                    let ty = convert::global_type(ty, offset)?;
                    module.num_imported_globals += 1;
                    (
                        EntityIndex::Global(module.globals.push(ty)),
                        EntityType::Global(ty),
                    )
                }
                wasmparser::TypeRef::Tag(tag) => {
                    let ty = TypeIndex::from_u32(tag.func_type_idx);
                    module.num_imported_tags += 1;
                    (EntityIndex::Tag(module.tags.push(ty)), EntityType::Tag(ty))
                }
                wasmparser::TypeRef::FuncExact(_) => {
                    return Err(CompileError::Unsupported {
                        feature: "exact-function imports",
                        offset,
                    });
                }
            };
            module.imports.push(Import {
                module: import.module.to_string(),
                field: import.name.to_string(),
                index,
                ty,
            });
        }
        Ok(())
    }

    fn tables(
        &mut self,
        reader: wasmparser::TableSectionReader<'data>,
    ) -> Result<(), CompileError> {
        for item in reader.into_iter_with_offsets() {
            let (offset, table) = item?;
            let offset = offset as usize;
            let init = match &table.init {
                wasmparser::TableInit::RefNull => None,
                wasmparser::TableInit::Expr(expr) => Some(ConstExpr::from_wasmparser(expr)?),
            };
            let ty = convert::table_type(table.ty, offset)?;
            self.module.tables.push(ty);
            self.module.table_inits.push(init);
        }
        Ok(())
    }

    fn globals(
        &mut self,
        reader: wasmparser::GlobalSectionReader<'data>,
    ) -> Result<(), CompileError> {
        for item in reader.into_iter_with_offsets() {
            let (offset, global) = item?;
            let offset = offset as usize;
            let ty = convert::global_type(global.ty, offset)?;
            self.module.globals.push(ty);
            let init = ConstExpr::from_wasmparser(&global.init_expr)?;
            self.module.global_inits.push(init);
        }
        Ok(())
    }

    fn exports(
        &mut self,
        reader: wasmparser::ExportSectionReader<'data>,
    ) -> Result<(), CompileError> {
        for item in reader.into_iter_with_offsets() {
            let (offset, export) = item?;
            let offset = offset as usize;
            let index = match export.kind {
                wasmparser::ExternalKind::Func => {
                    EntityIndex::Function(FuncIndex::from_u32(export.index))
                }
                wasmparser::ExternalKind::Table => {
                    EntityIndex::Table(TableIndex::from_u32(export.index))
                }
                wasmparser::ExternalKind::Memory => {
                    EntityIndex::Memory(MemoryIndex::from_u32(export.index))
                }
                wasmparser::ExternalKind::Global => {
                    EntityIndex::Global(GlobalIndex::from_u32(export.index))
                }
                wasmparser::ExternalKind::Tag => EntityIndex::Tag(TagIndex::from_u32(export.index)),
                wasmparser::ExternalKind::FuncExact => {
                    return Err(CompileError::Unsupported {
                        feature: "exact-function exports",
                        offset,
                    });
                }
            };
            self.module.push_export(Export {
                name: export.name.to_string(),
                index,
            });
        }
        Ok(())
    }

    fn elements(
        &mut self,
        reader: wasmparser::ElementSectionReader<'data>,
    ) -> Result<(), CompileError> {
        for item in reader.into_iter_with_offsets() {
            let (offset, element) = item?;
            let offset = offset as usize;
            let mode = match element.kind {
                wasmparser::ElementKind::Active {
                    table_index,
                    offset_expr,
                } => ElementMode::Active {
                    table: TableIndex::from_u32(table_index.unwrap_or(0)),
                    offset: ConstExpr::from_wasmparser(&offset_expr)?,
                },
                wasmparser::ElementKind::Passive => ElementMode::Passive,
                wasmparser::ElementKind::Declared => ElementMode::Declared,
            };
            let (ty, items) = match element.items {
                wasmparser::ElementItems::Functions(funcs) => {
                    let funcs = funcs
                        .into_iter()
                        .map(|f| f.map(FuncIndex::from_u32))
                        .collect::<Result<_, _>>()?;
                    (crate::RefType::FUNCREF, ElementItems::Functions(funcs))
                }
                wasmparser::ElementItems::Expressions(ty, exprs) => {
                    let ty = convert::ref_type(ty, offset)?;
                    let exprs = exprs
                        .into_iter()
                        .map(|e| ConstExpr::from_wasmparser(&e?))
                        .collect::<Result<_, _>>()?;
                    (ty, ElementItems::Expressions(exprs))
                }
            };
            self.module
                .elements
                .push(ElementSegment { mode, ty, items });
        }
        Ok(())
    }

    fn data(&mut self, reader: wasmparser::DataSectionReader<'data>) -> Result<(), CompileError> {
        for data in reader {
            let data = data?;
            let mode = match data.kind {
                wasmparser::DataKind::Active {
                    memory_index,
                    offset_expr,
                } => DataMode::Active {
                    memory: MemoryIndex::from_u32(memory_index),
                    offset: ConstExpr::from_wasmparser(&offset_expr)?,
                },
                wasmparser::DataKind::Passive => DataMode::Passive,
            };
            let bytes = &mut self.module.data_bytes;
            let start = bytes.len();
            bytes.extend_from_slice(data.data);
            let range = start..bytes.len();
            self.module.data.push(DataSegment { mode, range });
        }
        Ok(())
    }

    /// Reads what it can of the name section; a malformed one is ignored, as the spec
    /// requires for custom sections.
    fn names(&mut self, reader: wasmparser::NameSectionReader<'data>) {
        for name in reader.into_iter().map_while(Result::ok) {
            match name {
                wasmparser::Name::Module { name, .. } => {
                    self.module.names.module = Some(name.to_string());
                }
                wasmparser::Name::Function(map) => {
                    for naming in map.into_iter().map_while(Result::ok) {
                        self.module
                            .names
                            .functions
                            .insert(FuncIndex::from_u32(naming.index), naming.name);
                    }
                }
                _ => {}
            }
        }
    }
}

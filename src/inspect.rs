//! `tarn inspect FILE`: a summary of a module and its `VMContext` layout, computed with
//! `tarn-environ` alone (nothing is compiled).

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use environ::{
    ConstExpr, DataMode, ElementMode, EntityIndex, EntityType, Features, Module, VMOffsets,
};

const HELP: &str = "\
Usage: tarn inspect FILE

Prints a module's types, imports, exports, functions, tables, memories, globals, start
function, segment counts and the layout of its VMContext. FILE is a binary (.wasm) or
text (.wat) module. A malformed or invalid module prints one line with the offset and
reason, and exits with status 1.";

/// Runs the command with the arguments after `inspect`.
pub(crate) fn main(args: &[String]) -> ExitCode {
    match args {
        [flag] if flag == "--help" || flag == "-h" => {
            println!("{HELP}");
            ExitCode::SUCCESS
        }
        [file] => match inspect(Path::new(file)) {
            Ok(report) => {
                print!("{report}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{HELP}");
            ExitCode::from(2)
        }
    }
}

fn inspect(path: &Path) -> Result<String, String> {
    let wasm = crate::input::read_module(path)?;
    let translation = environ::translate_module(&wasm, Features::default())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(render(&translation.module, wasm.len()))
}

/// Renders the whole report.
fn render(module: &Module, size: usize) -> String {
    let mut out = String::new();
    let name = module.names.module.as_deref().unwrap_or("(unnamed)");
    let _ = writeln!(out, "module {name}: {size} bytes");
    render_types_and_imports(&mut out, module);
    render_entities(&mut out, module);
    render_segments(&mut out, module);
    render_layout(&mut out, &VMOffsets::for_host(module));
    out
}

fn render_types_and_imports(out: &mut String, module: &Module) {
    let _ = writeln!(out, "types: {}", module.types.len());
    for (index, ty) in module.types.iter() {
        let _ = writeln!(out, "  {index}: {ty}");
    }
    let _ = writeln!(out, "imports: {}", module.imports.len());
    for import in &module.imports {
        let ty = describe_type(module, &import.ty);
        let _ = writeln!(out, "  {}.{}: {ty}", import.module, import.field);
    }
    let _ = writeln!(out, "exports: {}", module.exports.len());
    for export in &module.exports {
        let ty = describe_type(module, &module.entity_type(export.index));
        let _ = writeln!(
            out,
            "  {}: {} {ty}",
            export.name,
            describe_index(export.index)
        );
    }
}

fn render_entities(out: &mut String, module: &Module) {
    let _ = writeln!(
        out,
        "functions: {} ({} imported, {} defined, {} escaping)",
        module.functions.len(),
        module.num_imported_funcs,
        module.num_defined_funcs(),
        module.num_escaped_funcs
    );
    let imported = |is_imported: bool| if is_imported { " imported" } else { "" };
    let _ = writeln!(out, "tables: {}", module.tables.len());
    for (index, table) in module.tables.iter() {
        let _ = writeln!(
            out,
            "  {index}: {table}{}",
            imported(module.is_imported_table(index))
        );
    }
    let _ = writeln!(out, "memories: {}", module.memories.len());
    for (index, memory) in module.memories.iter() {
        let _ = writeln!(
            out,
            "  {index}: {memory}{}",
            imported(module.is_imported_memory(index))
        );
    }
    let _ = writeln!(out, "globals: {}", module.globals.len());
    for (index, global) in module.globals.iter() {
        match module.defined_global_index(index) {
            None => {
                let _ = writeln!(out, "  {index}: {global} imported");
            }
            Some(defined) => {
                let init = describe_const(&module.global_inits[defined]);
                let _ = writeln!(out, "  {index}: {global} = {init}");
            }
        }
    }
    match module.start {
        Some(start) => {
            let _ = writeln!(out, "start: function {start}");
        }
        None => {
            let _ = writeln!(out, "start: none");
        }
    }
}

fn render_segments(out: &mut String, module: &Module) {
    let (mut active, mut passive, mut declared) = (0, 0, 0);
    for segment in module.elements.values() {
        match segment.mode {
            ElementMode::Active { .. } => active += 1,
            ElementMode::Passive => passive += 1,
            ElementMode::Declared => declared += 1,
        }
    }
    let _ = writeln!(
        out,
        "element segments: {} ({active} active, {passive} passive, {declared} declared)",
        module.elements.len()
    );
    let active = module
        .data
        .values()
        .filter(|d| matches!(d.mode, DataMode::Active { .. }))
        .count();
    let _ = writeln!(
        out,
        "data segments: {} ({active} active, {} passive, {} bytes)",
        module.data.len(),
        module.data.len() - active,
        module.data_bytes.len()
    );
}

fn render_layout(out: &mut String, offsets: &VMOffsets) {
    let _ = writeln!(
        out,
        "vmcontext: {} bytes ({}-byte pointers)",
        offsets.size_of_vmctx(),
        offsets.pointer_size()
    );
    let _ = writeln!(
        out,
        "  {:>8} {:>8} {:>6}  region",
        "offset", "size", "count"
    );
    for region in offsets.regions() {
        let _ = writeln!(
            out,
            "  {:>#8x} {:>8} {:>6}  {}",
            region.offset,
            region.size(),
            region.count,
            region.name
        );
    }
}

fn describe_index(index: EntityIndex) -> String {
    match index {
        EntityIndex::Function(i) => format!("function {i}"),
        EntityIndex::Table(i) => format!("table {i}"),
        EntityIndex::Memory(i) => format!("memory {i}"),
        EntityIndex::Global(i) => format!("global {i}"),
        EntityIndex::Tag(i) => format!("tag {i}"),
    }
}

fn describe_type(module: &Module, ty: &EntityType) -> String {
    match ty {
        EntityType::Function(index) => module.types[*index].to_string(),
        EntityType::Table(table) => table.to_string(),
        EntityType::Memory(memory) => memory.to_string(),
        EntityType::Global(global) => global.to_string(),
        EntityType::Tag(index) => format!("(tag {})", module.types[*index]),
    }
}

fn describe_const(expr: &ConstExpr) -> String {
    let ops: Vec<String> = expr.ops().iter().map(ToString::to_string).collect();
    ops.join(" ")
}

//! Tidy checks on the sources themselves, so conventions stay true as the code grows:
//! every Rust file says why it exists in a `//!` module doc, and every `unsafe` block has
//! a `// SAFETY:` comment just above it.

use std::path::{Path, PathBuf};

/// The folders whose Rust sources are checked.
const ROOTS: &[&str] = &[
    "crates",
    "src",
    "tests",
    "examples",
    "benches/src",
    "benches/benches",
];

/// What opens an unsafe block (spelled in two pieces so this file does not match it).
const UNSAFE_BLOCK: &str = concat!("unsafe", " {");

/// How many lines above an `unsafe` block its `// SAFETY:` comment may start.
const SAFETY_DISTANCE: usize = 8;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == "corpus" || name == "artifacts" {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ROOTS {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    files
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let files = sources();
    assert!(files.len() > 100, "found only {} files", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            !first.starts_with("//!")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` doc: {missing:#?}"
    );
}

#[test]
fn every_unsafe_block_has_a_safety_comment() {
    let mut missing = Vec::new();
    for path in sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if !code.contains(UNSAFE_BLOCK) {
                continue;
            }
            let from = i.saturating_sub(SAFETY_DISTANCE);
            if !lines[from..=i].iter().any(|l| l.contains("SAFETY:")) {
                missing.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "unsafe blocks without `// SAFETY:`: {missing:#?}"
    );
}

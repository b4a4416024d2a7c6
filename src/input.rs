//! Reading a module from a file given on the command line: binary `.wasm` or text `.wat`.

use std::path::Path;

/// Reads `path` and returns the module's binary encoding; text is converted with `wat`.
///
/// # Errors
///
/// A one-line message naming the file and what is wrong with it.
pub(crate) fn read_module(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    wat::parse_bytes(&bytes)
        .map(|wasm| wasm.into_owned())
        .map_err(|mut e| {
            e.set_path(path);
            // wat's messages span several lines (with a source snippet); keep the first.
            let message = e.to_string();
            message.lines().next().unwrap_or_default().to_string()
        })
}

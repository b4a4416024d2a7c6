//! Real-world modules for the lazy-compilation rows, taken from their npm packages on
//! first use (never committed): `npm pack` into `benches/target/npm/`, then `tar`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A module inside an npm package.
#[derive(Clone, Copy, Debug)]
pub struct NpmModule {
    /// Package name.
    pub package: &'static str,
    /// Exact version, so every run measures the same bytes.
    pub version: &'static str,
    /// The module's path inside the package.
    pub path: &'static str,
}

/// esbuild compiled to wasm by Go (14 MB, 5307 functions).
pub const ESBUILD: NpmModule = NpmModule {
    package: "esbuild-wasm",
    version: "0.28.2",
    path: "esbuild.wasm",
};

/// SQLite compiled by Emscripten (688 KB, 1970 functions).
pub const SQL_JS: NpmModule = NpmModule {
    package: "sql.js",
    version: "1.17.0",
    path: "dist/sql-wasm.wasm",
};

impl NpmModule {
    /// The module's bytes, downloaded and unpacked once.
    ///
    /// # Errors
    ///
    /// A message when npm or tar is missing or fails (the row is then skipped).
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let dir = cache_dir().join(format!("{}-{}", self.package, self.version));
        let file = dir.join("package").join(self.path);
        if !file.exists() {
            fetch(self, &dir)?;
        }
        std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
    }
}

fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/npm")
}

fn fetch(module: &NpmModule, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let spec = format!("{}@{}", module.package, module.version);
    let packed = Command::new("npm")
        .args(["pack", "--silent", &spec, "--pack-destination"])
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if !packed.status.success() {
        return Err(format!(
            "npm pack {spec} failed: {}",
            String::from_utf8_lossy(&packed.stderr)
        ));
    }
    let tarball = String::from_utf8_lossy(&packed.stdout).trim().to_owned();
    let unpacked = Command::new("tar")
        .arg("xzf")
        .arg(dir.join(&tarball))
        .arg("-C")
        .arg(dir)
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !unpacked.success() {
        return Err(format!("tar could not unpack {tarball}"));
    }
    Ok(())
}

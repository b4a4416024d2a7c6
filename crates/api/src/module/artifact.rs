//! Ahead-of-time artifacts: a compiled module written to bytes by
//! [`Module::serialize`] or [`Engine::precompile_module`], and loaded back without
//! compiling by the unsafe [`Module::deserialize`] and [`Module::deserialize_file`].
//!
//! Layout, all integers little-endian:
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `\0tarnaot` |
//! | 4 | format version ([`FORMAT_VERSION`]) |
//! | 8 | checksum of everything after it ([`environ::checksum`]) |
//! | … | header: Tarn's version, target triple, Cranelift settings, proposals, tunables |
//! | … | metadata: the module and its code's metadata (`environ`'s codec) |
//! | 8 + 8 | offset and length of the text section |
//! | … | zero padding to a page boundary, then the text section |
//!
//! A loader checks, in order, the magic, the format version, the length, the checksum
//! (so a truncated or corrupted file is rejected before anything is decoded), then every
//! header field against its engine (naming the first that differs), then decodes the
//! metadata; only then is the code copied into memory and made executable.
#![expect(
    unsafe_code,
    reason = "loading an artifact trusts its code, which the unsafe entry points state"
)]

use std::path::Path;
use std::sync::Arc;

use environ::{CompiledModuleInfo, Decode, Reader, Writer};

use super::Module;
use crate::engine::Engine;
use crate::error::{Error, Result};

/// The first bytes of every artifact.
const MAGIC: &[u8; 8] = b"\0tarnaot";

/// The version of the layout above; bumped whenever it, the metadata encoding or the
/// `VMContext` layout compiled code assumes changes (2: the lazy code table pointer).
pub(crate) const FORMAT_VERSION: u32 = 2;

/// Where the checksummed part starts: after the magic, the version and the checksum.
const CHECKSUMMED: usize = 8 + 4 + 8;

/// The text section starts at a multiple of this, so it could be mapped from the file.
const TEXT_ALIGN: usize = 4096;

/// What code in an artifact was compiled for; it must match the loading engine.
#[derive(Debug, PartialEq, Eq)]
struct Header {
    tarn_version: String,
    target: String,
    cranelift: Vec<String>,
    proposals: Vec<(String, bool)>,
    tunables: Vec<(String, String)>,
}

impl Header {
    fn of(engine: &Engine) -> Self {
        let config = engine.config();
        let compiler = engine.compiler();
        Self {
            tarn_version: env!("CARGO_PKG_VERSION").to_owned(),
            target: compiler.target(),
            cranelift: compiler.flags_description(),
            proposals: environ::Features::NAMES
                .iter()
                .map(|&name| (name.to_owned(), config.features.get(name) == Some(true)))
                .collect(),
            tunables: config
                .tunables
                .describe()
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        }
    }

    fn encode(&self, w: &mut Writer) {
        w.put(&self.tarn_version)
            .put(&self.target)
            .put(&self.cranelift)
            .put(&self.proposals)
            .put(&self.tunables);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, environ::DecodeError> {
        Ok(Self {
            tarn_version: r.get()?,
            target: r.get()?,
            cranelift: r.get()?,
            proposals: r.get()?,
            tunables: r.get()?,
        })
    }

    /// Why code with this header cannot run on an engine with header `engine`: the first
    /// field that differs, named.
    fn mismatch(&self, engine: &Header) -> Option<String> {
        if self.tarn_version != engine.tarn_version {
            return Some(format!(
                "it was compiled by Tarn {}, this is Tarn {}",
                self.tarn_version, engine.tarn_version
            ));
        }
        if self.target != engine.target {
            return Some(format!(
                "it was compiled for {}, this engine compiles for {}",
                self.target, engine.target
            ));
        }
        if let Some(setting) = first_difference(&self.cranelift, &engine.cranelift) {
            return Some(format!("the Cranelift setting {setting}"));
        }
        for (name, on) in &self.proposals {
            let here = engine
                .proposals
                .iter()
                .find(|(n, _)| n == name)
                .map(|p| p.1);
            if here != Some(*on) {
                let state = |on: bool| if on { "on" } else { "off" };
                return Some(match here {
                    Some(here) => format!(
                        "the proposal `{name}` is {} in it but {} in this engine",
                        state(*on),
                        state(here)
                    ),
                    None => format!("it uses the proposal `{name}`, unknown to this engine"),
                });
            }
        }
        if self.proposals.len() != engine.proposals.len() {
            return Some("it knows other proposals than this engine".into());
        }
        for ((name, value), (_, here)) in self.tunables.iter().zip(&engine.tunables) {
            if value != here {
                return Some(format!(
                    "the setting `{name}` is {value} in it but {here} in this engine"
                ));
            }
        }
        if self.tunables.len() != engine.tunables.len() {
            return Some("it has other settings than this engine".into());
        }
        None
    }
}

/// The first `name=value` setting of `artifact` that `engine` does not have, described.
fn first_difference(artifact: &[String], engine: &[String]) -> Option<String> {
    for setting in artifact {
        if !engine.contains(setting) {
            let name = setting.split('=').next().unwrap_or(setting);
            let here = engine
                .iter()
                .find(|s| s.split('=').next() == Some(name))
                .map_or("unset", String::as_str);
            return Some(format!(
                "`{setting}` of the artifact is `{here}` in this engine"
            ));
        }
    }
    engine
        .iter()
        .find(|s| !artifact.contains(s))
        .map(|setting| format!("`{setting}` of this engine is missing from the artifact"))
}

/// Writes an artifact of a compiled module.
pub(crate) fn serialize(
    engine: &Engine,
    module: &environ::Module,
    info: &CompiledModuleInfo,
    text: &[u8],
) -> Vec<u8> {
    let mut w = Writer::new();
    Header::of(engine).encode(&mut w);
    w.put(module).put(info);
    let body = w.into_bytes();
    // Offsets are from the start of the artifact; the two `u64`s follow the body.
    let text_offset = (CHECKSUMMED + body.len() + 16).next_multiple_of(TEXT_ALIGN);
    let mut bytes = Vec::with_capacity(text_offset + text.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&[0; 8]);
    bytes.extend_from_slice(&body);
    bytes.extend_from_slice(&(text_offset as u64).to_le_bytes());
    bytes.extend_from_slice(&(text.len() as u64).to_le_bytes());
    bytes.resize(text_offset, 0);
    bytes.extend_from_slice(text);
    let checksum = environ::checksum(&bytes[CHECKSUMMED..]);
    bytes[12..CHECKSUMMED].copy_from_slice(&checksum.to_le_bytes());
    bytes
}

fn rejected(why: impl core::fmt::Display) -> Error {
    Error::msg(format!("cannot load precompiled module: {why}"))
}

/// An artifact whose magic, version, length, checksum and header were checked and
/// whose metadata decoded.
struct Checked<'a> {
    module: environ::Module,
    info: CompiledModuleInfo,
    text: &'a [u8],
}

fn check<'a>(engine: &Engine, bytes: &'a [u8]) -> Result<Checked<'a>> {
    if bytes.len() < CHECKSUMMED || &bytes[..8] != MAGIC {
        let what = if bytes.starts_with(b"\0asm") {
            "it is a WebAssembly module, not a precompiled one".to_owned()
        } else {
            "it is not a Tarn artifact (bad magic number)".to_owned()
        };
        return Err(rejected(what));
    }
    let mut version = [0; 4];
    version.copy_from_slice(&bytes[8..12]);
    let version = u32::from_le_bytes(version);
    if version != FORMAT_VERSION {
        return Err(rejected(format!(
            "its format version is {version}, this Tarn reads version {FORMAT_VERSION}"
        )));
    }
    let mut stored = [0; 8];
    stored.copy_from_slice(&bytes[12..CHECKSUMMED]);
    if u64::from_le_bytes(stored) != environ::checksum(&bytes[CHECKSUMMED..]) {
        return Err(rejected(
            "its checksum does not match: it is truncated or corrupted",
        ));
    }
    let mut r = Reader::new(&bytes[CHECKSUMMED..]);
    let header = Header::decode(&mut r).map_err(rejected)?;
    if let Some(why) = header.mismatch(&Header::of(engine)) {
        return Err(rejected(format!("incompatible with this engine: {why}")));
    }
    let module = environ::Module::decode(&mut r).map_err(rejected)?;
    let info = CompiledModuleInfo::decode(&mut r).map_err(rejected)?;
    let text_offset: usize = r.get().map_err(rejected)?;
    let text_len: usize = r.get().map_err(rejected)?;
    let text = text_offset
        .checked_add(text_len)
        .and_then(|end| bytes.get(text_offset..end))
        .ok_or_else(|| rejected("its text section lies outside the file"))?;
    if info.functions.len() != module.num_defined_funcs() {
        return Err(rejected(format!(
            "its code has {} functions but its module defines {}",
            info.functions.len(),
            module.num_defined_funcs()
        )));
    }
    Ok(Checked { module, info, text })
}

impl Module {
    /// Writes this module's compiled code and metadata as an artifact that
    /// [`Module::deserialize`] loads without compiling, on an engine with the same
    /// settings and Tarn version.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        // An artifact holds every function: a lazily compiled module is compiled whole.
        if let Some(lazy) = self.lazy() {
            return self.engine().precompile_module(lazy.wasm());
        }
        let code = self.code();
        Ok(serialize(
            self.engine(),
            self.env(),
            code.info(),
            code.text(),
        ))
    }

    /// Loads a module from an artifact made by [`Module::serialize`] or
    /// [`Engine::precompile_module`].
    ///
    /// # Errors
    ///
    /// When `bytes` are not an artifact, are truncated or corrupted, or were made by
    /// another Tarn version or for another target, Cranelift setting, proposal set or
    /// memory setting than `engine`'s (the message names which); all before any code is
    /// made executable.
    ///
    /// # Safety
    ///
    /// The bytes are trusted to be what Tarn wrote: their code is run as it is, so an
    /// artifact from an untrusted source (or edited so that its checksum still matches)
    /// can do anything the host process can.
    pub unsafe fn deserialize(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let Checked { module, info, text } = check(engine, bytes.as_ref())?;
        Module::from_compiled(engine, module, text, Arc::new(info), None)
    }

    /// Loads a module from an artifact file, mapping it instead of reading it into a
    /// buffer.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or mapped, and as for [`Module::deserialize`].
    ///
    /// # Safety
    ///
    /// As for [`Module::deserialize`]; in addition the file must not change while it is
    /// loaded.
    pub unsafe fn deserialize_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let mapped = vm::MappedFile::open(path)
            .map_err(|e| Error::msg(format!("cannot read {}: {e}", path.display())))?;
        let Checked { module, info, text } = check(engine, mapped.bytes())?;
        Module::from_compiled(engine, module, text, Arc::new(info), None)
    }
}

impl Engine {
    /// Compiles `bytes` (binary or text format) into an artifact that
    /// [`Module::deserialize`] loads on an engine with the same settings, without
    /// keeping a module in this one.
    ///
    /// # Errors
    ///
    /// As for [`Module::new`].
    pub fn precompile_module(&self, bytes: impl AsRef<[u8]>) -> Result<Vec<u8>> {
        let wasm = super::to_binary(bytes.as_ref())?;
        let translation = environ::translate_module(&wasm, self.config().features)?;
        let compiled = self.compiler().compile_module(translation)?;
        Ok(serialize(
            self,
            &compiled.module,
            &compiled.info,
            &compiled.text,
        ))
    }

    /// Whether `bytes` start like an artifact of [`Engine::precompile_module`] (checked
    /// no further).
    pub fn is_precompiled(bytes: &[u8]) -> bool {
        bytes.starts_with(MAGIC)
    }
}

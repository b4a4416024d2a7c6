//! `Engine`: the compiler and settings shared by every module and store that use it, and the
//! engine-wide interning of function signatures that makes `call_indirect`'s signature
//! check one integer comparison.

use core::ptr::NonNull;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::config::Config;
use crate::error::Result;

/// A compilation and execution environment: settings, a compiler for the host, the
/// registry of function signatures, and the epoch counter. Cheap to clone; shared by
/// stores and modules, and usable from any thread.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    config: Config,
    compiler: jit::Compiler,
    signatures: SignatureRegistry,
    epoch: AtomicU64,
    /// Wasm-to-array trampolines for host functions, one per signature id, compiled on
    /// first use and kept for the engine's life.
    host_trampolines: Mutex<HashMap<u32, vm::CodeMemory>>,
}

impl Engine {
    /// An engine with the given settings.
    ///
    /// # Errors
    ///
    /// If Cranelift does not support this host.
    pub fn new(config: &Config) -> Result<Self> {
        let compiler = jit::Compiler::new(config.tunables.clone(), config.opt_level)?
            .with_parallel_compilation(config.parallel_compilation);
        Ok(Self {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                compiler,
                signatures: SignatureRegistry::default(),
                epoch: AtomicU64::new(0),
                host_trampolines: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The settings this engine was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Advances the epoch by one. Stores whose epoch deadline this reaches trap with
    /// `Interrupt` at the next function entry or loop header (with epoch interruption on).
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::Release);
    }

    /// Whether two handles are the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    pub(crate) fn compiler(&self) -> &jit::Compiler {
        &self.inner.compiler
    }

    pub(crate) fn signatures(&self) -> &SignatureRegistry {
        &self.inner.signatures
    }

    pub(crate) fn epoch_counter(&self) -> &AtomicU64 {
        &self.inner.epoch
    }

    pub(crate) fn current_epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Acquire)
    }

    /// The wasm-to-array trampoline for host functions of signature `type_index`, which
    /// lives as long as the engine.
    ///
    /// # Errors
    ///
    /// If the signature is unknown or the trampoline cannot be compiled or published.
    pub(crate) fn host_trampoline(
        &self,
        type_index: u32,
    ) -> Result<NonNull<vm::VMWasmCallFunction>> {
        let mut trampolines = self
            .inner
            .host_trampolines
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(code) = trampolines.get(&type_index) {
            return Ok(trampoline_entry(code));
        }
        let ty = self
            .signatures()
            .lookup(type_index)
            .ok_or_else(|| crate::Error::msg(format!("unknown signature id {type_index}")))?;
        let bytes = self.compiler().compile_wasm_to_array_trampoline(&ty)?;
        let code =
            vm::CodeMemory::publish(&bytes, Arc::new(environ::CompiledModuleInfo::default()))?;
        let entry = trampoline_entry(&code);
        trampolines.insert(type_index, code);
        Ok(entry)
    }
}

/// The entry of a standalone trampoline: the first byte of its code.
fn trampoline_entry(code: &vm::CodeMemory) -> NonNull<vm::VMWasmCallFunction> {
    NonNull::new(code.text_start() as *mut vm::VMWasmCallFunction)
        .expect("published code is never at address zero")
}

impl Default for Engine {
    /// An engine with the default settings.
    ///
    /// # Panics
    ///
    /// If Cranelift does not support this host.
    fn default() -> Self {
        Self::new(&Config::default()).expect("Cranelift supports this host")
    }
}

impl core::fmt::Debug for Engine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

/// Engine-wide ids for function signatures: structurally equal signatures get equal ids,
/// so compiled code compares ids instead of types. Ids are never freed; a program has few
/// distinct signatures.
#[derive(Default)]
pub(crate) struct SignatureRegistry {
    inner: RwLock<SignatureTable>,
}

#[derive(Default)]
struct SignatureTable {
    ids: HashMap<environ::FuncType, u32>,
    types: Vec<environ::FuncType>,
}

impl SignatureRegistry {
    /// The id of `ty`, assigning one on first sight.
    pub(crate) fn intern(&self, ty: &environ::FuncType) -> u32 {
        if let Some(&id) = self.read().ids.get(ty) {
            return id;
        }
        let mut table = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = table.ids.get(ty) {
            return id;
        }
        let id = u32::try_from(table.types.len()).expect("fewer than 2^32 signatures");
        table.types.push(ty.clone());
        table.ids.insert(ty.clone(), id);
        id
    }

    /// The signature with id `id`.
    pub(crate) fn lookup(&self, id: u32) -> Option<environ::FuncType> {
        self.read().types.get(id as usize).cloned()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, SignatureTable> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use environ::{FuncType, WasmValType};

    #[test]
    fn equal_signatures_share_an_id() {
        let registry = SignatureRegistry::default();
        let a = FuncType::new([WasmValType::I32], [WasmValType::I64]);
        let b = FuncType::new([WasmValType::I64], []);
        let id_a = registry.intern(&a);
        let id_b = registry.intern(&b);
        assert_ne!(id_a, id_b);
        assert_eq!(registry.intern(&a.clone()), id_a);
        assert_eq!(registry.lookup(id_b), Some(b));
        assert_eq!(registry.lookup(99), None);
    }

    #[test]
    fn engines_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
    }
}

//! `Engine`: the compiler and settings shared by every module and store that use it, the
//! engine-wide signature registry (`signatures.rs`) and the epoch counter.

use core::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

mod background;

pub(crate) use background::BackgroundCompiler;

use crate::config::{CompilationStrategy, Config, InstanceAllocationStrategy};
use crate::error::{Error, Result};
use crate::signatures::SignatureRegistry;

/// A compilation and execution environment: settings, a compiler for the host, the
/// registry of function signatures, and the epoch counter. Cheap to clone; shared by
/// stores and modules, and usable from any thread.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    config: Config,
    allocator: Box<dyn vm::InstanceAllocator + Send + Sync>,
    compiler: jit::Compiler,
    signatures: Arc<SignatureRegistry>,
    epoch: AtomicU64,
    /// Finishes lazily compiled modules (`None` when compilation is eager or the
    /// background is switched off).
    background: Option<Arc<BackgroundCompiler>>,
}

impl Drop for EngineInner {
    fn drop(&mut self) {
        if let Some(background) = &self.background {
            background.shut_down();
        }
    }
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
        let allocator: Box<dyn vm::InstanceAllocator + Send + Sync> = match &config
            .allocation_strategy
        {
            InstanceAllocationStrategy::OnDemand => Box::new(vm::OnDemandInstanceAllocator),
            InstanceAllocationStrategy::Pooling(pooling) => Box::new(
                vm::PoolingInstanceAllocator::new(pooling.to_vm(), &config.tunables)
                    .map_err(|e| Error::msg(format!("cannot set up the pooling allocator: {e}")))?,
            ),
        };
        let background = (config.compilation_strategy == CompilationStrategy::Lazy
            && config.background_compilation_threads > 0)
            .then(|| BackgroundCompiler::new(config.background_compilation_threads));
        Ok(Self {
            inner: Arc::new(EngineInner {
                background,
                allocator,
                config: config.clone(),
                compiler,
                signatures: Arc::default(),
                epoch: AtomicU64::new(0),
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

    /// The allocator of this engine's instances.
    pub(crate) fn allocator(&self) -> &(dyn vm::InstanceAllocator + Send + Sync) {
        &*self.inner.allocator
    }

    pub(crate) fn compiler(&self) -> &jit::Compiler {
        &self.inner.compiler
    }

    /// The background compiler of lazily compiled modules, if it is on.
    pub(crate) fn background(&self) -> Option<&Arc<BackgroundCompiler>> {
        self.inner.background.as_ref()
    }

    pub(crate) fn signatures(&self) -> &Arc<SignatureRegistry> {
        &self.inner.signatures
    }

    /// How many distinct function signatures the engine holds ids for: those of its live
    /// modules and host functions. It returns to its earlier level when modules drop,
    /// which is what a long-running embedder needs; exposed for its tests and metrics.
    pub fn registered_signatures(&self) -> usize {
        self.inner.signatures.len()
    }

    pub(crate) fn epoch_counter(&self) -> &AtomicU64 {
        &self.inner.epoch
    }

    pub(crate) fn current_epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Acquire)
    }

    /// The wasm-to-array trampoline for host functions of registered signature
    /// `type_index`; it lives as long as the signature's registrations.
    ///
    /// # Errors
    ///
    /// If the signature is unknown or the trampoline cannot be compiled or published.
    pub(crate) fn host_trampoline(
        &self,
        type_index: u32,
    ) -> Result<NonNull<vm::VMWasmCallFunction>> {
        self.signatures().trampoline(type_index, |ty| {
            let bytes = self.compiler().compile_wasm_to_array_trampoline(ty)?;
            Ok(vm::CodeMemory::publish(
                &bytes,
                Arc::new(environ::CompiledModuleInfo::default()),
            )?)
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
    }
}

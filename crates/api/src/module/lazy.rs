//! A lazily compiled module's functions (see [`CompilationStrategy::Lazy`]): its bytes,
//! where each body lies, the vm's code table, and the sections of code compiled so far.
//!
//! A function is compiled by whichever comes first: its first call (the stub calls the
//! `LazyCompile` builtin, which lands in [`LazyFunctions::compile`] on the calling
//! thread), or the engine's background threads, which take batches in
//! [`LazyFunctions::next_batch`] order: callees of the functions compiled so far
//! first, then the rest by index. Two threads may compile the same function at
//! once; the vm's table keeps the first installation and both run it.
//!
//! [`CompilationStrategy::Lazy`]: crate::CompilationStrategy::Lazy
#![expect(
    unsafe_code,
    reason = "installing code in the table that running instances call through"
)]

use core::ptr::NonNull;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use environ::{DefinedFuncIndex, EntityVec};
use vm::{CodeMemory, LazyCodeTable, VMWasmCallFunction};

use crate::engine::Engine;

/// At most this many functions compile together in the background, into one section.
const BATCH_FUNCTIONS: usize = 64;
/// ... or this many bytes of bodies, whichever comes first.
const BATCH_BYTES: usize = 64 << 10;

/// The lazily compiled side of a module.
pub(crate) struct LazyFunctions {
    engine: Engine,
    env: Arc<environ::Module>,
    wasm: Arc<[u8]>,
    bodies: EntityVec<DefinedFuncIndex, jit::LazyBody>,
    table: LazyCodeTable,
    /// The start of the module's first section, which backtraces name the module by.
    origin: usize,
    /// The address of each builtin's trampoline in the first section, by index.
    builtin_trampolines: Box<[u64]>,
    /// Every section holding installed code; kept as long as instances may call it.
    sections: Mutex<Vec<CodeMemory>>,
    /// What the background compiles next.
    pending: Mutex<Pending>,
    /// Whether the module was handed to the background threads.
    submitted: AtomicBool,
}

/// The background's order of work.
#[derive(Default)]
struct Pending {
    /// Callees of compiled functions, most recent first.
    hot: VecDeque<DefinedFuncIndex>,
    /// The next function by index.
    next: u32,
}

impl core::fmt::Debug for LazyFunctions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LazyFunctions")
            .field("functions", &self.table.len())
            .finish_non_exhaustive()
    }
}

impl LazyFunctions {
    /// The lazy side of a module whose first section (stubs and trampolines) is
    /// published as `first`.
    pub(crate) fn new(
        engine: &Engine,
        env: Arc<environ::Module>,
        wasm: Arc<[u8]>,
        prepared_bodies: EntityVec<DefinedFuncIndex, jit::LazyBody>,
        builtin_trampolines: &[u32],
        first: &CodeMemory,
    ) -> Self {
        let origin = first.text_start();
        let stubs = prepared_bodies
            .keys()
            .filter_map(|func| first.wasm_call(func));
        Self {
            table: LazyCodeTable::new(stubs),
            engine: engine.clone(),
            env,
            wasm,
            bodies: prepared_bodies,
            origin,
            builtin_trampolines: builtin_trampolines
                .iter()
                .map(|&offset| (origin + offset as usize) as u64)
                .collect(),
            sections: Mutex::default(),
            pending: Mutex::default(),
            submitted: AtomicBool::new(false),
        }
    }

    /// The module's binary encoding.
    pub(crate) fn wasm(&self) -> &[u8] {
        &self.wasm
    }

    /// How many functions are compiled so far.
    pub(crate) fn compiled_count(&self) -> usize {
        self.bodies
            .keys()
            .filter(|&func| self.table.compiled(func).is_some())
            .count()
    }

    /// Hands the module to the engine's background threads, once.
    pub(crate) fn start_background(self: &Arc<Self>) {
        // A plain load first: every instantiation asks, and only the first may swap.
        if self.submitted.load(Ordering::Relaxed) || self.submitted.swap(true, Ordering::Relaxed) {
            return;
        }
        if let Some(background) = self.engine.background() {
            background.submit(Arc::downgrade(self));
        }
    }

    /// Compiles `funcs` into one section, publishes it and installs each function that
    /// no other thread installed first.
    ///
    /// # Errors
    ///
    /// A message naming the failure, when Cranelift rejects a body or publishing fails.
    pub(crate) fn compile_batch(&self, funcs: &[DefinedFuncIndex]) -> Result<(), String> {
        let bodies: Vec<_> = funcs.iter().map(|&f| (f, &self.bodies[f])).collect();
        let code = self
            .engine
            .compiler()
            .compile_lazy(&self.env, &self.wasm, &bodies, &self.builtin_trampolines)
            .map_err(|e| format!("lazy compilation failed: {e}"))?;
        let callees = code.callees;
        let section = CodeMemory::publish_lazy(
            &code.text,
            Arc::new(code.info),
            self.origin,
            code.funcs.into_boxed_slice(),
        )
        .map_err(|e| format!("lazy compilation failed: {e}"))?;
        let mut installed_any = false;
        for (position, &func) in funcs.iter().enumerate() {
            let Some(entry) = section.wasm_call(DefinedFuncIndex::from_u32(position as u32)) else {
                continue;
            };
            // SAFETY: `entry` is `func`'s body, compiled by this engine for this module
            // with the wasm calling convention and published in `section`, which is kept
            // in `self.sections` below for as long as the table lives.
            if let Some((_, installed)) = unsafe { self.table.install(func, entry) } {
                installed_any |= installed;
            }
        }
        if installed_any {
            self.sections
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(section);
        }
        if !callees.is_empty() {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            for &callee in callees.iter().rev() {
                if self.table.compiled(callee).is_none() {
                    pending.hot.push_front(callee);
                }
            }
        }
        Ok(())
    }

    /// The next functions for the background to compile, none when every function
    /// has been taken once (one that failed to compile there is left to its first call,
    /// which reports the failure).
    pub(crate) fn next_batch(&self) -> Vec<DefinedFuncIndex> {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let mut batch = Vec::new();
        let mut bytes = 0;
        while batch.len() < BATCH_FUNCTIONS && bytes < BATCH_BYTES {
            let func = match pending.hot.pop_front() {
                Some(func) => func,
                None if (pending.next as usize) < self.bodies.len() => {
                    pending.next += 1;
                    DefinedFuncIndex::from_u32(pending.next - 1)
                }
                None => break,
            };
            if self.table.compiled(func).is_some() || batch.contains(&func) {
                continue;
            }
            bytes += self.bodies[func].len();
            batch.push(func);
        }
        batch
    }
}

impl vm::LazyCompiler for LazyFunctions {
    fn table(&self) -> &LazyCodeTable {
        &self.table
    }

    fn compile(&self, func: DefinedFuncIndex) -> Result<NonNull<VMWasmCallFunction>, String> {
        if let Some(code) = self.table.compiled(func) {
            return Ok(code);
        }
        if func.as_u32() as usize >= self.bodies.len() {
            let defined = self.bodies.len();
            return Err(format!(
                "no defined function {func} to compile: the module defines {defined}"
            ));
        }
        self.compile_batch(&[func])?;
        self.table
            .compiled(func)
            .ok_or_else(|| format!("function {func} was compiled but not installed"))
    }
}

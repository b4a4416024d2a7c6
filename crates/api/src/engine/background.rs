//! The engine's background compilation threads: they finish compiling lazily compiled
//! modules after their first instantiation, so a long-running program ends up fully
//! compiled without having waited for it.
//!
//! Modules wait in one queue as weak references: a module dropped while it waits, or
//! while one of its batches compiles (the worker holds it only for that batch), is
//! simply skipped. Each worker takes a module, compiles one batch of it and puts it
//! back at the end of the queue, so several modules progress together. Threads start
//! with the first module, up to the configured number, and end with the engine.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};

use crate::module::LazyFunctions;

/// The background compiler of one engine.
pub(crate) struct BackgroundCompiler {
    max_threads: usize,
    state: Mutex<State>,
    work: Condvar,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Weak<LazyFunctions>>,
    threads: usize,
    shut_down: bool,
}

impl BackgroundCompiler {
    /// A background compiler with up to `max_threads` threads (at least one).
    pub(crate) fn new(max_threads: usize) -> Arc<Self> {
        Arc::new(Self {
            max_threads: max_threads.max(1),
            state: Mutex::default(),
            work: Condvar::new(),
        })
    }

    /// Queues a module's remaining functions.
    pub(crate) fn submit(self: &Arc<Self>, module: Weak<LazyFunctions>) {
        let mut state = self.lock();
        if state.shut_down {
            return;
        }
        state.queue.push_back(module);
        if state.threads < self.max_threads.min(state.queue.len()) {
            let this = Arc::clone(self);
            let spawned = std::thread::Builder::new()
                .name("tarn-background-compile".into())
                .spawn(move || this.run());
            // Without a thread the work is left to first calls, which compile anyway.
            if spawned.is_ok() {
                state.threads += 1;
            }
        }
        self.work.notify_one();
    }

    /// Stops every thread after its current batch.
    pub(crate) fn shut_down(&self) {
        let mut state = self.lock();
        state.shut_down = true;
        state.queue.clear();
        self.work.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A worker: compiles batches until the engine is dropped.
    fn run(&self) {
        loop {
            let Some(module) = self.next_module() else {
                return;
            };
            let Some(module) = module.upgrade() else {
                continue;
            };
            let batch = module.next_batch();
            if batch.is_empty() {
                continue;
            }
            // A failure is reported by the function's first call instead.
            let _ = module.compile_batch(&batch);
            let mut state = self.lock();
            if !state.shut_down {
                state.queue.push_back(Arc::downgrade(&module));
            }
            drop(state);
            // The module may be the last reference to the engine, whose drop shuts
            // this compiler down: release it outside the lock.
            drop(module);
        }
    }

    /// Waits for a queued module; `None` once shut down.
    fn next_module(&self) -> Option<Weak<LazyFunctions>> {
        let mut state = self.lock();
        loop {
            if state.shut_down {
                state.threads -= 1;
                return None;
            }
            if let Some(module) = state.queue.pop_front() {
                return Some(module);
            }
            state = self
                .work
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

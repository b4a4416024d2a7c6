//! What the vm asks of the embedder's store: whether memories and tables may grow
//! ([`ResourceLimiter`]) and what to do when fuel or the epoch deadline runs out
//! ([`StoreHooks`]). The API implements both for its `Store<T>`.

/// An error from the embedder, passed through wasm frames unchanged.
pub type HostError = crate::Error;

/// Decides whether a memory or table may grow, like Wasmtime's trait of the same name; the
/// API re-exports it as `tarn::ResourceLimiter` and installs it with `Store::limiter`.
///
/// Each method returns `Ok(true)` to allow, `Ok(false)` to deny (the grow instruction
/// returns -1, or instantiation fails) or `Err` to trap with that error, which the call
/// into wasm then returns.
pub trait ResourceLimiter {
    /// A memory wants to grow from `current` to `desired` bytes; `maximum` is its type's
    /// limit, if any. Also called with `current == 0` when a memory is created.
    ///
    /// # Errors
    ///
    /// An error traps the wasm code that asked to grow.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, HostError>;

    /// A table wants to grow from `current` to `desired` elements; `maximum` is its
    /// type's limit, if any. Also called with `current == 0` when a table is created.
    ///
    /// # Errors
    ///
    /// An error traps the wasm code that asked to grow.
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, HostError>;
}

/// The store as libcalls see it.
pub trait StoreHooks {
    /// The store's resource limiter, if it has one.
    fn limiter(&mut self) -> Option<&mut dyn ResourceLimiter>;

    /// Fuel ran out. Return `Ok(true)` after refuelling (by lowering
    /// `VMStoreContext::fuel_consumed`), `Ok(false)` to trap with `OutOfFuel`.
    ///
    /// # Errors
    ///
    /// An error traps with that error.
    fn out_of_gas(&mut self) -> Result<bool, HostError>;

    /// The epoch deadline passed. Return `Ok(true)` after moving
    /// `VMStoreContext::epoch_deadline`, `Ok(false)` to trap with `Interrupt`.
    ///
    /// # Errors
    ///
    /// An error traps with that error.
    fn new_epoch(&mut self) -> Result<bool, HostError>;
}

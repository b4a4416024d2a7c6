//! The two engines the oracles drive, behind one small interface: instantiate a module,
//! list its exports, call a function, and read back the state it left.

pub mod reference;
pub mod tarn;

pub use self::reference::WasmiInstance;
pub use self::tarn::{Fuel, TarnConfig, TarnInstance};

/// The most bytes a memory may grow to in either engine. Without a common limit an
/// unbounded `memory.grow` would succeed in one engine and fail in the other depending on
/// the host, and snapshots would copy gigabytes.
pub const MEMORY_LIMIT_BYTES: usize = 64 << 16;

/// The most elements a table may grow to in either engine.
pub const TABLE_LIMIT_ELEMENTS: usize = 10_000;

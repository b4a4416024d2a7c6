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

/// Tarn's stack budget in the oracles: far more than generated code needs (its calls
/// nest at most [`TERMINATION_FUEL`](crate::generators::TERMINATION_FUEL) deep), so a
/// stack overflow in Tarn is a finding unless wasmi, whose own limit is 1000 frames,
/// overflowed too. The thread running an oracle needs a stack larger than this; the
/// smoke test gives it one, and Tarn clamps the budget to what the thread has.
pub const STACK_BUDGET_BYTES: usize = 16 << 20;

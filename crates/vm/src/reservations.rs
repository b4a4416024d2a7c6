//! The address ranges of every linear memory's reservation (accessible part, the rest of
//! the reservation and the guard), process-wide. The fault resume point asks it whether
//! a memory fault at a heap-access trap site really hit one of Tarn's memories: a fault
//! anywhere else means compiled code computed a wild address, a bug that must not be
//! reported as an ordinary out-of-bounds trap.

use std::collections::BTreeMap;
use std::sync::{PoisonError, RwLock};

/// Reservation end by start address.
static RESERVATIONS: RwLock<BTreeMap<usize, usize>> = RwLock::new(BTreeMap::new());

/// A registered reservation; dropping it forgets the range.
#[derive(Debug)]
pub(crate) struct Registration {
    start: usize,
}

/// Registers `len` bytes at `start` as a linear memory's reservation.
pub(crate) fn register(start: usize, len: usize) -> Registration {
    let end = start.saturating_add(len);
    RESERVATIONS
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(start, end);
    Registration { start }
}

impl Drop for Registration {
    fn drop(&mut self) {
        RESERVATIONS
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.start);
    }
}

/// Whether `address` lies in a registered reservation. Not for signal handlers: it
/// takes a lock (the resume point calls it outside the handler).
pub(crate) fn contains(address: usize) -> bool {
    let reservations = RESERVATIONS.read().unwrap_or_else(PoisonError::into_inner);
    reservations
        .range(..=address)
        .next_back()
        .is_some_and(|(_, &end)| address < end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_range_contains_exactly_its_addresses_until_dropped() {
        let start = 0x6000_0000_0000;
        let registration = register(start, 0x2000);
        assert!(contains(start));
        assert!(contains(start + 0x1fff));
        assert!(!contains(start + 0x2000));
        assert!(!contains(start - 1));
        drop(registration);
        assert!(!contains(start));
    }
}

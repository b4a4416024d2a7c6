//! `Tunables`: every setting that changes the code the jit generates or the way the vm lays
//! out memory. Two engines with equal tunables produce interchangeable code.

/// Code-generation and memory-layout settings shared by the jit and the vm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tunables {
    /// Bytes of address space reserved for each 32-bit linear memory, guard excluded.
    /// With 4 GiB or more, no 32-bit index can leave the reservation.
    pub memory_reservation: u64,
    /// Inaccessible bytes after the reservation. An access whose static offset plus width
    /// fits in the guard faults there instead of needing an explicit check.
    pub memory_guard_size: u64,
    /// Whether a memory may move to a larger reservation when it outgrows its own. When
    /// false, growth beyond the reservation fails.
    pub memory_may_move: bool,
    /// Whether out-of-bounds accesses and other traps are detected by hardware faults and
    /// signal handlers. When false, every check is an explicit instruction.
    pub signals_based_traps: bool,
    /// Whether compiled code counts fuel and calls out when it runs out.
    pub consume_fuel: bool,
    /// Whether compiled code checks the epoch deadline at function entries and loop headers.
    pub epoch_interruption: bool,
    /// Whether funcref tables are filled lazily, on first access.
    pub table_lazy_init: bool,
    /// Whether every float operation that can produce a NaN produces the canonical one,
    /// so results are bit-identical on every host.
    pub nan_canonicalization: bool,
    /// Whether relaxed SIMD operators compute the same result on every host (otherwise
    /// they may use the host's fastest instruction, such as a fused multiply-add).
    pub relaxed_simd_deterministic: bool,
}

impl Tunables {
    /// Settings for the host this crate was compiled for.
    pub fn default_for_host() -> Self {
        if cfg!(target_pointer_width = "64") {
            Self {
                memory_reservation: 1 << 32,
                memory_guard_size: 1 << 31,
                memory_may_move: false,
                signals_based_traps: true,
                consume_fuel: false,
                epoch_interruption: false,
                table_lazy_init: true,
                nan_canonicalization: false,
                relaxed_simd_deterministic: false,
            }
        } else {
            Self {
                memory_reservation: 10 << 20,
                memory_guard_size: 64 << 10,
                memory_may_move: true,
                signals_based_traps: true,
                consume_fuel: false,
                epoch_interruption: false,
                table_lazy_init: true,
                nan_canonicalization: false,
                relaxed_simd_deterministic: false,
            }
        }
    }

    /// Every setting as a `(name, value)` pair, for comparing the settings an artifact
    /// was compiled with against an engine's and naming the first that differs.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let Self {
            memory_reservation,
            memory_guard_size,
            memory_may_move,
            signals_based_traps,
            consume_fuel,
            epoch_interruption,
            table_lazy_init,
            nan_canonicalization,
            relaxed_simd_deterministic,
        } = self;
        vec![
            ("memory_reservation", memory_reservation.to_string()),
            ("memory_guard_size", memory_guard_size.to_string()),
            ("memory_may_move", memory_may_move.to_string()),
            ("signals_based_traps", signals_based_traps.to_string()),
            ("consume_fuel", consume_fuel.to_string()),
            ("epoch_interruption", epoch_interruption.to_string()),
            ("table_lazy_init", table_lazy_init.to_string()),
            ("nan_canonicalization", nan_canonicalization.to_string()),
            (
                "relaxed_simd_deterministic",
                relaxed_simd_deterministic.to_string(),
            ),
        ]
    }

    /// Whether an access to a 32-bit memory with static `offset` and `width` bytes can
    /// never leave the reservation plus guard, so the hardware catches every overflow.
    ///
    /// This is the one place the bounds-check strategy is decided.
    pub fn access_needs_no_bounds_check(&self, offset: u64, width: u8) -> bool {
        self.signals_based_traps
            && !self.memory_may_move
            && self.memory_reservation >= 1 << 32
            && offset.saturating_add(u64::from(width)) <= self.memory_guard_size
    }
}

impl Tunables {
    /// Whether a memory of type `ty` may move to a larger reservation when it outgrows
    /// its own: when the tunables allow it for every memory, and always for 64-bit
    /// memories, whose every access is checked explicitly and which may grow past any
    /// reservation. Compiled code reloads the base of a memory that may move.
    pub fn may_move(&self, ty: &crate::MemoryType) -> bool {
        self.memory_may_move || ty.memory64
    }
}

impl Default for Tunables {
    fn default() -> Self {
        Self::default_for_host()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_offsets_need_no_check_with_a_full_reservation() {
        let tunables = Tunables {
            memory_reservation: 1 << 32,
            memory_guard_size: 1 << 31,
            memory_may_move: false,
            signals_based_traps: true,
            ..Tunables::default_for_host()
        };
        assert!(tunables.access_needs_no_bounds_check(0, 8));
        assert!(tunables.access_needs_no_bounds_check((1 << 31) - 8, 8));
        assert!(!tunables.access_needs_no_bounds_check((1 << 31) - 7, 8));
        let explicit = Tunables {
            signals_based_traps: false,
            ..tunables.clone()
        };
        assert!(!explicit.access_needs_no_bounds_check(0, 1));
        let small = Tunables {
            memory_reservation: 1 << 20,
            ..tunables
        };
        assert!(!small.access_needs_no_bounds_check(0, 1));
    }
}

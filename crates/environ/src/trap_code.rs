//! `TrapCode`: why compiled code stopped. The jit records one per instruction that can
//! trap; the vm reports it; the API shows its message.

use core::fmt;

/// Why execution of WebAssembly code trapped.
///
/// The discriminants are stable: compiled code embeds them as Cranelift user trap codes
/// and libcalls return them, so `from_u8(code as u8)` round-trips.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum TrapCode {
    /// The wasm stack outgrew `max_wasm_stack`.
    StackOverflow = 1,
    /// A load or store, or a bulk memory operation, went out of bounds.
    MemoryOutOfBounds = 2,
    /// An atomic access was not aligned to its width.
    HeapMisaligned = 3,
    /// A table access or bulk table operation went out of bounds.
    TableOutOfBounds = 4,
    /// `call_indirect` through a table index beyond the table's size.
    UndefinedElement = 5,
    /// `call_indirect` through a null table entry.
    UninitializedElement = 6,
    /// `call_indirect` to a function of another signature.
    BadSignature = 7,
    /// Signed integer division overflow (`INT_MIN / -1`).
    IntegerOverflow = 8,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero = 9,
    /// A float-to-int truncation of NaN or of a value out of the target's range.
    BadConversionToInteger = 10,
    /// The `unreachable` instruction.
    UnreachableCodeReached = 11,
    /// The epoch deadline passed.
    Interrupt = 12,
    /// The store ran out of fuel.
    OutOfFuel = 13,
    /// `ref.as_non_null` of null.
    NullReference = 14,
    /// `call_ref` or `return_call_ref` of a null function reference.
    NullFunctionReference = 15,
    /// `throw_ref` of a null exception reference.
    NullExceptionReference = 16,
}

impl TrapCode {
    /// Every trap code, in discriminant order.
    pub const ALL: [TrapCode; 16] = [
        Self::StackOverflow,
        Self::MemoryOutOfBounds,
        Self::HeapMisaligned,
        Self::TableOutOfBounds,
        Self::UndefinedElement,
        Self::UninitializedElement,
        Self::BadSignature,
        Self::IntegerOverflow,
        Self::IntegerDivisionByZero,
        Self::BadConversionToInteger,
        Self::UnreachableCodeReached,
        Self::Interrupt,
        Self::OutOfFuel,
        Self::NullReference,
        Self::NullFunctionReference,
        Self::NullExceptionReference,
    ];

    /// The code with discriminant `code`, if there is one.
    pub fn from_u8(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|t| *t as u8 == code)
    }

    /// The message the WebAssembly spec tests expect for this trap.
    pub fn message(self) -> &'static str {
        match self {
            Self::StackOverflow => "call stack exhausted",
            Self::MemoryOutOfBounds => "out of bounds memory access",
            Self::HeapMisaligned => "unaligned atomic",
            Self::TableOutOfBounds => "out of bounds table access",
            Self::UndefinedElement => "undefined element",
            Self::UninitializedElement => "uninitialized element",
            Self::BadSignature => "indirect call type mismatch",
            Self::IntegerOverflow => "integer overflow",
            Self::IntegerDivisionByZero => "integer divide by zero",
            Self::BadConversionToInteger => "invalid conversion to integer",
            Self::UnreachableCodeReached => "unreachable",
            Self::Interrupt => "interrupt",
            Self::OutOfFuel => "all fuel consumed by WebAssembly",
            Self::NullReference => "null reference",
            Self::NullFunctionReference => "null function reference",
            Self::NullExceptionReference => "null exception reference",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_u8() {
        for code in TrapCode::ALL {
            assert_eq!(TrapCode::from_u8(code as u8), Some(code));
        }
        assert_eq!(TrapCode::from_u8(0), None);
        assert_eq!(TrapCode::from_u8(TrapCode::ALL.len() as u8 + 1), None);
    }

    #[test]
    fn messages_are_distinct() {
        let mut messages: Vec<_> = TrapCode::ALL.iter().map(|c| c.message()).collect();
        messages.sort_unstable();
        messages.dedup();
        assert_eq!(messages.len(), TrapCode::ALL.len());
    }
}

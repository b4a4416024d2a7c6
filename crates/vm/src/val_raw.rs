//! `ValRaw`: one WebAssembly value in the 16-byte encoding that array calls and globals
//! share (see "Contracts between compiled code and the runtime" in ARCHITECTURE.md).

use core::fmt;

/// A WebAssembly value without its type: 16 bytes, 16-aligned, little-endian from byte
/// 0. `i32`/`f32` use the low 4 bytes, `i64`/`f64` the low 8, `v128` all 16; a funcref
/// is a `*const VMFuncRef` and an externref its pointer-sized raw value (null is 0).
#[repr(C, align(16))]
#[derive(Copy, Clone, Default, PartialEq, Eq)]
pub struct ValRaw {
    bytes: [u8; 16],
}

impl ValRaw {
    #[inline]
    fn from_low<const N: usize>(low: [u8; N]) -> Self {
        let mut bytes = [0; 16];
        bytes[..N].copy_from_slice(&low);
        Self { bytes }
    }

    #[inline]
    fn low<const N: usize>(&self) -> [u8; N] {
        let mut low = [0; N];
        low.copy_from_slice(&self.bytes[..N]);
        low
    }

    /// An `i32`.
    #[inline]
    pub fn i32(value: i32) -> Self {
        Self::from_low(value.to_le_bytes())
    }

    /// An `i64`.
    #[inline]
    pub fn i64(value: i64) -> Self {
        Self::from_low(value.to_le_bytes())
    }

    /// An `f32`, from its bits.
    #[inline]
    pub fn f32(bits: u32) -> Self {
        Self::from_low(bits.to_le_bytes())
    }

    /// An `f64`, from its bits.
    #[inline]
    pub fn f64(bits: u64) -> Self {
        Self::from_low(bits.to_le_bytes())
    }

    /// A `v128`.
    #[inline]
    pub fn v128(value: u128) -> Self {
        Self::from_low(value.to_le_bytes())
    }

    /// A reference: a `*const VMFuncRef` or an externref's raw value; 0 is null.
    #[inline]
    pub fn reference(raw: usize) -> Self {
        Self::from_low(raw.to_le_bytes())
    }

    /// The value as an `i32`.
    #[inline]
    pub fn get_i32(&self) -> i32 {
        i32::from_le_bytes(self.low())
    }

    /// The value as an `i64`.
    #[inline]
    pub fn get_i64(&self) -> i64 {
        i64::from_le_bytes(self.low())
    }

    /// The bits of an `f32`.
    #[inline]
    pub fn get_f32(&self) -> u32 {
        u32::from_le_bytes(self.low())
    }

    /// The bits of an `f64`.
    #[inline]
    pub fn get_f64(&self) -> u64 {
        u64::from_le_bytes(self.low())
    }

    /// The value as a `v128`.
    #[inline]
    pub fn get_v128(&self) -> u128 {
        u128::from_le_bytes(self.bytes)
    }

    /// The value as a reference's raw pointer-sized value.
    #[inline]
    pub fn get_reference(&self) -> usize {
        usize::from_le_bytes(self.low())
    }
}

impl fmt::Debug for ValRaw {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValRaw({:#034x})", self.get_v128())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[inline]
    fn values_are_little_endian_from_byte_zero() {
        assert_eq!(ValRaw::i32(-2).bytes[..4], [0xfe, 0xff, 0xff, 0xff]);
        assert_eq!(ValRaw::i32(-2).bytes[4..], [0; 12]);
        assert_eq!(ValRaw::i64(1 << 40).get_i64(), 1 << 40);
        assert_eq!(ValRaw::f32(0x3f80_0000).get_f32(), 0x3f80_0000);
        assert_eq!(
            ValRaw::f64(0x4000_0000_0000_0000).get_f64(),
            0x4000_0000_0000_0000
        );
        assert_eq!(ValRaw::v128(u128::MAX - 1).get_v128(), u128::MAX - 1);
        assert_eq!(ValRaw::reference(0x1234).get_reference(), 0x1234);
    }
}

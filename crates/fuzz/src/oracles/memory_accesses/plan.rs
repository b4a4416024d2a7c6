//! An access plan: the loads and stores (each with its static offset) a generated module
//! exports, and the sequence of calls to make on it, drawn from the fuzzer's bytes and
//! printed as a text module.

use arbitrary::{Result, Unstructured};

/// One load or store instruction and how it is wrapped so every export takes or returns
/// an `i64`, whatever the instruction's own type.
#[derive(Copy, Clone, Debug)]
pub(super) struct AccessKind {
    /// The instruction, e.g. `i32.load16_s`.
    pub(super) op: &'static str,
    /// Bytes accessed.
    pub(super) width: u8,
    /// Whether a load sign-extends into `bits`.
    pub(super) signed: bool,
    /// Width of the instruction's value type: a load result is masked to it.
    pub(super) bits: u32,
    /// Instructions after a load (to an `i64`) or before a store (from an `i64`).
    pub(super) convert: &'static str,
    /// Whether this is a store.
    pub(super) store: bool,
    /// Text after the memarg: the lane index of a lane load or store.
    pub(super) lane: &'static str,
    /// Where, in the bytes accessed, the bytes a load returns start.
    pub(super) value_at: u8,
    /// How many bytes a load returns (a SIMD load may read more than it returns).
    pub(super) value_width: u8,
}

const fn kind(
    op: &'static str,
    width: u8,
    signed: bool,
    bits: u32,
    convert: &'static str,
    store: bool,
) -> AccessKind {
    AccessKind {
        op,
        width,
        signed,
        bits,
        convert,
        store,
        lane: "",
        value_at: 0,
        value_width: width,
    }
}

/// A SIMD load: `width` bytes accessed, `value_width` of them (from `value_at`) returned.
const fn simd_load(
    op: &'static str,
    lane: &'static str,
    width: u8,
    convert: &'static str,
    value_at: u8,
    value_width: u8,
    signed: bool,
) -> AccessKind {
    AccessKind {
        op,
        width,
        signed,
        bits: if signed { 32 } else { 64 },
        convert,
        store: false,
        lane,
        value_at,
        value_width,
    }
}

/// A SIMD store of `i64x2.splat(value)`: the bytes written are the value's, repeated.
const fn simd_store(op: &'static str, lane: &'static str, width: u8) -> AccessKind {
    AccessKind {
        op,
        width,
        signed: false,
        bits: 64,
        convert: "i64x2.splat",
        store: true,
        lane,
        value_at: 0,
        value_width: width,
    }
}

/// Every scalar load and store, and the SIMD ones: full, lane, splat, zero-extending and
/// widening loads, full and lane stores.
pub(super) const KINDS: [AccessKind; 42] = [
    kind("i32.load", 4, false, 32, "i64.extend_i32_u", false),
    kind("i32.load8_s", 1, true, 32, "i64.extend_i32_u", false),
    kind("i32.load8_u", 1, false, 32, "i64.extend_i32_u", false),
    kind("i32.load16_s", 2, true, 32, "i64.extend_i32_u", false),
    kind("i32.load16_u", 2, false, 32, "i64.extend_i32_u", false),
    kind("i64.load", 8, false, 64, "", false),
    kind("i64.load8_s", 1, true, 64, "", false),
    kind("i64.load8_u", 1, false, 64, "", false),
    kind("i64.load16_s", 2, true, 64, "", false),
    kind("i64.load16_u", 2, false, 64, "", false),
    kind("i64.load32_s", 4, true, 64, "", false),
    kind("i64.load32_u", 4, false, 64, "", false),
    kind(
        "f32.load",
        4,
        false,
        32,
        "i32.reinterpret_f32 i64.extend_i32_u",
        false,
    ),
    kind("f64.load", 8, false, 64, "i64.reinterpret_f64", false),
    kind("i32.store", 4, false, 32, "i32.wrap_i64", true),
    kind("i32.store8", 1, false, 32, "i32.wrap_i64", true),
    kind("i32.store16", 2, false, 32, "i32.wrap_i64", true),
    kind("i64.store", 8, false, 64, "", true),
    kind("i64.store8", 1, false, 64, "", true),
    kind("i64.store16", 2, false, 64, "", true),
    kind("i64.store32", 4, false, 64, "", true),
    kind(
        "f32.store",
        4,
        false,
        32,
        "i32.wrap_i64 f32.reinterpret_i32",
        true,
    ),
    kind("f64.store", 8, false, 64, "f64.reinterpret_i64", true),
    simd_load("v128.load", "", 16, "i64x2.extract_lane 0", 0, 8, false),
    simd_load("v128.load", "", 16, "i64x2.extract_lane 1", 8, 8, false),
    simd_load(
        "v128.const i64x2 -1 -1 v128.load8_lane",
        " 0",
        1,
        "i8x16.extract_lane_u 0 i64.extend_i32_u",
        0,
        1,
        false,
    ),
    simd_load(
        "v128.const i64x2 -1 -1 v128.load16_lane",
        " 3",
        2,
        "i16x8.extract_lane_u 3 i64.extend_i32_u",
        0,
        2,
        false,
    ),
    simd_load(
        "v128.const i64x2 -1 -1 v128.load32_lane",
        " 2",
        4,
        "i32x4.extract_lane 2 i64.extend_i32_u",
        0,
        4,
        false,
    ),
    simd_load(
        "v128.const i64x2 -1 -1 v128.load64_lane",
        " 1",
        8,
        "i64x2.extract_lane 1",
        0,
        8,
        false,
    ),
    simd_load(
        "v128.load8_splat",
        "",
        1,
        "i8x16.extract_lane_u 15 i64.extend_i32_u",
        0,
        1,
        false,
    ),
    simd_load(
        "v128.load32_splat",
        "",
        4,
        "i32x4.extract_lane 3 i64.extend_i32_u",
        0,
        4,
        false,
    ),
    simd_load(
        "v128.load64_splat",
        "",
        8,
        "i64x2.extract_lane 1",
        0,
        8,
        false,
    ),
    simd_load(
        "v128.load32_zero",
        "",
        4,
        "i64x2.extract_lane 0",
        0,
        4,
        false,
    ),
    simd_load(
        "v128.load64_zero",
        "",
        8,
        "i64x2.extract_lane 0",
        0,
        8,
        false,
    ),
    simd_load(
        "v128.load8x8_s",
        "",
        8,
        "i16x8.extract_lane_s 7 i64.extend_i32_u",
        7,
        1,
        true,
    ),
    simd_load(
        "v128.load16x4_u",
        "",
        8,
        "i32x4.extract_lane 3 i64.extend_i32_u",
        6,
        2,
        false,
    ),
    simd_load(
        "v128.load32x2_u",
        "",
        8,
        "i64x2.extract_lane 1",
        4,
        4,
        false,
    ),
    simd_store("v128.store", "", 16),
    simd_store("v128.store8_lane", " 0", 1),
    simd_store("v128.store16_lane", " 0", 2),
    simd_store("v128.store32_lane", " 0", 4),
    simd_store("v128.store64_lane", " 1", 8),
];

/// One exported access function: an instruction with a fixed static offset.
#[derive(Copy, Clone, Debug)]
pub(super) struct Access {
    pub(super) kind: AccessKind,
    pub(super) offset: u64,
}

/// One call the oracle makes.
#[derive(Copy, Clone, Debug)]
pub(super) enum Step {
    /// Call access function `access` at `address`; stores write `value`.
    Access {
        access: usize,
        address: u64,
        value: u64,
    },
    /// `memory.grow` by `delta` pages.
    Grow { delta: u64 },
    /// `memory.fill` of `len` bytes of `value` at `dst`.
    Fill { dst: u64, value: u8, len: u64 },
    /// `memory.copy` of `len` bytes from `src` to `dst`.
    Copy { dst: u64, src: u64, len: u64 },
}

/// A memory, the access functions over it, and the calls to make. Addresses, offsets,
/// lengths and deltas are `u64`; for a 32-bit memory they are drawn within `u32`.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    /// Whether the memory has 64-bit addresses (`i64` indices, every bounds check
    /// explicit).
    pub(super) memory64: bool,
    pub(super) minimum: u32,
    pub(super) maximum: Option<u32>,
    pub(super) accesses: Vec<Access>,
    pub(super) steps: Vec<Step>,
}

impl Plan {
    /// A plan drawn from `u`. Addresses cluster around the memory's end (as the model
    /// tracks it while drawing) so most steps land near a bounds check's edge.
    pub(super) fn arbitrary(u: &mut Unstructured<'_>) -> Result<Self> {
        let memory64 = u.ratio(1, 3)?;
        let minimum = u.int_in_range(0..=3)?;
        let maximum = if u.arbitrary()? {
            Some(u.int_in_range(minimum..=8)?)
        } else {
            None
        };
        let mut accesses = Vec::new();
        for _ in 0..u.int_in_range(1..=12)? {
            let kind = *u.choose(&KINDS)?;
            accesses.push(Access {
                kind,
                offset: interesting_offset(u, memory64)?,
            });
        }
        let mut pages = u64::from(minimum);
        let mut steps = Vec::new();
        for _ in 0..u.int_in_range(1..=48)? {
            let size = pages << 16;
            let step = match u.int_in_range(0..=9)? {
                0 => {
                    // Growth that is refused either way: past the 32-bit page limit,
                    // or (64-bit) to a size no host has.
                    let huge: &[u64] = if memory64 {
                        &[1 << 48, u64::MAX]
                    } else {
                        &[65537, u64::from(u32::MAX)]
                    };
                    let delta = *u.choose(&[0, 1, 2, 5, huge[0], huge[1]])?;
                    if pages.saturating_add(delta) <= plan_limit(maximum) {
                        pages += delta;
                    }
                    Step::Grow { delta }
                }
                1 => Step::Fill {
                    dst: address_near(u, size, memory64)?,
                    value: u.arbitrary()?,
                    len: length(u, memory64)?,
                },
                2 => Step::Copy {
                    dst: address_near(u, size, memory64)?,
                    src: address_near(u, size, memory64)?,
                    len: length(u, memory64)?,
                },
                _ => Step::Access {
                    access: u.choose_index(accesses.len())?,
                    address: address_near(u, size, memory64)?,
                    value: u.arbitrary()?,
                },
            };
            steps.push(step);
        }
        Ok(Self {
            memory64,
            minimum,
            maximum,
            accesses,
            steps,
        })
    }

    /// The bytes an active data segment puts just below the initial memory's end, so
    /// loads near the end read distinct bytes rather than zeros: `(address, bytes)`.
    pub(super) fn initial_bytes(&self) -> Option<(u32, Vec<u8>)> {
        let size = self.minimum << 16;
        let bytes: Vec<u8> = (0..PATTERN_LEN).map(|i| (i * 37 + 11) as u8).collect();
        size.checked_sub(PATTERN_LEN).map(|at| (at, bytes))
    }

    /// The plan's module in the text format: `memory`, `grow`, `fill`, `copy`, and one
    /// `access<i>` function per access.
    pub(super) fn to_wat(&self) -> String {
        let maximum = self.maximum.map(|m| m.to_string()).unwrap_or_default();
        let at = if self.memory64 { "i64" } else { "i32" };
        let mut wat = format!(
            "(module\n  (memory (export \"memory\") {at} {} {maximum})\n\
             (func (export \"grow\") (param {at}) (result {at}) local.get 0 memory.grow)\n\
             (func (export \"fill\") (param {at} i32 {at})\n\
             local.get 0 local.get 1 local.get 2 memory.fill)\n\
             (func (export \"copy\") (param {at} {at} {at})\n\
             local.get 0 local.get 1 local.get 2 memory.copy)\n",
            self.minimum
        );
        if let Some((start, bytes)) = self.initial_bytes() {
            let escaped: String = bytes.iter().map(|b| format!("\\{b:02x}")).collect();
            wat += &format!("  (data ({at}.const {start}) \"{escaped}\")\n");
        }
        for (i, Access { kind, offset }) in self.accesses.iter().enumerate() {
            let (op, convert, lane) = (kind.op, kind.convert, kind.lane);
            if kind.store {
                wat += &format!(
                    "  (func (export \"access{i}\") (param {at} i64)\n\
                     local.get 0 local.get 1 {convert} {op} offset={offset}{lane})\n"
                );
            } else {
                wat += &format!(
                    "  (func (export \"access{i}\") (param {at} i64) (result i64)\n\
                     local.get 0 {op} offset={offset}{lane} {convert})\n"
                );
            }
        }
        wat + ")\n"
    }
}

/// The most pages the plan's memory may grow to: its maximum, or 4 GiB (a 64-bit memory
/// may grow further, but no plan grows that far: its large deltas are always refused).
pub(super) fn plan_limit(maximum: Option<u32>) -> u64 {
    u64::from(maximum.unwrap_or(65536))
}

/// How many patterned bytes the initial memory ends with.
const PATTERN_LEN: u32 = 256;

/// Static offsets: small, page-sized, near 2 GiB and 4 GiB, or anything; for a 64-bit
/// memory also beyond 4 GiB and at the top of the 64-bit range.
fn interesting_offset(u: &mut Unstructured<'_>, memory64: bool) -> Result<u64> {
    Ok(match u.int_in_range(0..=if memory64 { 5 } else { 3 })? {
        0 => u.int_in_range(0..=16)?,
        1 => (u.int_in_range(1..=8)? << 16) - u.int_in_range(0..=8)?,
        2 => *u.choose(&[0x7fff_ffff, 0x8000_0000, 0xffff_fff8, u64::from(u32::MAX)])?,
        3 => u64::from(u.arbitrary::<u32>()?),
        4 => *u.choose(&[1 << 32, (1 << 48) + 8, 1 << 63, u64::MAX - 16, u64::MAX])?,
        _ => u.arbitrary()?,
    })
}

/// Addresses: just inside or outside the end of a `size`-byte memory, anywhere inside,
/// at the top of the (32- or 64-bit) address space, or anything.
fn address_near(u: &mut Unstructured<'_>, size: u64, memory64: bool) -> Result<u64> {
    let top = if memory64 {
        u64::MAX
    } else {
        u64::from(u32::MAX)
    };
    let address = match u.int_in_range(0..=5)? {
        0 => size.wrapping_sub(u.int_in_range(0..=64)?),
        1 => size.wrapping_add(u.int_in_range(0..=16)?),
        2 if size > 0 => u.int_in_range(0..=size - 1)?,
        3 => top - u.int_in_range(0..=16)?,
        4 if memory64 => (1u64 << 32)
            .wrapping_add(size)
            .wrapping_sub(u.int_in_range(0..=8)?),
        _ => u.arbitrary()?,
    };
    Ok(address & top)
}

/// Lengths for `memory.fill` and `memory.copy`: mostly short, sometimes a page or huge.
fn length(u: &mut Unstructured<'_>, memory64: bool) -> Result<u64> {
    Ok(match u.int_in_range(0..=3)? {
        0 | 1 => u.int_in_range(0..=32)?,
        2 => 1 << 16,
        _ if memory64 => u.arbitrary()?,
        _ => u64::from(u.arbitrary::<u32>()?),
    })
}

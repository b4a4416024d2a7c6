//! SIMD kernels: `simd/kernels.c` built by clang with `-msimd128` (`simd/kernels.wasm`,
//! rebuilt by `simd/build.sh`), and native Rust versions computing the same checksums
//! the same way (the compiler vectorises them as it sees fit).

use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};

/// One SIMD row: the export of `kernels.wasm`, its argument, and the native version.
pub struct SimdKernel {
    /// Row name in the report.
    pub name: &'static str,
    /// The export of `kernels.wasm` to call.
    pub export: &'static str,
    /// The argument passed once per timed operation.
    pub arg: i32,
    /// The native version.
    pub native: fn(i32) -> i64,
}

/// Every SIMD kernel, in report order.
pub fn all() -> Vec<SimdKernel> {
    vec![
        SimdKernel {
            name: "simd byte scan, 1 MiB (clang)",
            export: "byte_scan",
            arg: i32::from(b'e'),
            native: byte_scan,
        },
        SimdKernel {
            name: "simd f32x4 a*x+y, 64Ki (clang)",
            export: "saxpy_bits",
            arg: 7,
            native: saxpy_bits,
        },
        SimdKernel {
            name: "simd i8x16 shuffles, 64 KiB (clang)",
            export: "shuffle_blocks",
            arg: 4,
            native: shuffle_blocks,
        },
    ]
}

/// The clang-built module.
pub fn wasm() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("simd/kernels.wasm");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const SCAN_BYTES: usize = 1 << 20;
const SAXPY_LEN: usize = 1 << 16;
const SHUFFLE_BYTES: usize = 1 << 16;

/// The buffers `kernels.c` fills on its first call, from the same xorshift sequence.
struct Buffers {
    scan: Vec<u8>,
    xs: Vec<f32>,
    ys: Vec<f32>,
    shuffle: Mutex<Vec<u8>>,
}

fn buffers() -> &'static Buffers {
    static BUFFERS: OnceLock<Buffers> = OnceLock::new();
    BUFFERS.get_or_init(|| {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let scan = (0..SCAN_BYTES)
            .map(|_| (next() % 26) as u8 + b'a')
            .collect();
        let xs = (0..SAXPY_LEN).map(|i| (i % 1000) as f32 * 0.5).collect();
        let ys = (0..SAXPY_LEN).map(|i| (i % 7) as f32).collect();
        let shuffle = (0..SHUFFLE_BYTES).map(|_| next() as u8).collect();
        Buffers {
            scan,
            xs,
            ys,
            shuffle: Mutex::new(shuffle),
        }
    })
}

fn byte_scan(c: i32) -> i64 {
    let needle = c as u8;
    let count = buffers().scan.iter().filter(|&&b| b == needle).count();
    count as i64
}

fn saxpy_bits(n: i32) -> i64 {
    let b = buffers();
    let a = n as f32 * 0.25;
    let sum =
        b.xs.iter()
            .zip(&b.ys)
            .fold(0u32, |sum, (x, y)| sum.wrapping_add((a * x + y).to_bits()));
    i64::from(sum)
}

fn shuffle_blocks(rounds: i32) -> i64 {
    let mut buf = buffers()
        .shuffle
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    for _ in 0..rounds {
        for pair in buf.chunks_exact_mut(32) {
            let (a, b) = pair.split_at(16);
            let mut lo = [0u8; 16];
            let mut hi = [0u8; 16];
            for i in 0..8 {
                lo[2 * i] = a[i];
                lo[2 * i + 1] = b[i];
                hi[2 * i] = a[8 + i];
                hi[2 * i + 1] = b[8 + i];
            }
            lo.reverse();
            hi.rotate_left(5);
            pair[..16].copy_from_slice(&lo);
            pair[16..].copy_from_slice(&hi);
        }
    }
    buf.iter().map(|&b| i64::from(b)).sum()
}

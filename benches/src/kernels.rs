//! Compute kernels: each is a WAT module exporting `run: (i32) -> i64` and a native Rust
//! function computing the same value the same way.
//!
//! The native versions follow the WAT step by step (same operations, same order, wrapping
//! integer arithmetic, no fused or reassociated float operations), so every engine must
//! return the same checksum. They are plain safe Rust: bounds checks stay where the
//! optimiser cannot remove them.

use std::hint::black_box;

/// One compute kernel.
pub struct Kernel {
    /// Row name in the report.
    pub name: &'static str,
    /// WAT text of a module exporting `run: (i32) -> i64`.
    pub wat: &'static str,
    /// The argument passed to `run` once per timed operation.
    pub arg: i32,
    /// The value `run(arg)` must return, when it is known independently.
    pub expected: Option<i64>,
    /// The native version of `run`.
    pub native: fn(i32) -> i64,
}

/// Every kernel, in report order.
pub fn all() -> Vec<Kernel> {
    vec![
        Kernel {
            name: "fib(30) recursive calls",
            wat: FIB_WAT,
            arg: 30,
            expected: Some(832_040),
            native: fib,
        },
        Kernel {
            name: "xorshift64 sum, 10M steps",
            wat: XORSHIFT_WAT,
            arg: 10_000_000,
            expected: None,
            native: xorshift_sum,
        },
        Kernel {
            name: "collatz steps, 1..300k",
            wat: COLLATZ_WAT,
            arg: 300_000,
            expected: None,
            native: collatz_steps,
        },
        Kernel {
            name: "sieve below 1M (memory)",
            wat: SIEVE_WAT,
            arg: 1_000_000,
            expected: Some(78_498),
            native: sieve,
        },
        Kernel {
            name: "sieve below 1M (memory64)",
            wat: SIEVE64_WAT,
            arg: 1_000_000,
            expected: Some(78_498),
            native: sieve,
        },
        Kernel {
            name: "memory.copy 1 MiB x8 (memory64)",
            wat: COPY64_WAT,
            arg: 8,
            expected: None,
            native: copy_rounds,
        },
        Kernel {
            name: "f64 matmul 64x64",
            wat: MATMUL_WAT,
            arg: 64,
            expected: None,
            native: matmul,
        },
        Kernel {
            name: "call_indirect, 10M calls",
            wat: DISPATCH_WAT,
            arg: 10_000_000,
            expected: None,
            native: dispatch,
        },
    ]
}

const FIB_WAT: &str = r#"
(module
  (func $fib (param $n i32) (result i64)
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.extend_i32_u (local.get $n)))
      (else
        (i64.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (export "run" (func $fib)))
"#;

/// Recursive Fibonacci: a benchmark of direct calls.
fn fib(n: i32) -> i64 {
    if (n as u32) < 2 {
        i64::from(n)
    } else {
        fib(n - 1).wrapping_add(fib(n - 2))
    }
}

const XORSHIFT_WAT: &str = r#"
(module
  (func (export "run") (param $n i32) (result i64)
    (local $x i64) (local $sum i64)
    (local.set $x (i64.const 0x9E3779B97F4A7C15))
    (block $done
      (loop $step
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
        (local.set $sum (i64.add (local.get $sum) (local.get $x)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $step)))
    (local.get $sum)))
"#;

/// Sum of `n` xorshift64 outputs: a serial chain of integer operations.
fn xorshift_sum(n: i32) -> i64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut sum: u64 = 0;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sum = sum.wrapping_add(x);
    }
    sum as i64
}

const COLLATZ_WAT: &str = r#"
(module
  (func (export "run") (param $n i32) (result i64)
    (local $start i64) (local $x i64) (local $steps i64)
    (local.set $start (i64.const 1))
    (block $done
      (loop $next_start
        (br_if $done (i64.gt_u (local.get $start) (i64.extend_i32_u (local.get $n))))
        (local.set $x (local.get $start))
        (block $reached_one
          (loop $step
            (br_if $reached_one (i64.eq (local.get $x) (i64.const 1)))
            (if (i64.eqz (i64.and (local.get $x) (i64.const 1)))
              (then (local.set $x (i64.shr_u (local.get $x) (i64.const 1))))
              (else (local.set $x
                (i64.add (i64.mul (local.get $x) (i64.const 3)) (i64.const 1)))))
            (local.set $steps (i64.add (local.get $steps) (i64.const 1)))
            (br $step)))
        (local.set $start (i64.add (local.get $start) (i64.const 1)))
        (br $next_start)))
    (local.get $steps)))
"#;

/// Total Collatz steps of every start value in `1..=n`: data-dependent branches.
fn collatz_steps(n: i32) -> i64 {
    let mut steps: u64 = 0;
    for start in 1..=u64::from(n as u32) {
        let mut x = start;
        while x != 1 {
            x = if x & 1 == 0 {
                x >> 1
            } else {
                x.wrapping_mul(3).wrapping_add(1)
            };
            steps = steps.wrapping_add(1);
        }
    }
    steps as i64
}

const SIEVE_WAT: &str = r#"
(module
  (memory 16)
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $count i64)
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (local.get $i) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    (local.set $i (i32.const 2))
    (block $sieved
      (loop $next_prime
        (br_if $sieved (i32.ge_u (i32.mul (local.get $i) (local.get $i)) (local.get $n)))
        (if (i32.load8_u (local.get $i))
          (then
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $crossed
              (loop $cross
                (br_if $crossed (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 0))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $cross)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_prime)))
    (local.set $i (i32.const 2))
    (block $counted
      (loop $count_next
        (br_if $counted (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $count
          (i64.add (local.get $count) (i64.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $count_next)))
    (local.get $count)))
"#;

/// Number of primes below `n` (at most 1 MiB), by a byte-per-number sieve.
fn sieve(n: i32) -> i64 {
    let n = n as usize;
    let mut is_prime = vec![1u8; n];
    let mut i = 2;
    while i * i < n {
        if is_prime[i] != 0 {
            let mut j = i * i;
            while j < n {
                is_prime[j] = 0;
                j += i;
            }
        }
        i += 1;
    }
    is_prime[2..n].iter().map(|&flag| i64::from(flag)).sum()
}

/// The sieve over a 64-bit memory: every address is an `i64`, so every access is
/// bounds-checked explicitly (guard pages cannot cover a 64-bit index).
const SIEVE64_WAT: &str = r#"
(module
  (memory i64 16)
  (func (export "run") (param $n32 i32) (result i64)
    (local $n i64) (local $i i64) (local $j i64) (local $count i64)
    (local.set $n (i64.extend_i32_u (local.get $n32)))
    (block $filled
      (loop $fill
        (br_if $filled (i64.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (local.get $i) (i32.const 1))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $fill)))
    (local.set $i (i64.const 2))
    (block $sieved
      (loop $next_prime
        (br_if $sieved (i64.ge_u (i64.mul (local.get $i) (local.get $i)) (local.get $n)))
        (if (i32.load8_u (local.get $i))
          (then
            (local.set $j (i64.mul (local.get $i) (local.get $i)))
            (block $crossed
              (loop $cross
                (br_if $crossed (i64.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 0))
                (local.set $j (i64.add (local.get $j) (local.get $i)))
                (br $cross)))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next_prime)))
    (local.set $i (i64.const 2))
    (block $counted
      (loop $count_next
        (br_if $counted (i64.ge_u (local.get $i) (local.get $n)))
        (local.set $count
          (i64.add (local.get $count) (i64.load8_u (local.get $i))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $count_next)))
    (local.get $count)))
"#;

/// Bytes `COPY64_WAT` copies per round.
const COPY_BYTES: usize = 1 << 20;

/// `rounds` copies of 1 MiB inside a 64-bit memory, each from the previous round's
/// destination one byte further on, then a checksum of eight bytes.
const COPY64_WAT: &str = r#"
(module
  (memory i64 160)
  (func (export "run") (param $rounds i32) (result i64)
    (local $round i64) (local $src i64)
    ;; A pattern in the first MiB: byte k holds k * 7 + 3.
    (block $filled
      (loop $fill
        (br_if $filled (i64.ge_u (local.get $src) (i64.const 0x100000)))
        (i32.store8 (local.get $src)
          (i32.add (i32.mul (i32.wrap_i64 (local.get $src)) (i32.const 7)) (i32.const 3)))
        (local.set $src (i64.add (local.get $src) (i64.const 1)))
        (br $fill)))
    (local.set $src (i64.const 0))
    (block $done
      (loop $copy
        (br_if $done (i64.ge_u (local.get $round) (i64.extend_i32_u (local.get $rounds))))
        (memory.copy
          (i64.add (local.get $src) (i64.const 0x100001))
          (local.get $src)
          (i64.const 0x100000))
        (local.set $src (i64.add (local.get $src) (i64.const 0x100001)))
        (local.set $round (i64.add (local.get $round) (i64.const 1)))
        (br $copy)))
    (i64.load (i64.add (local.get $src) (i64.const 4096)))))
"#;

/// The native version of `COPY64_WAT`: the same pattern, copies and checksum.
fn copy_rounds(rounds: i32) -> i64 {
    let mut memory = vec![0u8; 160 << 16];
    for (k, byte) in memory[..COPY_BYTES].iter_mut().enumerate() {
        *byte = (k as u32).wrapping_mul(7).wrapping_add(3) as u8;
    }
    let mut src = 0;
    for _ in 0..rounds {
        memory.copy_within(src..src + COPY_BYTES, src + COPY_BYTES + 1);
        src += COPY_BYTES + 1;
    }
    let at = src + 4096;
    i64::from_le_bytes(
        black_box(&memory)[at..at + 8]
            .try_into()
            .expect("eight bytes"),
    )
}

const MATMUL_WAT: &str = r#"
(module
  (memory 2)
  ;; A at 0, B at n*n*8, C at 2*n*n*8; every matrix is row-major f64.
  (func $init (param $n i32)
    (local $k i32) (local $b i32)
    (local.set $b (i32.mul (i32.mul (local.get $n) (local.get $n)) (i32.const 8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (i32.mul (local.get $n) (local.get $n))))
        (f64.store (i32.shl (local.get $k) (i32.const 3))
          (f64.add (f64.mul (f64.convert_i32_u (i32.rem_u (local.get $k) (i32.const 7)))
                            (f64.const 0.25))
                   (f64.const 1)))
        (f64.store (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 3)))
          (f64.sub (f64.mul (f64.convert_i32_u (i32.rem_u (local.get $k) (i32.const 5)))
                            (f64.const 0.5))
                   (f64.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next))))
  (func $multiply (param $n i32)
    (local $i i32) (local $j i32) (local $k i32) (local $acc f64) (local $b i32) (local $c i32)
    (local.set $b (i32.mul (i32.mul (local.get $n) (local.get $n)) (i32.const 8)))
    (local.set $c (i32.shl (local.get $b) (i32.const 1)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $col
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $acc (f64.const 0))
            (local.set $k (i32.const 0))
            (block $dot_done
              (loop $dot
                (br_if $dot_done (i32.ge_u (local.get $k) (local.get $n)))
                (local.set $acc (f64.add (local.get $acc) (f64.mul
                  (f64.load (i32.shl
                    (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $k))
                    (i32.const 3)))
                  (f64.load (i32.add (local.get $b) (i32.shl
                    (i32.add (i32.mul (local.get $k) (local.get $n)) (local.get $j))
                    (i32.const 3)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $dot)))
            (f64.store (i32.add (local.get $c) (i32.shl
                (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j))
                (i32.const 3)))
              (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $col)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row))))
  (func $checksum (param $n i32) (result i64)
    (local $k i32) (local $c i32) (local $sum f64)
    (local.set $c (i32.mul (i32.mul (local.get $n) (local.get $n)) (i32.const 16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (i32.mul (local.get $n) (local.get $n))))
        (local.set $sum (f64.add (local.get $sum)
          (f64.load (i32.add (local.get $c) (i32.shl (local.get $k) (i32.const 3))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (i64.reinterpret_f64 (local.get $sum)))
  (func (export "run") (param $n i32) (result i64)
    (call $init (local.get $n))
    (call $multiply (local.get $n))
    (call $checksum (local.get $n))))
"#;

/// Naive `n`×`n` f64 matrix product (i, j, k order, one accumulator); returns the bits of
/// the sum of the product's elements.
fn matmul(n: i32) -> i64 {
    let n = n as usize;
    let a: Vec<f64> = (0..n * n).map(|k| (k % 7) as f64 * 0.25 + 1.0).collect();
    let b: Vec<f64> = (0..n * n).map(|k| (k % 5) as f64 * 0.5 - 1.0).collect();
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let mut acc = 0.0;
            for k in 0..n {
                acc += a[i * n + k] * b[k * n + j];
            }
            c[i * n + j] = acc;
        }
    }
    c.iter().fold(0.0, |sum, x| sum + x).to_bits() as i64
}

const DISPATCH_WAT: &str = r#"
(module
  (type $op (func (param i64) (result i64)))
  (table 4 funcref)
  (elem (i32.const 0) $add $mix $mul $rotate)
  (func $add (type $op) (i64.add (local.get 0) (i64.const 0x9E3779B9)))
  (func $mix (type $op) (i64.xor (local.get 0) (i64.shr_u (local.get 0) (i64.const 29))))
  (func $mul (type $op) (i64.mul (local.get 0) (i64.const 0xBF58476D1CE4E5B9)))
  (func $rotate (type $op) (i64.rotl (local.get 0) (i64.const 17)))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (local.set $acc (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc
          (call_indirect (type $op) (local.get $acc) (i32.and (local.get $i) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc)))
"#;

/// `n` calls through a table of four functions, cycling through it.
fn dispatch(n: i32) -> i64 {
    let table: [fn(i64) -> i64; 4] = black_box([
        |x| x.wrapping_add(0x9E37_79B9),
        |x| x ^ ((x as u64) >> 29) as i64,
        |x| x.wrapping_mul(0xBF58_476D_1CE4_E5B9_u64 as i64),
        |x| x.rotate_left(17),
    ]);
    let mut acc = 1;
    for i in 0..n as usize {
        acc = table[i & 3](acc);
    }
    acc
}

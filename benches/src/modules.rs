//! The modules of the engine-only rows: a small module to instantiate, a trivial export
//! to call from the host, and a generated medium-sized module to compile.

use std::fmt::Write as _;

/// A small module with every kind of entity: functions, a memory, a table, globals,
/// data and element segments. `probe` reads one of each, so a correct instantiation
/// returns [`INSTANTIATE_PROBE`].
pub const INSTANTIATE_WAT: &str = r#"
(module
  (type $unary (func (param i32) (result i32)))
  (memory 1)
  (table 8 funcref)
  (global $counter (mut i32) (i32.const 7))
  (global $scale i64 (i64.const 3))
  (global $ratio (mut f64) (f64.const 1.5))
  (data (i32.const 0) "tarn benchmark data")
  (data (i32.const 1024) "\01\02\03\04\05\06\07\08")
  (elem (i32.const 0) $double $square $negate $bump)
  (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (type $unary) (i32.mul (local.get 0) (local.get 0)))
  (func $negate (type $unary) (i32.sub (i32.const 0) (local.get 0)))
  (func $bump (type $unary)
    (global.set $counter (i32.add (global.get $counter) (local.get 0)))
    (global.get $counter))
  (func (export "probe") (result i32)
    (i32.add
      (call_indirect (type $unary) (i32.load8_u (i32.const 1027)) (i32.const 1))
      (i32.add
        (i32.add (global.get $counter) (i32.wrap_i64 (global.get $scale)))
        (i32.add (i32.trunc_f64_s (global.get $ratio)) (i32.load8_u (i32.const 0)))))))
"#;

/// What `probe` returns right after instantiation: 4² + 7 + 3 + 1 + `b't'`.
pub const INSTANTIATE_PROBE: i32 = 16 + 7 + 3 + 1 + b't' as i32;

/// A module exporting `inc: (i32) -> i32`, for host-to-wasm call overhead.
pub const HOST_CALL_WAT: &str = r#"
(module
  (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
"#;

/// A module importing `host.inc: (i32) -> i32` and exporting `run(n)`, which calls it
/// until its running value reaches `n`, for wasm-to-host call overhead.
pub const WASM_TO_HOST_WAT: &str = r#"
(module
  (import "host" "inc" (func $inc (param i32) (result i32)))
  (func (export "run") (param $n i32) (result i64) (local $acc i32)
    (loop $again
      (local.set $acc (call $inc (local.get $acc)))
      (br_if $again (i32.ne (local.get $acc) (local.get $n))))
    (i64.extend_i32_u (local.get $acc))))
"#;

/// Bytes of initialised memory in the large-memory instantiation row.
pub const LARGE_MEMORY_BYTES: usize = 32 << 20;

/// A module whose memory holds [`LARGE_MEMORY_BYTES`] of data from one segment (the
/// letters `a` to `z`, repeated), with `probe` reading the last byte.
pub fn large_memory_wat() -> String {
    let pages = LARGE_MEMORY_BYTES >> 16;
    let mut wat = format!("(module (memory {pages})\n  (data (i32.const 0) \"");
    wat.extend((0..LARGE_MEMORY_BYTES).map(|i| char::from(b'a' + (i % 26) as u8)));
    let last = LARGE_MEMORY_BYTES - 1;
    write!(
        wat,
        "\")\n  (func (export \"probe\") (result i32) (i32.load8_u (i32.const {last}))))"
    )
    .expect("writing to a String cannot fail");
    wat
}

/// What `probe` of [`large_memory_wat`] returns.
pub const LARGE_MEMORY_PROBE: i32 = b'a' as i32 + ((LARGE_MEMORY_BYTES - 1) % 26) as i32;

/// Entries of the funcref table in the large-table instantiation row.
pub const LARGE_TABLE_ENTRIES: usize = 100_000;

/// A module with a [`LARGE_TABLE_ENTRIES`]-entry funcref table that one element segment
/// fills with two functions in turn, with `probe` calling the last entry.
pub fn large_table_wat() -> String {
    let entries = LARGE_TABLE_ENTRIES;
    let mut wat = format!(
        "(module (type $t (func (result i32))) (table {entries} funcref)\n\
         (func $even (result i32) (i32.const 2)) (func $odd (result i32) (i32.const 3))\n\
         (elem (i32.const 0)"
    );
    for i in 0..entries {
        wat.push_str(if i % 2 == 0 { " $even" } else { " $odd" });
    }
    let last = entries - 1;
    write!(
        wat,
        ")\n  (func (export \"probe\") (result i32) (call_indirect (type $t) (i32.const {last}))))"
    )
    .expect("writing to a String cannot fail");
    wat
}

/// What `probe` of [`large_table_wat`] returns.
pub const LARGE_TABLE_PROBE: i32 = if (LARGE_TABLE_ENTRIES - 1) % 2 == 0 {
    2
} else {
    3
};

/// How many functions the module of the deserialization row has: enough for about
/// 1 MB of artifact.
pub const DESERIALIZE_FUNCTIONS: usize = 2000;

/// How many functions the generated compilation module has.
pub const COMPILE_FUNCTIONS: usize = 400;

/// WAT of a medium module: `functions` functions mixing loops, branches, `br_table`,
/// integer and float arithmetic, memory accesses and calls to the previous function,
/// plus an export `run: (i32) -> i64` that calls the last one.
pub fn compile_wat(functions: usize) -> String {
    let mut wat = String::from("(module\n  (memory 1)\n");
    for index in 0..functions {
        push_function(&mut wat, index);
    }
    let last = functions - 1;
    writeln!(
        wat,
        "  (func (export \"run\") (param i32) (result i64) (call $f{last} (local.get 0))))"
    )
    .expect("writing to a String cannot fail");
    wat
}

/// Appends function `$f{index}: (i32) -> i64` to `wat`.
fn push_function(wat: &mut String, index: usize) {
    let callee = match index {
        0 => "(i64.extend_i32_u (local.get $n))".to_string(),
        _ => format!(
            "(call $f{} (i32.and (local.get $n) (i32.const 15)))",
            index - 1
        ),
    };
    let address = (index % 256) * 8;
    writeln!(
        wat,
        r#"  (func $f{index} (param $n i32) (result i64)
    (local $i i32) (local $acc i64) (local $x f64)
    (local.set $acc {callee})
    (local.set $x (f64.convert_i32_s (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (block $c (block $b (block $a
          (br_table $a $b $c (i32.rem_u (local.get $i) (i32.const 3))))
          (local.set $acc (i64.add (local.get $acc) (i64.const {index})))
          (br $c))
          (local.set $acc (i64.rotl (i64.mul (local.get $acc) (i64.const 31)) (i64.const 7))))
        (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 0.5)) (f64.const {index}.25)))
        (if (i64.gt_s (local.get $acc) (i64.const 1000000))
          (then (local.set $acc (i64.xor (local.get $acc) (i64.shr_u (local.get $acc) (i64.const 11))))))
        (i64.store (i32.const {address}) (local.get $acc))
        (local.set $acc (i64.add (local.get $acc) (i64.load (i32.const {address}))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.add (local.get $acc) (i64.trunc_sat_f64_s (local.get $x))))"#
    )
    .expect("writing to a String cannot fail");
}

/// How many throws (or calls) one operation of the exception rows makes.
pub const EXCEPTION_ITERATIONS: i32 = 10_000;

/// A C++-style exception kernel: `run(n)` calls, `n` times, a chain of ten functions
/// inside a `try_table`; the innermost throws `$e` with its argument, which the
/// `try_table` ten frames up catches and adds to the sum.
pub const THROW_TEN_FRAMES_WAT: &str = r#"
(module
  (tag $e (param i32))
  (func $thrower (param i32) (result i32)
    (throw $e (local.get 0)))
  (func $f (param $depth i32) (param $x i32) (result i32)
    (if (result i32) (i32.eqz (local.get $depth))
      (then (call $thrower (local.get $x)))
      (else (i32.add (call $f (i32.sub (local.get $depth) (i32.const 1)) (local.get $x))
                     (i32.const 1)))))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $sum i64) (local $caught i32)
    (loop $next
      (block $caught (result i32)
        (try_table (catch $e $caught)
          (drop (call $f (i32.const 9) (local.get $i))))
        (i32.const 0))
      (local.set $caught)
      (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (local.get $caught))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum)))
"#;

/// The same chain of ten calls, returning normally, inside a `try_table` (`run`) or
/// not (`run` of [`CALLS_WITHOUT_TRY_WAT`]): the two rows show what a `try_table` that
/// never throws costs.
pub const CALLS_IN_TRY_WAT: &str = r#"
(module
  (tag $e (param i32))
  (func $f (param $depth i32) (param $x i32) (result i32)
    (if (result i32) (i32.eqz (local.get $depth))
      (then (local.get $x))
      (else (i32.add (call $f (i32.sub (local.get $depth) (i32.const 1)) (local.get $x))
                     (i32.const 1)))))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $sum i64)
    (loop $next
      (block $caught (result i32)
        (try_table (catch $e $caught)
          (local.set $sum (i64.add (local.get $sum)
            (i64.extend_i32_u (call $f (i32.const 9) (local.get $i))))))
        (i32.const 0))
      (drop)
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum)))
"#;

/// [`CALLS_IN_TRY_WAT`] without the `try_table`.
pub const CALLS_WITHOUT_TRY_WAT: &str = r#"
(module
  (func $f (param $depth i32) (param $x i32) (result i32)
    (if (result i32) (i32.eqz (local.get $depth))
      (then (local.get $x))
      (else (i32.add (call $f (i32.sub (local.get $depth) (i32.const 1)) (local.get $x))
                     (i32.const 1)))))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $sum i64)
    (loop $next
      (local.set $sum (i64.add (local.get $sum)
        (i64.extend_i32_u (call $f (i32.const 9) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum)))
"#;

//! The WASI rows' programs: a real C hello world (`examples/wasi/hello.wasm`, built by
//! clang against wasi-libc) and a hand-written module of syscall-heavy loops, so both
//! engines run exactly the same bytes.

use std::path::{Path, PathBuf};

/// How many 16-byte `fd_write`s one operation of the small-writes row makes.
pub const SMALL_WRITES: u32 = 10_000;

/// The size of the file the large-read row reads.
pub const BIG_FILE_BYTES: usize = 16 << 20;

/// The hello world of `examples/wasi/`, as its bytes.
pub fn hello_wasm() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/wasi/hello.wasm");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fresh directory holding `big.bin` ([`BIG_FILE_BYTES`] bytes), preopened as `/` by
/// both engines.
pub fn scratch_dir(engine: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tarn-bench-wasi-{engine}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let bytes: Vec<u8> = (0..BIG_FILE_BYTES).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("big.bin"), bytes).expect("the big file");
    dir
}

/// `write_many(n)`: creates (or truncates) `small.txt` and writes 16 bytes to it `n`
/// times, one `fd_write` each; returns the bytes written. `read_all()`: reads `big.bin`
/// in 64 KiB `fd_read`s; returns the bytes read. Both use the preopen at descriptor 3.
pub const IO_WAT: &str = r#"
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "small.txt")
  (data (i32.const 16) "big.bin")
  (data (i32.const 32) "0123456789abcde\n")
  (func (export "write_many") (param $n i32) (result i64)
    (local $fd i32) (local $i i32) (local $total i64)
    (i32.store (i32.const 64) (i32.const 32))
    (i32.store (i32.const 68) (i32.const 16))
    ;; CREAT | TRUNC, rights FD_WRITE
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 9) (i32.const 9)
                    (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 96))
      (then unreachable))
    (local.set $fd (i32.load (i32.const 96)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (call $write (local.get $fd) (i32.const 64) (i32.const 1) (i32.const 100))
          (then unreachable))
        (local.set $total
          (i64.add (local.get $total) (i64.extend_i32_u (i32.load (i32.const 100)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (drop (call $close (local.get $fd)))
    (local.get $total))
  (func (export "read_all") (result i64)
    (local $fd i32) (local $n i32) (local $total i64)
    (i32.store (i32.const 80) (i32.const 65536))
    (i32.store (i32.const 84) (i32.const 65536))
    ;; rights FD_READ
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 7) (i32.const 0)
                    (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 96))
      (then unreachable))
    (local.set $fd (i32.load (i32.const 96)))
    (loop $next
      (if (call $read (local.get $fd) (i32.const 80) (i32.const 1) (i32.const 100))
        (then unreachable))
      (local.set $n (i32.load (i32.const 100)))
      (local.set $total (i64.add (local.get $total) (i64.extend_i32_u (local.get $n))))
      (br_if $next (local.get $n)))
    (drop (call $close (local.get $fd)))
    (local.get $total)))
"#;

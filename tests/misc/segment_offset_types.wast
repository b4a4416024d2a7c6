;; Segment offsets take the index type of their memory or table, whatever their
;; expression's last operator is. The offset was decoded as i64 only when the expression
;; ended in `i64.const`, so an i64 `global.get` or an extended-const `i64.add` offset of a
;; 64-bit memory read only its low 32 bits as if they were an i32 (fixed with memory64).
(module $globals
  (global (export "base") i64 (i64.const 0x1_0000_0010))
  (global (export "small") i64 (i64.const 16)))
(register "g" $globals)

(module
  (import "g" "small" (global $small i64))
  (memory (export "memory") i64 1)
  (data (global.get $small) "a")
  (data (i64.add (global.get $small) (i64.const 1)) "b")
  (func (export "load") (param i64) (result i32) (i32.load8_u (local.get 0))))
(assert_return (invoke "load" (i64.const 16)) (i32.const 97))
(assert_return (invoke "load" (i64.const 17)) (i32.const 98))
;; 0x1_0000_0010 is far out of bounds; read as an i32 it would have been 16.
(assert_trap
  (module
    (import "g" "base" (global $base i64))
    (memory i64 1)
    (data (global.get $base) "x"))
  "out of bounds memory access")
(assert_trap
  (module
    (table i64 1 funcref)
    (func $f)
    (elem (i64.const 0x1_0000_0000) $f))
  "out of bounds table access")

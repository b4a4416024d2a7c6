;; An active segment that does not fit traps at instantiation, after the segments before it
;; were written (Wasm 2.0 semantics). Found by fuzzing (differential oracle,
;; `segment_out_of_bounds_at_instantiation`): the two engines disagreed on what an
;; instantiation that traps leaves behind.
(module $shared
  (memory (export "memory") 1)
  (table (export "table") 2 funcref)
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))
(register "shared" $shared)

(assert_trap
  (module
    (import "shared" "memory" (memory 1))
    (data (i32.const 0) "a")
    (data (i32.const 65535) "bc"))
  "out of bounds memory access")
;; The first segment stays written.
(assert_return (invoke $shared "load" (i32.const 0)) (i32.const 97))

(assert_trap
  (module
    (import "shared" "table" (table 2 funcref))
    (func $f)
    (elem (i32.const 1) $f $f))
  "out of bounds table access")

;; A segment exactly at the end, of length zero, is in bounds.
(module
  (import "shared" "memory" (memory 1))
  (data (i32.const 65536) ""))

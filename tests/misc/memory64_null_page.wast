;; An out-of-bounds access to a 64-bit memory is clamped to the null address and faults
;; there; the fault handler must report it as an out-of-bounds trap, not abort the process
;; (it accepted only faults inside a memory's reservation).
(module
  (memory i64 1)
  (func (export "load") (param i64) (result i64) (i64.load (local.get 0)))
  (func (export "store") (param i64) (i64.store offset=8 (local.get 0) (i64.const 1)))
  (func (export "load_v128") (param i64) (result i64)
    (i64x2.extract_lane 0 (v128.load (local.get 0)))))
(assert_trap (invoke "load" (i64.const 65529)) "out of bounds memory access")
(assert_trap (invoke "load" (i64.const -1)) "out of bounds memory access")
(assert_trap (invoke "store" (i64.const 65528)) "out of bounds memory access")
(assert_trap (invoke "load_v128" (i64.const 0x8000_0000_0000_0000)) "out of bounds memory access")
(assert_return (invoke "load" (i64.const 65528)) (i64.const 0))

;; Each directive marked `must fail` states something false about Tarn; the runner
;; must report exactly those lines as failures and pass every other directive.

(module
  (global (export "g") i32 (i32.const 1))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "one") (result i32) (i32.const 1))
  (func (export "arithmetic") (result f32) (f32.const nan:0x600001))
  (func (export "negative-arithmetic") (result f64) (f64.const -nan:0x4)) ;; signalling: not arithmetic
  (func (export "nan") (result f32) (f32.const nan))
  (func (export "null-func") (result funcref) (ref.null func))
  (func (export "null-extern") (result externref) (ref.null extern))
  (global (export "lanes") v128 (v128.const i32x4 1 2 3 4))
  (func (export "finite") (result i32) (i32.const 0)))

(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "unreachable") ;; must fail
(assert_trap (invoke "one") "unreachable") ;; must fail
(assert_return (invoke "div" (i32.const 1) (i32.const 0)) (i32.const 0)) ;; must fail
(assert_return (invoke "one") (i32.const 2)) ;; must fail
(assert_return (invoke "one") (i64.const 1)) ;; must fail
(assert_return (invoke "one")) ;; must fail
(assert_return (invoke "arithmetic") (f32.const nan:canonical)) ;; must fail
(assert_return (invoke "negative-arithmetic") (f64.const nan:arithmetic)) ;; must fail
(assert_return (invoke "nan") (f32.const 0)) ;; must fail
(assert_return (invoke "one") (either (i32.const 2) (i32.const 3))) ;; must fail
(assert_return (get "g") (i32.const 2)) ;; must fail
(assert_return (get "missing") (i32.const 1)) ;; must fail
(assert_return (invoke "null-func") (ref.null extern)) ;; must fail
(assert_return (invoke "null-extern") (ref.null func)) ;; must fail
(assert_return (invoke "null-func") (ref.func)) ;; must fail
(assert_return (get "lanes") (v128.const i32x4 1 2 3 5)) ;; must fail
(assert_exhaustion (invoke "finite") "call stack exhausted") ;; must fail
(assert_return (invoke "missing")) ;; must fail
(assert_return (invoke "one" (i32.const 1)) (i32.const 1)) ;; must fail
(assert_exception (invoke "one")) ;; must fail
(assert_unlinkable (module) "unknown import") ;; must fail

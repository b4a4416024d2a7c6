;; Functions with more results than there are return registers: results beyond the
;; registers go through Cranelift's hidden return area. Found by fuzzing (differential and
;; instantiate oracles, `more_results_than_return_registers`): a call to such a function
;; crashed the code generator before the implicit return area was enabled.
(module
  (func $many (export "many") (param i32)
    (result i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64)
    (local.get 0) (i64.const 1) (f32.const 2) (f64.const 3)
    (i32.const 4) (i64.const 5) (f32.const 6) (f64.const 7)
    (i32.const 8) (i64.const 9) (f32.const 10) (f64.const 11)
    (i32.const 12) (i64.const 13) (f32.const 14) (f64.const 15)
    (i32.const 16) (i64.const 17) (f32.const 18) (f64.const 19))
  ;; A wasm caller that keeps only the first and the last result.
  (func (export "first_plus_last") (param i32) (result f64)
    (local $last f64)
    (call $many (local.get 0))
    (local.set $last)
    (drop) (drop) (drop) (drop) (drop) (drop) (drop) (drop) (drop) (drop)
    (drop) (drop) (drop) (drop) (drop) (drop) (drop) (drop)
    (f64.convert_i32_s)
    (f64.add (local.get $last))))

(assert_return (invoke "many" (i32.const -1))
  (i32.const -1) (i64.const 1) (f32.const 2) (f64.const 3)
  (i32.const 4) (i64.const 5) (f32.const 6) (f64.const 7)
  (i32.const 8) (i64.const 9) (f32.const 10) (f64.const 11)
  (i32.const 12) (i64.const 13) (f32.const 14) (f64.const 15)
  (i32.const 16) (i64.const 17) (f32.const 18) (f64.const 19))
(assert_return (invoke "first_plus_last" (i32.const 23)) (f64.const 42))

;; Module-level directives that must fail: a valid module under `assert_invalid`, an
;; invalid one under `module`, text the `wast` crate cannot encode anywhere but in a
;; quoted `assert_malformed`, and directives aimed at a module that failed.

(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (i32.const 1))

(assert_invalid (module (func)) "type mismatch") ;; must fail
(assert_malformed (module binary "\00asm\01\00\00\00") "unexpected end") ;; must fail
(assert_invalid (module (func (call $missing))) "unknown function") ;; must fail
(assert_malformed (module (func (br $nowhere))) "unknown label") ;; must fail
(assert_trap (module (func (br $nowhere))) "unreachable") ;; must fail

;; An invalid module fails, and the directives after it must not fall back to the
;; module before it.
(module (func (export "f") (result i32))) ;; must fail
(assert_return (invoke "f") (i32.const 1)) ;; must fail
(module (func (call $missing))) ;; must fail
(assert_return (invoke "f") (i32.const 1)) ;; must fail

(module $named (func (export "f") (result i32) (i32.const 2)))
(assert_return (invoke $named "f") (i32.const 2))
(assert_return (invoke $other "f") (i32.const 2)) ;; must fail

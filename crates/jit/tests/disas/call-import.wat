;; A call to an import goes through its VMFunctionImport; a defined callee is called directly.
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (func $g (param i32) (result i32)
    local.get 0
    call $f
    call $h)
  (func $h (param i32) (result i32)
    local.get 0))

;; ===== CLIF =====
;; function u0:1(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     sig0 = (i64 vmctx, i64, i32) -> i32 tail
;;     sig1 = (i64 vmctx, i64, i32) -> i32 tail
;;     fn0 = colocated u0:2 sig1
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0027                               v4 = load.i64 notrap aligned readonly can_move v0+48
;; @0027                               v5 = load.i64 notrap aligned readonly can_move v0+64
;; @0027                               v6 = call_indirect sig0, v4(v5, v0, v2)
;; @0029                               v7 = call fn0(v0, v0, v6)
;; @002b                               jump block1(v7)
;;
;;                                 block1(v3: i32):
;; @002b                               return v3
;; }
;; function u0:2(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0030                               jump block1(v2)
;;
;;                                 block1(v3: i32):
;; @0030                               return v3
;; }

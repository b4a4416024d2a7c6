;; Tail calls: `return_call` and `return_call_indirect` on the `tail` convention; the
;; indirect form's bounds, null and signature checks all come before the frame goes.
(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (func $f (type $t) (param i32) (result i32)
    (return_call $f (local.get 0)))
  (func (type $t) (param i32) (result i32)
    (return_call_indirect (type $t) (local.get 0) (local.get 0))))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     sig0 = (i64 vmctx, i64, i32) -> i32 tail
;;     fn0 = colocated u0:0 sig0
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0022                               return_call fn0(v0, v0, v2)
;; }
;; function u0:1(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     sig0 = (i64, i32, i64) -> i64 system_v
;;     sig1 = (i64 vmctx, i64, i32) -> i32 tail
;;     fn0 = colocated u1:10 sig0
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @002b                               v4 = load.i64 notrap aligned v0+56
;; @002b                               v5 = uextend.i64 v2
;; @002b                               v6 = icmp uge v5, v4
;; @002b                               trapnz v6, user5
;; @002b                               v7 = load.i64 notrap aligned v0+48
;; @002b                               v8 = iconst.i64 8
;; @002b                               v9 = imul v5, v8  ; v8 = 8
;; @002b                               v10 = iadd v7, v9
;; @002b                               v11 = load.i64 notrap aligned v10
;; @002b                               v13 = iconst.i64 0
;; @002b                               v14 = icmp eq v11, v13  ; v13 = 0
;; @002b                               brif v14, block2, block3
;;
;;                                 block2 cold:
;; @002b                               v15 = iconst.i32 0
;; @002b                               v16 = uextend.i64 v2
;; @002b                               v17 = call fn0(v0, v15, v16)  ; v15 = 0
;; @002b                               jump block4(v17)
;;
;;                                 block3:
;; @002b                               v18 = iconst.i64 -2
;; @002b                               v19 = band.i64 v11, v18  ; v18 = -2
;; @002b                               jump block4(v19)
;;
;;                                 block4(v12: i64):
;; @002b                               trapz v12, user6
;; @002b                               v20 = load.i64 notrap aligned readonly can_move v0+32
;; @002b                               v21 = load.i32 notrap aligned readonly can_move v20
;; @002b                               v22 = load.i32 notrap aligned v12+16
;; @002b                               v23 = icmp eq v21, v22
;; @002b                               trapz v23, user7
;; @002b                               v24 = load.i64 notrap aligned v12+8
;; @002b                               v25 = load.i64 notrap aligned v12+24
;; @002b                               return_call_indirect sig1, v24(v25, v0, v2)
;; }

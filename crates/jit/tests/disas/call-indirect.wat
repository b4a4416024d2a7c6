;; call_indirect: bounds check, lazy funcref load, null check, signature check, call.
(module
  (type $t (func (param i32) (result i32)))
  (table 4 funcref)
  (func (param i32 i32) (result i32)
    local.get 0
    local.get 1
    call_indirect (type $t)))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     sig0 = (i64, i32, i64) -> i64 system_v
;;     sig1 = (i64 vmctx, i64, i32) -> i32 tail
;;     fn0 = colocated u1:10 sig0
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32, v3: i32):
;; @0029                               v5 = load.i64 notrap aligned v0+56
;; @0029                               v6 = uextend.i64 v3
;; @0029                               v7 = icmp uge v6, v5
;; @0029                               trapnz v7, user5
;; @0029                               v8 = load.i64 notrap aligned v0+48
;; @0029                               v9 = iconst.i64 8
;; @0029                               v10 = imul v6, v9  ; v9 = 8
;; @0029                               v11 = iadd v8, v10
;; @0029                               v12 = load.i64 notrap aligned v11
;; @0029                               v14 = iconst.i64 0
;; @0029                               v15 = icmp eq v12, v14  ; v14 = 0
;; @0029                               brif v15, block2, block3
;;
;;                                 block2 cold:
;; @0029                               v16 = iconst.i32 0
;; @0029                               v17 = uextend.i64 v3
;; @0029                               v18 = call fn0(v0, v16, v17)  ; v16 = 0
;; @0029                               jump block4(v18)
;;
;;                                 block3:
;; @0029                               v19 = iconst.i64 -2
;; @0029                               v20 = band.i64 v12, v19  ; v19 = -2
;; @0029                               jump block4(v20)
;;
;;                                 block4(v13: i64):
;; @0029                               trapz v13, user6
;; @0029                               v21 = load.i64 notrap aligned readonly can_move v0+32
;; @0029                               v22 = load.i32 notrap aligned readonly can_move v21
;; @0029                               v23 = load.i32 notrap aligned v13+16
;; @0029                               v24 = icmp eq v22, v23
;; @0029                               trapz v24, user7
;; @0029                               v25 = load.i64 notrap aligned v13+8
;; @0029                               v26 = load.i64 notrap aligned v13+24
;; @0029                               v27 = call_indirect sig1, v25(v26, v0, v2)
;; @002c                               jump block1(v27)
;;
;;                                 block1(v4: i32):
;; @002c                               return v4
;; }

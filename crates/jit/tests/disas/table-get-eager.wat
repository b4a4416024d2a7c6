;;! eager_tables
;; Without lazy initialisation a funcref slot is untagged with a mask, no builtin call.
(module
  (table 2 funcref)
  (func (param i32) (result funcref)
    local.get 0
    table.get 0))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0021                               v4 = load.i64 notrap aligned v0+56
;; @0021                               v5 = uextend.i64 v2
;; @0021                               v6 = icmp uge v5, v4
;; @0021                               trapnz v6, user4
;; @0021                               v7 = load.i64 notrap aligned v0+48
;; @0021                               v8 = iconst.i64 8
;; @0021                               v9 = imul v5, v8  ; v8 = 8
;; @0021                               v10 = iadd v7, v9
;; @0021                               v11 = load.i64 notrap aligned v10
;; @0021                               v12 = iconst.i64 -2
;; @0021                               v13 = band v11, v12  ; v12 = -2
;; @0023                               jump block1(v13)
;;
;;                                 block1(v3: i64):
;; @0023                               return v3
;; }

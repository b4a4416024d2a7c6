;; Two defined memories: an access to either loads its base straight from the VMContext
;; (one load, as with a single memory), and memory.copy between them is one builtin call.
(module
  (memory $a 1)
  (memory $b 1)
  (func (param i32) (result i32)
    (i32.add
      (i32.load $a (local.get 0))
      (i32.load $b offset=8 (local.get 0))))
  (func (param i32 i32 i32)
    (memory.copy $b $a (local.get 0) (local.get 1) (local.get 2))))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0029                               v4 = uextend.i64 v2
;; @0029                               v5 = load.i64 notrap aligned readonly can_move v0+64
;; @0029                               v6 = iadd v5, v4
;; @0029                               v7 = load.i32 little v6
;; @002e                               v8 = uextend.i64 v2
;; @002e                               v9 = load.i64 notrap aligned readonly can_move v0+80
;; @002e                               v10 = iadd v9, v8
;; @002e                               v11 = iconst.i64 8
;; @002e                               v12 = iadd v10, v11  ; v11 = 8
;; @002e                               v13 = load.i32 little v12
;; @0032                               v14 = iadd v7, v13
;; @0033                               jump block1(v14)
;;
;;                                 block1(v3: i32):
;; @0033                               return v3
;; }
;; function u0:1(i64 vmctx, i64, i32, i32, i32) tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     sig0 = (i64, i32, i64, i32, i64, i64) -> i32 system_v
;;     sig1 = (i64) system_v
;;     fn0 = colocated u1:2 sig0
;;     fn1 = colocated u1:14 sig1
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32, v3: i32, v4: i32):
;; @003c                               v5 = iconst.i32 1
;; @003c                               v6 = iconst.i32 0
;; @003c                               v7 = uextend.i64 v2
;; @003c                               v8 = uextend.i64 v3
;; @003c                               v9 = uextend.i64 v4
;; @003c                               v10 = call fn0(v0, v5, v7, v6, v8, v9)  ; v5 = 1, v6 = 0
;; @003c                               v11 = iconst.i32 0
;; @003c                               v12 = icmp eq v10, v11  ; v11 = 0
;; @003c                               brif v12, block2, block3
;;
;;                                 block2 cold:
;; @003c                               call fn1(v0)
;; @003c                               trap user11
;;
;;                                 block3:
;; @0040                               jump block1
;;
;;                                 block1:
;; @0040                               return
;; }

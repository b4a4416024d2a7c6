;;! consume_fuel
;;! epoch_interruption
;; Fuel is charged before the loop and on each back edge; both checks run at entry and at
;; the loop header, calling OutOfGas / NewEpoch on a cold path.
(module
  (func (param i32)
    (loop $top
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if $top)))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32) tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     sig0 = (i64) -> i32 system_v
;;     sig1 = (i64) system_v
;;     sig2 = (i64) -> i32 system_v
;;     fn0 = colocated u1:12 sig0
;;     fn1 = colocated u1:14 sig1
;;     fn2 = colocated u1:13 sig2
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;;                                     v42 -> v2
;;                                     v43 -> v2
;;                                     v3 = load.i64 notrap aligned readonly can_move v0+8
;;                                     v4 = load.i64 notrap aligned v3
;;                                     v5 = iconst.i64 0
;;                                     v6 = icmp sge v4, v5  ; v5 = 0
;;                                     brif v6, block2, block3
;;
;;                                 block2 cold:
;;                                     v7 = call fn0(v0)
;;                                     v8 = iconst.i32 0
;;                                     v9 = icmp eq v7, v8  ; v8 = 0
;;                                     brif v9, block4, block5
;;
;;                                 block4 cold:
;;                                     call fn1(v0)
;;                                     trap user11
;;
;;                                 block5:
;;                                     jump block3
;;
;;                                 block3:
;;                                     v10 = load.i64 notrap aligned readonly can_move v0+24
;;                                     v11 = load.i64 notrap aligned v10
;;                                     v12 = load.i64 notrap aligned readonly can_move v0+8
;;                                     v13 = load.i64 notrap aligned v12+8
;;                                     v14 = icmp uge v11, v13
;;                                     brif v14, block6, block7
;;
;;                                 block6 cold:
;;                                     v15 = call fn2(v0)
;;                                     v16 = iconst.i32 0
;;                                     v17 = icmp eq v15, v16  ; v16 = 0
;;                                     brif v17, block8, block9
;;
;;                                 block8 cold:
;;                                     call fn1(v0)
;;                                     trap user11
;;
;;                                 block9:
;;                                     jump block7
;;
;;                                 block7:
;; @0018                               jump block10(v2)
;;
;;                                 block10(v35: i32):
;;                                     v33 -> v35
;;                                     v34 -> v35
;; @0018                               v18 = load.i64 notrap aligned readonly can_move v0+8
;; @0018                               v19 = load.i64 notrap aligned v18
;; @0018                               v20 = iconst.i64 0
;; @0018                               v21 = icmp sge v19, v20  ; v20 = 0
;; @0018                               brif v21, block12, block13
;;
;;                                 block12 cold:
;; @0018                               v22 = call fn0(v0)
;; @0018                               v23 = iconst.i32 0
;; @0018                               v24 = icmp eq v22, v23  ; v23 = 0
;; @0018                               brif v24, block14, block15
;;
;;                                 block14 cold:
;; @0018                               call fn1(v0)
;; @0018                               trap user11
;;
;;                                 block15:
;; @0018                               jump block13
;;
;;                                 block13:
;; @0018                               v25 = load.i64 notrap aligned readonly can_move v0+24
;; @0018                               v26 = load.i64 notrap aligned v25
;; @0018                               v27 = load.i64 notrap aligned readonly can_move v0+8
;; @0018                               v28 = load.i64 notrap aligned v27+8
;; @0018                               v29 = icmp uge v26, v28
;; @0018                               brif v29, block16, block17
;;
;;                                 block16 cold:
;; @0018                               v30 = call fn2(v0)
;; @0018                               v31 = iconst.i32 0
;; @0018                               v32 = icmp eq v30, v31  ; v31 = 0
;; @0018                               brif v32, block18, block19
;;
;;                                 block18 cold:
;; @0018                               call fn1(v0)
;; @0018                               trap user11
;;
;;                                 block19:
;; @0018                               jump block17
;;
;;                                 block17:
;; @001c                               v36 = iconst.i32 1
;; @001e                               v37 = isub.i32 v35, v36  ; v36 = 1
;; @0021                               v38 = load.i64 notrap aligned readonly can_move v0+8
;; @0021                               v39 = load.i64 notrap aligned v38
;; @0021                               v40 = iconst.i64 5
;; @0021                               v41 = iadd v39, v40  ; v40 = 5
;; @0021                               store notrap aligned v41, v38
;; @0021                               brif v37, block10(v37), block20
;;
;;                                 block20:
;; @0023                               jump block11
;;
;;                                 block11:
;; @0024                               jump block1
;;
;;                                 block1:
;; @0024                               return
;; }

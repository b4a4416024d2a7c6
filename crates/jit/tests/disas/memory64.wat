;; A 64-bit memory: guard pages cannot cover an i64 index, so the access is checked
;; and an out-of-bounds index selects the null address with a Spectre-safe select. When
;; offset + width fits in the minimum size the check is one compare against
;; length - (offset + width); otherwise index + offset + width is computed with an
;; overflow trap. A constant address within the minimum size needs no check, and neither
;; does a later access at the same index in the same block that reaches no further. In a
;; function that calls nothing and grows no memory, the base and length are immutable
;; loads (hoisted out of loops); the last function grows the memory, so it reloads them.
(module
  (memory i64 2)
  (func (param i64) (result i64)
    (i64.load offset=8 (local.get 0)))
  (func (param i64) (result i64)
    (i64.load offset=0x20000 (local.get 0)))
  (func (result i32)
    (i32.load (i64.const 65536)))
  (func (param i64) (result i64)
    (i64.add
      (i64.load offset=8 (local.get 0))
      (i64.load (local.get 0))))
  (func (result i64) memory.size)
  (func (param i64) (result i64)
    (drop (memory.grow (i64.const 1)))
    (i64.load (local.get 0))))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i64):
;; @002d                               v4 = load.i64 notrap aligned readonly can_move v0+56
;; @002d                               v5 = load.i64 notrap aligned readonly can_move v0+64
;; @002d                               v6 = iconst.i64 -16
;; @002d                               v7 = iadd v5, v6  ; v6 = -16
;; @002d                               v8 = icmp ugt v2, v7
;; @002d                               v9 = iadd v4, v2
;; @002d                               v10 = iconst.i64 8
;; @002d                               v11 = iadd v9, v10  ; v10 = 8
;; @002d                               v12 = iconst.i64 0
;; @002d                               v13 = select_spectre_guard v8, v12, v11  ; v12 = 0
;; @002d                               v14 = load.i64 little v13
;; @0030                               jump block1(v14)
;;
;;                                 block1(v3: i64):
;; @0030                               return v3
;; }
;; function u0:1(i64 vmctx, i64, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i64):
;; @0035                               v4 = load.i64 notrap aligned readonly can_move v0+56
;; @0035                               v5 = load.i64 notrap aligned readonly can_move v0+64
;; @0035                               v6 = iconst.i64 0x0002_0008
;; @0035                               v7 = uadd_overflow_trap v2, v6, heap_oob  ; v6 = 0x0002_0008
;; @0035                               v8 = icmp ugt v7, v5
;; @0035                               v9 = iadd v4, v2
;; @0035                               v10 = iconst.i64 0x0002_0000
;; @0035                               v11 = iadd v9, v10  ; v10 = 0x0002_0000
;; @0035                               v12 = iconst.i64 0
;; @0035                               v13 = select_spectre_guard v8, v12, v11  ; v12 = 0
;; @0035                               v14 = load.i64 little v13
;; @003a                               jump block1(v14)
;;
;;                                 block1(v3: i64):
;; @003a                               return v3
;; }
;; function u0:2(i64 vmctx, i64) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64):
;; @003d                               v3 = iconst.i64 0x0001_0000
;; @0041                               v4 = load.i64 notrap aligned readonly can_move v0+56
;; @0041                               v5 = iadd v4, v3  ; v3 = 0x0001_0000
;; @0041                               v6 = load.i32 little v5
;; @0044                               jump block1(v6)
;;
;;                                 block1(v2: i32):
;; @0044                               return v2
;; }
;; function u0:3(i64 vmctx, i64, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i64):
;; @0049                               v4 = load.i64 notrap aligned readonly can_move v0+56
;; @0049                               v5 = load.i64 notrap aligned readonly can_move v0+64
;; @0049                               v6 = iconst.i64 -16
;; @0049                               v7 = iadd v5, v6  ; v6 = -16
;; @0049                               v8 = icmp ugt v2, v7
;; @0049                               v9 = iadd v4, v2
;; @0049                               v10 = iconst.i64 8
;; @0049                               v11 = iadd v9, v10  ; v10 = 8
;; @0049                               v12 = iconst.i64 0
;; @0049                               v13 = select_spectre_guard v8, v12, v11  ; v12 = 0
;; @0049                               v14 = load.i64 little v13
;; @004e                               v15 = load.i64 notrap aligned readonly can_move v0+56
;; @004e                               v16 = iadd v15, v2
;; @004e                               v17 = load.i64 little v16
;; @0051                               v18 = iadd v14, v17
;; @0052                               jump block1(v18)
;;
;;                                 block1(v3: i64):
;; @0052                               return v3
;; }
;; function u0:4(i64 vmctx, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64):
;; @0055                               v3 = load.i64 notrap aligned readonly can_move v0+64
;; @0055                               v4 = iconst.i64 16
;; @0055                               v5 = ushr v3, v4  ; v4 = 16
;; @0057                               jump block1(v5)
;;
;;                                 block1(v2: i64):
;; @0057                               return v2
;; }
;; function u0:5(i64 vmctx, i64, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     sig0 = (i64, i32, i64) -> i64 system_v
;;     sig1 = (i64) system_v
;;     fn0 = colocated u1:0 sig0
;;     fn1 = colocated u1:14 sig1
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i64):
;; @005a                               v4 = iconst.i64 1
;; @005c                               v5 = iconst.i32 0
;; @005c                               v6 = call fn0(v0, v5, v4)  ; v5 = 0, v4 = 1
;; @005c                               v7 = iconst.i64 -2
;; @005c                               v8 = icmp eq v6, v7  ; v7 = -2
;; @005c                               brif v8, block2, block3
;;
;;                                 block2 cold:
;; @005c                               call fn1(v0)
;; @005c                               trap user11
;;
;;                                 block3:
;; @0061                               v9 = load.i64 notrap aligned v0+56
;; @0061                               v10 = load.i64 notrap aligned v0+64
;; @0061                               v11 = iconst.i64 -8
;; @0061                               v12 = iadd v10, v11  ; v11 = -8
;; @0061                               v13 = icmp.i64 ugt v2, v12
;; @0061                               v14 = iadd v9, v2
;; @0061                               v15 = iconst.i64 0
;; @0061                               v16 = select_spectre_guard v13, v15, v14  ; v15 = 0
;; @0061                               v17 = load.i64 little v16
;; @0064                               jump block1(v17)
;;
;;                                 block1(v3: i64):
;; @0064                               return v3
;; }

;; A 64-bit memory: guard pages cannot cover an i64 index, so the access is checked
;; and an out-of-bounds index selects the null address with a Spectre-safe select. When
;; offset + width fits in the minimum size the check is one compare against
;; length - (offset + width); otherwise index + offset + width is computed with an
;; overflow trap. A constant address within the minimum size needs no check, and neither
;; does a later access at the same index in the same block that reaches no further.
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
  (func (result i64) memory.size))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i64):
;; @002c                               v4 = load.i64 notrap aligned v0+48
;; @002c                               v5 = load.i64 notrap aligned v0+56
;; @002c                               v6 = iconst.i64 -16
;; @002c                               v7 = iadd v5, v6  ; v6 = -16
;; @002c                               v8 = icmp ugt v2, v7
;; @002c                               v9 = iadd v4, v2
;; @002c                               v10 = iconst.i64 8
;; @002c                               v11 = iadd v9, v10  ; v10 = 8
;; @002c                               v12 = iconst.i64 0
;; @002c                               v13 = select_spectre_guard v8, v12, v11  ; v12 = 0
;; @002c                               v14 = load.i64 little v13
;; @002f                               jump block1(v14)
;;
;;                                 block1(v3: i64):
;; @002f                               return v3
;; }
;; function u0:1(i64 vmctx, i64, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i64):
;; @0034                               v4 = load.i64 notrap aligned v0+48
;; @0034                               v5 = load.i64 notrap aligned v0+56
;; @0034                               v6 = iconst.i64 0x0002_0008
;; @0034                               v7 = uadd_overflow_trap v2, v6, heap_oob  ; v6 = 0x0002_0008
;; @0034                               v8 = icmp ugt v7, v5
;; @0034                               v9 = iadd v4, v2
;; @0034                               v10 = iconst.i64 0x0002_0000
;; @0034                               v11 = iadd v9, v10  ; v10 = 0x0002_0000
;; @0034                               v12 = iconst.i64 0
;; @0034                               v13 = select_spectre_guard v8, v12, v11  ; v12 = 0
;; @0034                               v14 = load.i64 little v13
;; @0039                               jump block1(v14)
;;
;;                                 block1(v3: i64):
;; @0039                               return v3
;; }
;; function u0:2(i64 vmctx, i64) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64):
;; @003c                               v3 = iconst.i64 0x0001_0000
;; @0040                               v4 = load.i64 notrap aligned v0+48
;; @0040                               v5 = iadd v4, v3  ; v3 = 0x0001_0000
;; @0040                               v6 = iconst.i64 0
;; @0040                               v7 = iadd v5, v6  ; v6 = 0
;; @0040                               v8 = load.i32 little v7
;; @0043                               jump block1(v8)
;;
;;                                 block1(v2: i32):
;; @0043                               return v2
;; }
;; function u0:3(i64 vmctx, i64, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i64):
;; @0048                               v4 = load.i64 notrap aligned v0+48
;; @0048                               v5 = load.i64 notrap aligned v0+56
;; @0048                               v6 = iconst.i64 -16
;; @0048                               v7 = iadd v5, v6  ; v6 = -16
;; @0048                               v8 = icmp ugt v2, v7
;; @0048                               v9 = iadd v4, v2
;; @0048                               v10 = iconst.i64 8
;; @0048                               v11 = iadd v9, v10  ; v10 = 8
;; @0048                               v12 = iconst.i64 0
;; @0048                               v13 = select_spectre_guard v8, v12, v11  ; v12 = 0
;; @0048                               v14 = load.i64 little v13
;; @004d                               v15 = load.i64 notrap aligned v0+48
;; @004d                               v16 = iadd v15, v2
;; @004d                               v17 = iconst.i64 0
;; @004d                               v18 = iadd v16, v17  ; v17 = 0
;; @004d                               v19 = load.i64 little v18
;; @0050                               v20 = iadd v14, v19
;; @0051                               jump block1(v20)
;;
;;                                 block1(v3: i64):
;; @0051                               return v3
;; }
;; function u0:4(i64 vmctx, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64):
;; @0054                               v3 = load.i64 notrap aligned v0+56
;; @0054                               v4 = iconst.i64 16
;; @0054                               v5 = ushr v3, v4  ; v4 = 16
;; @0056                               jump block1(v5)
;;
;;                                 block1(v2: i64):
;; @0056                               return v2
;; }

;; A 64-bit memory: guard pages cannot cover an i64 index, so the access is checked
;; (index + offset + width against the current length, overflow trapping) and an
;; out-of-bounds index selects the null address with a Spectre-safe select. A constant
;; address within the minimum size needs no check at all.
(module
  (memory i64 2)
  (func (param i64) (result i64)
    (i64.load offset=8 (local.get 0)))
  (func (result i32)
    (i32.load (i64.const 65536)))
  (func (result i64) memory.size))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i64):
;; @002a                               v4 = load.i64 notrap aligned v0+48
;; @002a                               v5 = load.i64 notrap aligned v0+56
;; @002a                               v6 = iconst.i64 16
;; @002a                               v7 = uadd_overflow_trap v2, v6, heap_oob  ; v6 = 16
;; @002a                               v8 = icmp ugt v7, v5
;; @002a                               v9 = iadd v4, v2
;; @002a                               v10 = iconst.i64 8
;; @002a                               v11 = iadd v9, v10  ; v10 = 8
;; @002a                               v12 = iconst.i64 0
;; @002a                               v13 = select_spectre_guard v8, v12, v11  ; v12 = 0
;; @002a                               v14 = load.i64 little v13
;; @002d                               jump block1(v14)
;;
;;                                 block1(v3: i64):
;; @002d                               return v3
;; }
;; function u0:1(i64 vmctx, i64) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64):
;; @0030                               v3 = iconst.i64 0x0001_0000
;; @0034                               v4 = load.i64 notrap aligned v0+48
;; @0034                               v5 = iadd v4, v3  ; v3 = 0x0001_0000
;; @0034                               v6 = iconst.i64 0
;; @0034                               v7 = iadd v5, v6  ; v6 = 0
;; @0034                               v8 = load.i32 little v7
;; @0037                               jump block1(v8)
;;
;;                                 block1(v2: i32):
;; @0037                               return v2
;; }
;; function u0:2(i64 vmctx, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64):
;; @003a                               v3 = load.i64 notrap aligned v0+56
;; @003a                               v4 = iconst.i64 16
;; @003a                               v5 = ushr v3, v4  ; v4 = 16
;; @003c                               jump block1(v5)
;;
;;                                 block1(v2: i64):
;; @003c                               return v2
;; }

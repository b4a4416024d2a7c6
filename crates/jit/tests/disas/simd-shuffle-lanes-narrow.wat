;; A shuffle is one instruction with its 16 lane indices as an immediate; a lane load
;; loads the scalar (a recorded trap site) and inserts it; a narrowing saturates two
;; i16x8 into one i8x16.
(module
  (memory 1)
  (func (param v128 v128) (result v128)
    (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get 0) (local.get 1)))
  (func (param i32 v128) (result v128)
    (v128.load32_lane offset=4 2 (local.get 0) (local.get 1)))
  (func (param v128 v128) (result v128)
    (i8x16.narrow_i16x8_u (local.get 0) (local.get 1))))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i8x16, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16):
;; @002b                               v5 = shuffle v2, v3, 0x17071606150514041303120211011000
;; @003d                               jump block1(v5)
;;
;;                                 block1(v4: i8x16):
;; @003d                               return v4
;; }
;; function u0:1(i64 vmctx, i64, i32, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32, v3: i8x16):
;; @0044                               v5 = bitcast.i32x4 little v3
;; @0044                               v6 = uextend.i64 v2
;; @0044                               v7 = load.i64 notrap aligned readonly can_move v0+56
;; @0044                               v8 = iadd v7, v6
;; @0044                               v9 = iconst.i64 4
;; @0044                               v10 = iadd v8, v9  ; v9 = 4
;; @0044                               v11 = load.i32 little v10
;; @0044                               v12 = insertlane v5, v11, 2
;; @0044                               v13 = bitcast.i8x16 little v12
;; @0049                               jump block1(v13)
;;
;;                                 block1(v4: i8x16):
;; @0049                               return v4
;; }
;; function u0:2(i64 vmctx, i64, i8x16, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16):
;; @0050                               v5 = bitcast.i16x8 little v3
;; @0050                               v6 = bitcast.i16x8 little v2
;; @0050                               v7 = unarrow v6, v5
;; @0052                               jump block1(v7)
;;
;;                                 block1(v4: i8x16):
;; @0052                               return v4
;; }

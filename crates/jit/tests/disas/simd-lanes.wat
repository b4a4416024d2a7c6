;; SIMD: operands are i8x16 on the stack and bitcast to the lane shape each operator works
;; on; lane extraction of a narrow lane extends to i32; pmin is a compare and a bitselect.
(module
  (func (param v128 v128) (result i32)
    local.get 0
    local.get 1
    i32x4.add
    i16x8.extract_lane_s 3)
  (func (param v128 v128) (result v128)
    local.get 0
    local.get 1
    f32x4.pmin))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i8x16, i8x16) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16):
;; @0025                               v5 = bitcast.i32x4 little v3
;; @0025                               v6 = bitcast.i32x4 little v2
;; @0025                               v7 = iadd v6, v5
;; @0025                               v8 = bitcast.i8x16 little v7
;; @0028                               v9 = bitcast.i16x8 little v8
;; @0028                               v10 = extractlane v9, 3
;; @0028                               v11 = sextend.i32 v10
;; @002b                               jump block1(v11)
;;
;;                                 block1(v4: i32):
;; @002b                               return v4
;; }
;; function u0:1(i64 vmctx, i64, i8x16, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16):
;; @0032                               v5 = bitcast.f32x4 little v3
;; @0032                               v6 = bitcast.f32x4 little v2
;; @0032                               v7 = fcmp lt v5, v6
;; @0032                               v8 = bitcast.f32x4 little v7
;; @0032                               v9 = bitselect v8, v5, v6
;; @0032                               v10 = bitcast.i8x16 little v9
;; @0035                               jump block1(v10)
;;
;;                                 block1(v4: i8x16):
;; @0035                               return v4
;; }

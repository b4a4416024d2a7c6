;;! nan_canonicalization
;;! relaxed_simd_deterministic
;; Deterministic relaxed_madd is an unfused multiply and add; with NaN canonicalisation
;; its result, and a scalar division's, pass through a NaN test and a select.
(module
  (func (param v128 v128 v128) (result v128)
    (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (param f64 f64) (result f64)
    (f64.div (local.get 0) (local.get 1))))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i8x16, i8x16, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16, v4: i8x16):
;; @0028                               v6 = bitcast.f32x4 little v4
;; @0028                               v7 = bitcast.f32x4 little v3
;; @0028                               v8 = bitcast.f32x4 little v2
;; @0028                               v9 = fmul v8, v7
;; @0028                               v10 = fadd v9, v6
;; @0028                               v11 = fcmp uno v10, v10
;; @0028                               v12 = f32const +NaN
;; @0028                               v13 = splat.f32x4 v12  ; v12 = +NaN
;; @0028                               v14 = bitcast.f32x4 little v11
;; @0028                               v15 = bitselect v14, v13, v10
;; @0028                               v16 = bitcast.i8x16 little v15
;; @002b                               jump block1(v16)
;;
;;                                 block1(v5: i8x16):
;; @002b                               return v5
;; }
;; function u0:1(i64 vmctx, i64, f64, f64) -> f64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: f64, v3: f64):
;; @0032                               v5 = fdiv v2, v3
;; @0032                               v6 = fcmp uno v5, v5
;; @0032                               v7 = f64const +NaN
;; @0032                               v8 = select v6, v7, v5  ; v7 = +NaN
;; @0033                               jump block1(v8)
;;
;;                                 block1(v4: f64):
;; @0033                               return v4
;; }

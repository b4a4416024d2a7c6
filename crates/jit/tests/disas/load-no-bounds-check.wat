;; A load whose offset fits in the guard region: no explicit bounds check.
(module
  (memory 1)
  (func (param i32) (result i32)
    local.get 0
    i32.load offset=16))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0020                               v4 = uextend.i64 v2
;; @0020                               v5 = load.i64 notrap aligned readonly can_move v0+56
;; @0020                               v6 = iadd v5, v4
;; @0020                               v7 = iconst.i64 16
;; @0020                               v8 = iadd v6, v7  ; v7 = 16
;; @0020                               v9 = load.i32 little v8
;; @0023                               jump block1(v9)
;;
;;                                 block1(v3: i32):
;; @0023                               return v3
;; }

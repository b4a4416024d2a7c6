;; A block that takes two values and leaves two: they travel as block parameters.
(module
  (func (param i32 i32) (result i32 i32)
    local.get 0
    local.get 1
    (block (param i32 i32) (result i32 i32)
      local.get 0
      i32.eqz
      br_if 0)
    ))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32, i32) -> i32, i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32, v3: i32):
;; @0023                               v8 = iconst.i32 0
;; @0023                               v9 = icmp eq v2, v8  ; v8 = 0
;; @0023                               v10 = uextend.i32 v9
;; @0024                               brif v10, block2(v2, v3), block3
;;
;;                                 block3:
;; @0026                               jump block2(v2, v3)
;;
;;                                 block2(v6: i32, v7: i32):
;; @0027                               jump block1(v6, v7)
;;
;;                                 block1(v4: i32, v5: i32):
;; @0027                               return v4, v5
;; }

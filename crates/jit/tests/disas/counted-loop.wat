;; A counted loop: the header takes no parameters, the counter lives in a variable.
(module
  (func (param i32) (result i32) (local i32)
    (loop $top
      local.get 1
      local.get 0
      i32.add
      local.set 1
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if $top)
    local.get 1))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;;                                     v3 = iconst.i32 0
;; @001b                               jump block2(v3, v2)  ; v3 = 0
;;
;;                                 block2(v5: i32, v6: i32):
;; @0021                               v7 = iadd v5, v6
;; @0026                               v8 = iconst.i32 1
;; @0028                               v9 = isub v6, v8  ; v8 = 1
;; @002b                               brif v9, block2(v7, v9), block4
;;
;;                                 block4:
;; @002d                               jump block3
;;
;;                                 block3:
;; @0030                               jump block1(v7)
;;
;;                                 block1(v4: i32):
;; @0030                               return v4
;; }

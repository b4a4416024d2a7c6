;; Integer arithmetic: the trapping division and the remainder that is 0 for INT_MIN % -1.
(module
  (func (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add
    local.get 1
    i32.div_s
    local.get 0
    i32.rem_s)
  (func (param i64) (result i64)
    local.get 0
    i64.const 7
    i64.rotl
    i64.extend32_s))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32, v3: i32):
;; @0024                               v5 = iadd v2, v3
;; @0027                               v6 = sdiv v5, v3
;; @002a                               v7 = srem v6, v2
;; @002b                               jump block1(v7)
;;
;;                                 block1(v4: i32):
;; @002b                               return v4
;; }
;; function u0:1(i64 vmctx, i64, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i64):
;; @0030                               v4 = iconst.i64 7
;; @0032                               v5 = rotl v2, v4  ; v4 = 7
;; @0033                               v6 = ireduce.i32 v5
;; @0033                               v7 = sextend.i64 v6
;; @0034                               jump block1(v7)
;;
;;                                 block1(v3: i64):
;; @0034                               return v3
;; }

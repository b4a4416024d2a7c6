;; A load whose offset reaches past the guard region: an explicit compare-and-trap.
(module
  (memory 1)
  (func (param i32) (result i64)
    local.get 0
    i64.load offset=0x80000000))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0020                               v4 = uextend.i64 v2
;; @0020                               v5 = load.i64 notrap aligned readonly can_move v0+64
;; @0020                               v6 = iconst.i64 0x8000_0008
;; @0020                               v7 = iadd v4, v6  ; v6 = 0x8000_0008
;; @0020                               v8 = icmp ugt v7, v5
;; @0020                               trapnz v8, heap_oob
;; @0020                               v9 = load.i64 notrap aligned readonly can_move v0+56
;; @0020                               v10 = iadd v9, v4
;; @0020                               v11 = iconst.i64 0x8000_0000
;; @0020                               v12 = iadd v10, v11  ; v11 = 0x8000_0000
;; @0020                               v13 = load.i64 little v12
;; @0027                               jump block1(v13)
;;
;;                                 block1(v3: i64):
;; @0027                               return v3
;; }

;; br_table with a value: every target goes through an edge block that passes it on.
(module
  (func (param i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        i32.const 10
        local.get 0
        br_table $a $b $a)
      i32.const 1
      i32.add)))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @001d                               v6 = iconst.i32 10
;; @0021                               br_table v2, block4, [block4, block5]
;;
;;                                 block5:
;; @0021                               jump block3(v6)  ; v6 = 10
;;
;;                                 block4:
;; @0021                               jump block2(v6)  ; v6 = 10
;;
;;                                 block3(v5: i32):
;; @0027                               v7 = iconst.i32 1
;; @0029                               v8 = iadd v5, v7  ; v7 = 1
;; @002a                               jump block2(v8)
;;
;;                                 block2(v4: i32):
;; @002b                               jump block1(v4)
;;
;;                                 block1(v3: i32):
;; @002b                               return v3
;; }

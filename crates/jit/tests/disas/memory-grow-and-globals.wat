;; memory.grow calls its builtin and raises on GROW_TRAPPED; a defined global lives in the
;; VMContext, an imported one behind its VMGlobalImport pointer.
(module
  (import "env" "g" (global $imported (mut i64)))
  (global $defined (mut i32) (i32.const 0))
  (memory 1)
  (func (param i32) (result i32)
    global.get $imported
    i64.const 1
    i64.add
    global.set $imported
    local.get 0
    memory.grow
    global.set $defined
    global.get $defined))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     sig0 = (i64, i32, i64) -> i64 system_v
;;     sig1 = (i64) system_v
;;     fn0 = colocated u1:0 sig0
;;     fn1 = colocated u1:14 sig1
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0032                               v4 = load.i64 notrap aligned readonly can_move v0+72
;; @0032                               v5 = load.i64 notrap aligned v4
;; @0034                               v6 = iconst.i64 1
;; @0036                               v7 = iadd v5, v6  ; v6 = 1
;; @0037                               v8 = load.i64 notrap aligned readonly can_move v0+72
;; @0037                               store notrap aligned v7, v8
;; @003b                               v9 = iconst.i32 0
;; @003b                               v10 = uextend.i64 v2
;; @003b                               v11 = call fn0(v0, v9, v10)  ; v9 = 0
;; @003b                               v12 = iconst.i64 -2
;; @003b                               v13 = icmp eq v11, v12  ; v12 = -2
;; @003b                               brif v13, block2, block3
;;
;;                                 block2 cold:
;; @003b                               call fn1(v0)
;; @003b                               trap user11
;;
;;                                 block3:
;; @003b                               v14 = ireduce.i32 v11
;; @003d                               store notrap aligned v14, v0+80
;; @003f                               v15 = load.i32 notrap aligned v0+80
;; @0041                               jump block1(v15)
;;
;;                                 block1(v3: i32):
;; @0041                               return v3
;; }

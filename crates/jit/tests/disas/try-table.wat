;; Exceptions: the call inside `try_table` is a `try_call` whose one catch-all edge goes
;; to a cold dispatch block; the dispatch block asks `ExceptionMatches` about the tag,
;; copies the payload with `ExceptionPayload`, and rethrows with `ThrowRef` when nothing
;; matches. The `throw` outside any `try_table` allocates and calls `ThrowRef`.
(module
  (tag $e (param i32))
  (func $thrower (param i32) (throw $e (local.get 0)))
  (func (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $thrower (local.get 0)))
      (i32.const -1))))

;; ===== CLIF =====
;; function u0:0(i64 vmctx, i64, i32) tail {
;;     ss0 = explicit_slot 16, align = 16
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     sig0 = (i64, i32, i64) -> i64 system_v
;;     sig1 = (i64, i64, i64) system_v
;;     fn0 = colocated u1:15 sig0
;;     fn1 = colocated u1:16 sig1
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0025                               v3 = stack_addr.i64 ss0
;; @0025                               store notrap v2, v3
;; @0025                               v4 = stack_addr.i64 ss0
;; @0025                               v5 = iconst.i32 0
;; @0025                               v6 = call fn0(v0, v5, v4)  ; v5 = 0
;; @0025                               v7 = get_frame_pointer.i64 
;; @0025                               call fn1(v0, v6, v7)
;; @0025                               trap user11
;; }
;; function u0:1(i64 vmctx, i64, i32) -> i32 tail {
;;     ss0 = explicit_slot 16, align = 16
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0+8
;;     gv2 = load.i64 notrap aligned gv1+16
;;     sig0 = (i64 vmctx, i64, i32) tail
;;     sig1 = (i64, i64, i32) -> i32 system_v
;;     sig2 = (i64, i64, i64) system_v
;;     sig3 = (i64, i64) system_v
;;     sig4 = (i64, i64, i64) system_v
;;     fn0 = colocated u0:0 sig0
;;     fn1 = colocated u1:17 sig1
;;     fn2 = colocated u1:18 sig2
;;     fn3 = colocated u1:20 sig3
;;     fn4 = colocated u1:16 sig4
;;     stack_limit = gv2
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0034                               try_call fn0(v0, v0, v2), sig0, block5, [ default: block3(exn0) ]
;;
;;                                 block5:
;; @0036                               jump block4
;;
;;                                 block3(v5: i64) cold:
;; @0036                               v6 = iconst.i32 0
;; @0036                               v7 = call fn1(v0, v5, v6)  ; v6 = 0
;; @0036                               brif v7, block6, block7
;;
;;                                 block6:
;; @0036                               v8 = stack_addr.i64 ss0
;; @0036                               call fn2(v0, v5, v8)
;; @0036                               v9 = load.i32 notrap aligned v8
;; @0036                               call fn3(v0, v5)
;; @0036                               jump block2(v9)
;;
;;                                 block7:
;; @0036                               v10 = get_frame_pointer.i64 
;; @0036                               call fn4(v0, v5, v10)
;; @0036                               trap user11
;;
;;                                 block4:
;; @0037                               v11 = iconst.i32 -1
;; @0039                               jump block2(v11)  ; v11 = -1
;;
;;                                 block2(v4: i32):
;; @003a                               jump block1(v4)
;;
;;                                 block1(v3: i32):
;; @003a                               return v3
;; }

;; A small module to try `tarn inspect` on.
(module $hello
  (import "env" "print" (func $print (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "hello, world\n")
  (func (export "main")
    (call $print (i32.const 8) (i32.const 13))))

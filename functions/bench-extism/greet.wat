;; Bench only: Extism plugin `greet`: output = "Hello, " + input + "!".
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory 1)
  (data (i32.const 0) "Hello, ")

  (func (export "greet") (result i32)
    (local $n i64) (local $out i64) (local $i i64)
    (local.set $n (call $input_length))
    (local.set $out (call $alloc (i64.add (local.get $n) (i64.const 8))))
    ;; "Hello, " from the data segment
    (block $done (loop $copy
      (br_if $done (i64.ge_u (local.get $i) (i64.const 7)))
      (call $store_u8 (i64.add (local.get $out) (local.get $i))
                      (i32.load8_u (i32.wrap_i64 (local.get $i))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $copy)))
    ;; the input
    (local.set $i (i64.const 0))
    (block $done (loop $copy
      (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
      (call $store_u8 (i64.add (local.get $out) (i64.add (local.get $i) (i64.const 7)))
                      (call $input_load_u8 (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $copy)))
    (call $store_u8 (i64.add (local.get $out) (i64.add (local.get $n) (i64.const 7))) (i32.const 33)) ;; "!"
    (call $output_set (local.get $out) (i64.add (local.get $n) (i64.const 8)))
    (i32.const 0))
)

// Test helper: WAT of an SDK guest whose `handle` loops, then answers 200 "ok" (status 200, no headers, 2 bytes).

/**
 * The module fields of the guest (to put in `(module ...)` after any imports of your own): `handle` loops
 * `iterations` times running `check` in each. `memory` declares its memory; a prepared form imports it instead.
 */
export function loopingHandler(iterations: number, check = '', memory = '(memory 1)'): string {
  return `
  (import "wasmfn" "response_write" (func $write (param i32 i32)))
  ${memory}
  (data (i32.const 16) "\\c8\\00\\00\\00" "\\00\\00\\00\\00" "\\02\\00\\00\\00" "ok")
  (func (export "handle") (local $i i32)
    (loop $again
      ${check}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const ${iterations}))))
    (call $write (i32.const 16) (i32.const 14)))`;
}

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WasmfnError } from '../host/errors.js';
import { prepareModule, type PrepareOptions } from '../host/wasm/prepare.js';
import { wat, watFixture } from './helpers/wat.js';

const test = suite('wasm prepare: validation');

const opts = (over: Partial<PrepareOptions> = {}): PrepareOptions => ({ memoryMb: 1, fuel: true, maxTableElements: 100_000, ...over });

function rejection(bytes: Uint8Array, options: PrepareOptions = opts()): string[] {
  try {
    prepareModule(bytes, options);
  } catch (e) {
    assert.instance(e, WasmfnError);
    assert.is((e as WasmfnError).code, 'invalid_module');
    return (e as WasmfnError).details ?? [];
  }
  throw new Error('expected the module to be rejected');
}

/** One detail, which mentions every given word. */
function oneReason(details: string[], ...words: string[]): void {
  assert.is(details.length, 1, `expected one reason, got ${JSON.stringify(details)}`);
  for (const w of words) assert.ok(details[0]!.includes(w), `"${details[0]}" should mention ${w}`);
}

const HANDLE = '(func (export "handle"))';

test('bytes without the wasm magic number are refused with one reason', () => {
  oneReason(rejection(new TextEncoder().encode('#!/bin/sh\necho hi\n')), 'magic');
  oneReason(rejection(new Uint8Array(0)), 'magic');
});

test('an unknown binary version is refused', () => {
  oneReason(rejection(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00)), 'version 2');
});

test('a truncated module is refused with V8 reason', () => {
  const whole = watFixture('own-memory');
  oneReason(rejection(whole.subarray(0, whole.length - 5)), 'not valid WebAssembly');
});

test('a module that does not type-check is refused with V8 reason', () => {
  oneReason(rejection(wat(`(module ${HANDLE} (func (result i32) (i64.const 1)))`)), 'not valid WebAssembly');
});

test('more than one memory is refused', () => {
  oneReason(rejection(wat(`(module (memory 1) (memory 1) ${HANDLE})`)), '2 memories');
});

test('a shared memory is refused', () => {
  oneReason(rejection(wat(`(module (memory 1 2 shared) ${HANDLE})`)), 'shared');
});

test('a 64-bit memory is refused', () => {
  oneReason(rejection(wat(`(module (memory i64 1) ${HANDLE})`)), 'memory64');
});

test('an initial memory above the cap is refused, imported or not', () => {
  oneReason(rejection(wat(`(module (memory 17) ${HANDLE})`), opts({ memoryMb: 1 })), '17 pages', '1 MiB');
  oneReason(rejection(wat(`(module (import "env" "memory" (memory 40)) ${HANDLE})`), opts({ memoryMb: 2 })), '40 pages');
  assert.ok(prepareModule(wat(`(module (memory 16) ${HANDLE})`), opts({ memoryMb: 1 })), 'exactly the cap is fine');
});

test('tables whose initial sizes add up to more than the element limit are refused', () => {
  oneReason(rejection(wat(`(module (table 11 funcref) ${HANDLE})`), opts({ maxTableElements: 10 })), 'table 0', '11');
  oneReason(rejection(wat(`(module (table 6 funcref) (table 5 funcref) ${HANDLE})`), opts({ maxTableElements: 10 })), '2 tables', '11 elements in total');
  assert.ok(prepareModule(wat(`(module (table 10 10 funcref) ${HANDLE})`), opts({ maxTableElements: 10 })));
  assert.ok(prepareModule(wat(`(module (table 6 funcref) (table 4 funcref) ${HANDLE})`), opts({ maxTableElements: 10 })));
});

test('an active data segment outside the initial memory is refused', () => {
  oneReason(rejection(wat(`(module (memory 1) (data (i32.const 65530) "0123456789") ${HANDLE})`)), 'data segment 0');
  assert.ok(prepareModule(wat(`(module (memory 1) (data (i32.const 65526) "0123456789") ${HANDLE})`), opts()));
});

test('an active element segment outside its table is refused; declarative and in-bounds ones pass', () => {
  oneReason(rejection(wat(`(module (table 1 funcref) (func $h (export "handle")) (elem (i32.const 5) $h))`)), 'element segment 0', '5..6', 'table 0');
  oneReason(
    rejection(wat(`(module (table 4 funcref) (table $t 2 funcref) (func $h (export "handle")) (elem (i32.const 0) $h) (elem (table $t) (i32.const 1) func $h $h))`)),
    'element segment 1', 'table 1', '2 elements',
  );
  assert.ok(prepareModule(wat(`(module (table 2 funcref) (func $h (export "handle")) (elem (i32.const 1) $h) (elem declare func $h $h $h))`), opts()), 'ending exactly at the table size is fine');
});

test('a passive element segment does not stop fuel instrumentation', () => {
  const prepared = prepareModule(wat('(module (table 2 funcref) (func $h (export "handle")) (elem func $h $h $h))'), opts());
  assert.ok(prepared.fuelInstrumented);
});

test('an export the ABI calls must be a function, not a global or memory of that name', () => {
  oneReason(rejection(wat('(module (memory 1) (global (export "handle") i32 (i32.const 0)))')), 'export "handle" is a global', 'sdk');
  oneReason(rejection(wat('(module (memory (export "_start") 1))')), 'export "_start" is a memory', 'wagi');
  oneReason(rejection(wat('(module (memory 1) (global (export "__new") i32 (i32.const 0)) (func (export "handle")))'), opts({ abi: 'loader' })), 'export "__new" is a global');
});

test('each import outside the ABI allowlist is named', () => {
  const details = rejection(wat(`(module (import "env" "nope" (func)) (import "os" "exec" (func)) ${HANDLE})`));
  assert.is(details.length, 2);
  assert.ok(details[0]!.includes('"env"."nope"'));
  assert.ok(details[1]!.includes('"os"."exec"'));
});

test('a missing required export is refused', () => {
  oneReason(rejection(wat('(module (import "wasmfn" "log" (func (param i32 i32 i32))))')), 'missing export "handle"');
  oneReason(rejection(wat(`(module ${HANDLE})`), opts({ abi: 'wagi' })), 'missing export "_start"');
});

test('a module that fits no ABI is refused', () => {
  oneReason(rejection(wat('(module (func (export "main")))')), 'no supported ABI');
});

test('imports from the reserved wasmfn_rt module are refused once each', () => {
  oneReason(rejection(wat(`(module (import "wasmfn_rt" "fuel" (global (mut i64))) ${HANDLE})`)), 'wasmfn_rt', 'reserved');
});

test('an export named like the fuel counter the sandbox reads is refused', () => {
  oneReason(rejection(wat(`(module (global (export "__wasmfn_fuel") i64 (i64.const 1)) ${HANDLE})`)), '__wasmfn_fuel', 'reserved');
});

test('every problem is reported, not just the first', () => {
  const module = wat(`(module
    (import "wasmfn" "log" (func (param i32 i32 i32)))
    (import "env" "nope" (func))
    (memory 40 40 shared)
    (table 20 funcref)
    (data (i32.const 0) "x"))`);
  const details = rejection(module, opts({ memoryMb: 1, maxTableElements: 10 }));
  for (const word of ['shared', '40 pages', 'table 0', '"env"."nope"', 'missing export "handle"']) {
    assert.ok(details.some((d) => d.includes(word)), `no reason mentions ${word}: ${JSON.stringify(details)}`);
  }
  assert.is(details.length, 5);
});

test('a valid module passes with the ABI from the deploy config', () => {
  const prepared = prepareModule(wat('(module (memory 1) (func (export "_start")))'), opts({ abi: 'wagi' }));
  assert.is(prepared.abi, 'wagi');
});

test.run();

// Data segments merged at deploy: the memory a fresh instance starts with is exactly what the original gives.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { mergeDataSegments } from '../host/wasm/data-merge.js';
import { readLayout } from '../host/wasm/layout.js';
import { prepareModule } from '../host/wasm/prepare.js';
import { wat } from './helpers/wat.js';

const test = suite('wasm data merge');

/** The first `bytes` of memory after instantiating `module` on a fresh memory. */
function image(module: Uint8Array, bytes = 3 * 65536): Uint8Array {
  const memory = new WebAssembly.Memory({ initial: 4, maximum: 4 });
  new WebAssembly.Instance(new WebAssembly.Module(module as Uint8Array<ArrayBuffer>), { env: { memory } });
  return new Uint8Array(memory.buffer, 0, bytes).slice();
}

test('nearby segments become one, far ones stay apart, and overlaps keep the later bytes', async () => {
  const original = wat(`(module (import "env" "memory" (memory 4 4))
    (data (i32.const 100) "abc") (data (i32.const 110) "defg") (data (i32.const 101) "XY")
    (data (i32.const 70000) "far") (data (i32.const 70010) "near far"))`);
  const merged = mergeDataSegments(original, readLayout(original));
  assert.ok(merged, 'there was something to merge');
  assert.is(readLayout(merged!).data.length, 2);
  assert.equal(image(merged!), image(original));
  assert.is(new TextDecoder().decode(image(merged!).subarray(100, 104)), 'aXY\0');
});

test('passive segments and offsets from globals are left alone', async () => {
  const passive = wat(`(module (import "env" "memory" (memory 1 1)) (data (i32.const 1) "a") (data "p") (data (i32.const 5) "b"))`);
  assert.is(mergeDataSegments(passive, readLayout(passive)), null);
  const fromGlobal = wat(`(module (import "env" "memory" (memory 1 1)) (import "env" "base" (global i32))
    (data (global.get 0) "a") (data (i32.const 5) "b"))`);
  assert.is(mergeDataSegments(fromGlobal, readLayout(fromGlobal)), null);
});

test('a deployed AssemblyScript function ends up with one data segment and the same memory image', async () => {
  const bytes = new Uint8Array(await fs.readFile(new URL('../functions/hello.wasm', import.meta.url)));
  const before = readLayout(bytes).data.length;
  const prepared = prepareModule(bytes, { memoryMb: 16, fuel: false, maxTableElements: 100_000 });
  assert.ok(before > 10, `hello has many segments (${before})`);
  assert.is(readLayout(prepared.bytes).data.length, 1);
});

test.run();

// Deploy-time rewrites for cheaper instantiation: a start function that only stores constants into the module's own
// globals is folded into their initial values, every other start is kept, and memory exports go; an instance of
// the prepared module holds exactly what an instance of the original would.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { prepareModule } from '../host/wasm/prepare.js';
import { readLayout, SECTION } from '../host/wasm/layout.js';
import { RUNTIME_MODULE, runtimeNamespace } from '../host/wasm/fuel-contract.js';
import { wat } from './helpers/wat.js';

const test = suite('wasm instance shape');

const prepare = (bytes: Uint8Array) => prepareModule(bytes, { memoryMb: 1, fuel: true, maxTableElements: 100 }).bytes;
const hasStart = (bytes: Uint8Array) => readLayout(bytes).sections.some((s) => s.id === SECTION.start);

/** Instantiates on a fresh memory and returns what the exported `get` functions and the memory hold. */
function observe(bytes: Uint8Array, metered: boolean): { values: number[]; memory: number[] } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const imports: WebAssembly.Imports = { env: { memory, seed: () => 1234 } };
  if (metered) imports[RUNTIME_MODULE] = runtimeNamespace(1_000_000n) as unknown as WebAssembly.ModuleImports;
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports);
  const values = ['get_a', 'get_b'].map((n) => Number((exports[n] as () => number)()));
  return { values, memory: [...new Uint8Array(memory.buffer, 0, 16)] };
}

function module(start: string): Uint8Array {
  return wat(`(module
    (import "env" "memory" (memory 1))
    (import "env" "seed" (func $seed (result f64)))
    (global $a (mut i32) (i32.const 1))
    (global $b (mut i64) (i64.const 2))
    (func $set_a (global.set $a (i32.const 99)))
    (func $start ${start})
    (start $start)
    (func (export "handle"))
    (func (export "get_a") (result i32) (global.get $a))
    (func (export "get_b") (result i64) (global.get $b)))`);
}

test('a start that only stores constants into its own globals is folded away, the last store winning', () => {
  const original = module('(global.set $a (i32.const 7)) (global.set $b (i64.const 40000000000)) (global.set $a (i32.const 42))');
  const prepared = prepare(original);
  assert.ok(hasStart(original));
  assert.not.ok(hasStart(prepared), 'no start section left');
  assert.equal(observe(prepared, true), observe(original, false));
  assert.equal(observe(prepared, true).values, [42, 40000000000]);
});

test('a single store is folded too', () => {
  const prepared = prepare(module('(global.set $b (i64.const -5))'));
  assert.not.ok(hasStart(prepared));
  assert.equal(observe(prepared, true).values, [1, -5]);
});

for (const [what, start] of [
  ['calls an import', '(global.set $a (i32.trunc_f64_s (call $seed)))'],
  ['calls a function', '(call $set_a)'],
  ['stores a computed value', '(global.set $a (i32.add (i32.const 2) (i32.const 3)))'],
  ['writes memory', '(global.set $a (i32.const 3)) (i32.store (i32.const 4) (i32.const 77))'],
] as const) {
  test(`a start that ${what} is kept and runs as before`, () => {
    const original = module(start);
    const prepared = prepare(original);
    assert.ok(hasStart(prepared), 'the start section stays');
    assert.equal(observe(prepared, true), observe(original, false));
  });
}

test('memory exports are dropped, the other exports kept', () => {
  const prepared = prepare(wat(`(module (memory (export "memory") (export "mem2") 1) (func (export "handle")) (func (export "other")))`));
  assert.equal(readLayout(prepared).exports.filter((e) => e.kind !== 'global').map((e) => e.name), ['handle', 'other']);
});

test('the hello example as deployed has neither a start function nor a memory export, and the same memory image', async () => {
  const hello = new Uint8Array(await fs.readFile(new URL('../functions/hello.wasm', import.meta.url)));
  assert.ok(hasStart(hello) && readLayout(hello).exports.some((e) => e.kind === 'memory'), 'the build has both');
  const prepared = prepare(hello);
  assert.not.ok(hasStart(prepared));
  assert.not.ok(readLayout(prepared).exports.some((e) => e.kind === 'memory'));
});

test.run();

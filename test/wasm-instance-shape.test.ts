// Deploy-time rewrites for cheaper instantiation: a start function that only stores constants into the module's own
// globals is folded into their initial values, every other start is kept, and every export the ABI never calls
// goes; an instance of the prepared module holds exactly what an instance of the original would. What an instance
// holds is read through `handle`, the only export an SDK module keeps: it copies the globals into memory.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import { prepareModule } from '../host/wasm/prepare.js';
import { needsPreparingAgain } from '../host/wasm/prepared-check.js';
import { CALLED_EXPORTS } from '../host/abi/detect.js';
import { readLayout, SECTION } from '../host/wasm/layout.js';
import { FUEL_EXPORT, RUNTIME_MODULE, runtimeNamespace } from '../host/wasm/fuel-contract.js';
import { wat } from './helpers/wat.js';

const test = suite('wasm instance shape');

const prepare = (bytes: Uint8Array) => prepareModule(bytes, { memoryMb: 1, fuel: true, maxTableElements: 100 }).bytes;
const hasStart = (bytes: Uint8Array) => readLayout(bytes).sections.some((s) => s.id === SECTION.start);

/** Instantiates on a fresh memory, calls `handle` and returns the globals it copied and the memory's first bytes. */
function observe(bytes: Uint8Array, metered: boolean): { values: number[]; memory: number[] } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const imports: WebAssembly.Imports = { env: { memory, seed: () => 1234 } };
  if (metered) imports[RUNTIME_MODULE] = runtimeNamespace(1_000_000n) as unknown as WebAssembly.ModuleImports;
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports);
  (exports.handle as () => void)();
  const view = new DataView(memory.buffer);
  return { values: [view.getInt32(16, true), Number(view.getBigInt64(24, true))], memory: [...new Uint8Array(memory.buffer, 0, 16)] };
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
    (func (export "handle") (i32.store (i32.const 16) (global.get $a)) (i64.store (i32.const 24) (global.get $b))))`);
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

test('every export the ABI never calls is dropped: memories, runtime helpers, globals', () => {
  const kept = (bytes: Uint8Array) => readLayout(prepare(bytes)).exports.map((e) => e.name).filter((n) => n !== FUEL_EXPORT);
  assert.equal(kept(wat(`(module (memory (export "memory") (export "mem2") 1) (global (export "g") i32 (i32.const 0)) (func (export "handle")) (func (export "other")))`)), ['handle']);
  const loader = wat(`(module (memory (export "memory") 1) (global (export "__rtti_base") i32 (i32.const 0))
    (func (export "handle") (param i32) (result i32) (local.get 0)) (func (export "__new") (param i32 i32) (result i32) (i32.const 0))
    (func (export "__pin") (param i32) (result i32) (local.get 0)) (func (export "__unpin") (param i32)) (func (export "__collect"))
    (func (export "__setArgumentsLength") (param i32)))`);
  // Every name host/abi/loader.ts reads is kept: the entry, the allocator, and the optional pin and argument count.
  assert.equal(kept(loader).sort(), ['__new', '__pin', '__setArgumentsLength', 'handle']);
});

test('a module stored without an export its ABI now calls is found to need preparing again', () => {
  const loader = wat(`(module (memory (export "memory") 1)
    (func (export "handle") (param i32) (result i32) (local.get 0)) (func (export "__new") (param i32 i32) (result i32) (i32.const 0))
    (func (export "__pin") (param i32) (result i32) (local.get 0)))`);
  const prepared = prepare(loader);
  const original = readLayout(loader).exports.map((e) => e.name);
  const calls = CALLED_EXPORTS.loader.filter((n) => original.includes(n));
  assert.equal(calls, ['handle', '__new', '__pin']);
  assert.not.ok(needsPreparingAgain(prepared, 100, calls));
  // Stored before the deploy dropped exports: it has them all, and is not prepared again for that.
  const older = prepareModule(loader, { memoryMb: 1, fuel: true, maxTableElements: 100, keepAllExports: true });
  assert.not.ok(needsPreparingAgain(older.bytes, 100, calls));
  // As if a deploy had kept only the entry exports, before the ABI also called `__pin`.
  const trimmed = wat(`(module (memory 1) (func (export "handle") (param i32) (result i32) (local.get 0)) (func (export "__new") (param i32 i32) (result i32) (i32.const 0)) (func (param i32) (result i32) (local.get 0)))`);
  assert.ok(needsPreparingAgain(trimmed, 100, calls), 'the missing __pin is noticed');
});

test('a start called again later through a table, and NaN payloads, hold what the original gives', () => {
  const original = wat(`(module
    (import "env" "memory" (memory 1))
    (global $a (mut i32) (i32.const 1))
    (global $n (mut f64) (f64.const 0))
    (table 1 funcref) (elem (i32.const 0) $start)
    (func $start (global.set $a (i32.const 5)) (global.set $n (f64.const nan:0x4000000000001)))
    (start $start)
    (func (export "handle")
      (i32.store (i32.const 0) (global.get $a))
      (i64.store (i32.const 8) (i64.reinterpret_f64 (global.get $n)))
      (global.set $a (i32.const 0))
      (call_indirect (i32.const 0))
      (i32.store (i32.const 16) (global.get $a))))`);
  const prepared = prepare(original);
  assert.not.ok(hasStart(prepared));
  const runs = [prepared, original].map((bytes, i) => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const imports: WebAssembly.Imports = { env: { memory } };
    if (i === 0) imports[RUNTIME_MODULE] = runtimeNamespace(1_000_000n) as unknown as WebAssembly.ModuleImports;
    const e = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports).exports;
    (e.handle as () => void)();
    const view = new DataView(memory.buffer);
    return [view.getInt32(0, true), view.getBigUint64(8, true), view.getInt32(16, true)];
  });
  assert.equal(runs[0], runs[1]);
  assert.equal(runs[0], [5, 0x7ff4000000000001n, 5]);
});

test('an imported start, and a start setting more globals than are folded, are kept', () => {
  const imported = prepare(wat(`(module (import "env" "abort" (func $f)) (start $f) (func (export "handle")))`));
  assert.ok(hasStart(imported));
  const globals = Array.from({ length: 65 }, (_, i) => `(global $g${i} (mut i32) (i32.const 0))`).join(' ');
  const sets = Array.from({ length: 65 }, (_, i) => `(global.set $g${i} (i32.const ${i}))`).join(' ');
  const many = prepare(wat(`(module ${globals} (func $s ${sets}) (start $s) (func (export "handle")))`));
  assert.ok(hasStart(many));
});

test('the hello example as deployed has neither a start function nor a memory export, and the same memory image', async () => {
  const hello = new Uint8Array(await fs.readFile(new URL('../functions/hello.wasm', import.meta.url)));
  assert.ok(hasStart(hello) && readLayout(hello).exports.some((e) => e.kind === 'memory'), 'the build has both');
  const prepared = prepare(hello);
  assert.not.ok(hasStart(prepared));
  assert.not.ok(readLayout(prepared).exports.some((e) => e.kind === 'memory'));
  const noop = () => {};
  const wasmfn = { request_len: () => 0, request_read: noop, response_write: noop };
  const own = new WebAssembly.Instance(new WebAssembly.Module(hello as Uint8Array<ArrayBuffer>), { env: { abort: noop }, wasmfn });
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 });
  new WebAssembly.Instance(new WebAssembly.Module(prepared as Uint8Array<ArrayBuffer>), {
    env: { memory, abort: noop }, wasmfn, [RUNTIME_MODULE]: runtimeNamespace(1_000_000n) as unknown as WebAssembly.ModuleImports,
  });
  assert.equal(new Uint8Array(memory.buffer), new Uint8Array((own.exports.memory as WebAssembly.Memory).buffer));
});

test.run();

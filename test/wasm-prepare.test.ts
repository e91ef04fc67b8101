import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareModule, type PrepareOptions } from '../host/wasm/prepare.js';
import { watFixture } from './helpers/wat.js';

const test = suite('wasm prepare: memory rewrite');

const opts = (over: Partial<PrepareOptions> = {}): PrepareOptions => ({ memoryMb: 1, fuel: false, maxTableElements: 100_000, ...over });
const compile = (bytes: Uint8Array) => new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);

function instantiate(bytes: Uint8Array, memory: WebAssembly.Memory | null): WebAssembly.Instance {
  const imports: WebAssembly.Imports = memory ? { env: { memory } } : {};
  return new WebAssembly.Instance(compile(bytes), imports);
}

function links(bytes: Uint8Array, descriptor: WebAssembly.MemoryDescriptor): boolean {
  try {
    instantiate(bytes, new WebAssembly.Memory(descriptor));
    return true;
  } catch (e) {
    if (e instanceof WebAssembly.LinkError) return false;
    throw e;
  }
}

test('a module with its own memory imports env.memory with its initial size and the cap as maximum', () => {
  const prepared = prepareModule(watFixture('own-memory'), opts({ memoryMb: 1 }));
  assert.equal(prepared.memory, { initialPages: 2, maximumPages: 16 });
  const imports = WebAssembly.Module.imports(compile(prepared.bytes));
  assert.equal(imports, [{ module: 'env', name: 'memory', kind: 'memory' }]);
  assert.ok(links(prepared.bytes, { initial: 2, maximum: 16 }));
  assert.not.ok(links(prepared.bytes, { initial: 2, maximum: 17 }), 'a host maximum above the declared one must not link');
  assert.not.ok(links(prepared.bytes, { initial: 1, maximum: 16 }), 'a smaller initial size must not link');
});

test('the rewritten module runs on a memory the host creates, keeping its data and its memory export', () => {
  const prepared = prepareModule(watFixture('own-memory'), opts({ memoryMb: 1 }));
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 16 });
  const exports = instantiate(prepared.bytes, memory).exports as Record<string, unknown>;
  const byte = exports.byte as (at: number) => number;
  assert.is(String.fromCharCode(...[16, 17, 18, 19, 20].map(byte)), 'hello');
  assert.is(exports.memory, memory);
  assert.is(new TextDecoder().decode(new Uint8Array(memory.buffer, 16, 5)), 'hello');
});

test('memory.grow stops at the cap', () => {
  const prepared = prepareModule(watFixture('own-memory'), opts({ memoryMb: 1 }));
  const exports = instantiate(prepared.bytes, new WebAssembly.Memory({ initial: 2, maximum: 16 })).exports as Record<string, (n?: number) => number>;
  assert.is(exports.grow!(14), 2);
  assert.is(exports.size!(), 16);
  assert.is(exports.grow!(1), -1);
});

test('a declared maximum below the cap is kept', () => {
  const prepared = prepareModule(watFixture('declared-max'), opts({ memoryMb: 1 }));
  assert.equal(prepared.memory, { initialPages: 1, maximumPages: 4 });
  assert.ok(links(prepared.bytes, { initial: 1, maximum: 4 }));
  assert.not.ok(links(prepared.bytes, { initial: 1, maximum: 5 }));
});

test('a declared maximum above the cap is lowered to the cap', () => {
  const prepared = prepareModule(watFixture('declared-max'), opts({ memoryMb: 0.125 }));
  assert.equal(prepared.memory, { initialPages: 1, maximumPages: 2 });
  assert.ok(links(prepared.bytes, { initial: 1, maximum: 2 }));
});

test('an imported env.memory without maximum gets the cap as maximum and keeps its data', () => {
  const prepared = prepareModule(watFixture('imported-memory'), opts({ memoryMb: 2 }));
  assert.equal(prepared.memory, { initialPages: 1, maximumPages: 32 });
  assert.not.ok(links(prepared.bytes, { initial: 1 }), 'the import now declares a maximum');
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 32 });
  const byte = instantiate(prepared.bytes, memory).exports.byte as (at: number) => number;
  assert.is(String.fromCharCode(byte(0), byte(1)), 'hi');
});

test('a module without memory gets none and reports memory as null', () => {
  const prepared = prepareModule(watFixture('no-memory'), opts());
  assert.is(prepared.memory, null);
  assert.equal(WebAssembly.Module.imports(compile(prepared.bytes)), []);
  assert.is((instantiate(prepared.bytes, null).exports.answer as () => number)(), 42);
});

test('imports and exports describe the original module and the ABI is detected', () => {
  const prepared = prepareModule(watFixture('own-memory'), opts({ fuel: true }));
  assert.is(prepared.abi, 'sdk');
  assert.equal(prepared.imports, []);
  assert.equal(prepared.exports, ['memory', 'handle', 'byte', 'size', 'grow']);
  assert.ok(prepared.fuelInstrumented);
  const added = WebAssembly.Module.imports(compile(prepared.bytes)).map((i) => `${i.module}.${i.name}:${i.kind}`);
  assert.equal(added.sort(), ['env.memory:memory', 'wasmfn_rt.fuel_budget:global', 'wasmfn_rt.fuel_out:global', 'wasmfn_rt.grow_failed:global']);
  // The memory is the host's import now: its export goes, and so does every export the SDK ABI never calls
  // (instance-shape.ts), unless all are asked for: then all stay, in order.
  const exported = (bytes: Uint8Array) => WebAssembly.Module.exports(compile(bytes)).map((e) => `${e.name}:${e.kind}`);
  assert.equal(exported(prepared.bytes), ['handle:function', '__wasmfn_fuel:global']);
  const all = prepareModule(watFixture('own-memory'), opts({ fuel: true, keepAllExports: true }));
  assert.equal(exported(all.bytes), ['memory:memory', 'handle:function', 'byte:function', 'size:function', 'grow:function', '__wasmfn_fuel:global']);
});

test('without fuel the module gets no runtime imports', () => {
  const prepared = prepareModule(watFixture('own-memory'), opts({ fuel: false }));
  assert.not.ok(prepared.fuelInstrumented);
  assert.ok(WebAssembly.Module.imports(compile(prepared.bytes)).every((i) => i.module !== 'wasmfn_rt'));
});

test('a view into a larger buffer is read at its own offset', () => {
  const bytes = watFixture('own-memory');
  const padded = new Uint8Array(bytes.length + 64).fill(0xff);
  padded.set(bytes, 32);
  const fromView = prepareModule(padded.subarray(32, 32 + bytes.length), opts({ fuel: true }));
  assert.equal([...fromView.bytes], [...prepareModule(bytes, opts({ fuel: true })).bytes]);
});

test.run();

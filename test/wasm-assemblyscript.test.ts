import asc from 'assemblyscript/asc';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareModule, type PreparedModule } from '../host/wasm/prepare.js';
import { runtimeNamespace } from '../host/wasm/fuel-contract.js';

const test = suite('wasm prepare: real AssemblyScript output');

const SOURCE = `
export function handle(input: string): string { return input + "!"; }
export function sum(n: i32): i32 {
  const a = new Array<i32>();
  for (let i = 0; i < n; i++) a.push(i);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}
export function allocate(bytes: i32): i32 { return new Uint8Array(bytes).length; }
export function fib(n: i32): i32 { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
`;

// exportRuntime (the loader ABI needs __new) is missing from asc's CompilerOptions typings.
const options = { optimizeLevel: 3, runtime: 'incremental', exportRuntime: true };
const compiled = await asc.compileString(SOURCE, options);
if (!compiled.binary) throw new Error(`asc failed: ${compiled.stderr.toString()}`);
const binary = compiled.binary;

interface Run {
  exports: Record<string, (...args: number[]) => number>;
  fuel: WebAssembly.Global;
  growFailed: WebAssembly.Global;
}

function run(prepared: PreparedModule): Run {
  const memory = new WebAssembly.Memory({ initial: prepared.memory!.initialPages, maximum: prepared.memory!.maximumPages });
  const runtime = runtimeNamespace(10_000_000_000n);
  const abort = () => {
    throw new Error('abort called');
  };
  const module = new WebAssembly.Module(prepared.bytes as Uint8Array<ArrayBuffer>);
  const instance = new WebAssembly.Instance(module, { env: { memory, abort }, wasmfn_rt: runtime } as unknown as WebAssembly.Imports);
  // The module's own counter, as the sandbox reads it.
  const fuel = instance.exports['__wasmfn_fuel'] as WebAssembly.Global;
  return { exports: instance.exports as Run['exports'], fuel, growFailed: runtime.grow_failed };
}

test('AssemblyScript output is detected as the loader ABI and its memory becomes the import', () => {
  const prepared = prepareModule(binary, { memoryMb: 1, fuel: true, maxTableElements: 100_000 });
  assert.is(prepared.abi, 'loader');
  assert.ok(prepared.exports.includes('memory') && prepared.exports.includes('__new'));
  assert.equal(prepared.memory?.maximumPages, 16);
});

test('instrumented AssemblyScript computes what the original computes, for a deterministic amount of fuel', () => {
  const plain = run(prepareModule(binary, { memoryMb: 1, fuel: false, maxTableElements: 100_000 }));
  const metered = run(prepareModule(binary, { memoryMb: 1, fuel: true, maxTableElements: 100_000, keepAllExports: true }));
  assert.is(metered.exports.sum!(1000), plain.exports.sum!(1000));
  assert.is(metered.exports.fib!(20), 6765);
  const before = metered.fuel.value as bigint;
  metered.exports.fib!(20);
  const once = before - (metered.fuel.value as bigint);
  assert.ok(once > 0n);
  metered.exports.fib!(20);
  assert.is(before - (metered.fuel.value as bigint), 2n * once);
});

test('running out of memory sets grow_failed', () => {
  const metered = run(prepareModule(binary, { memoryMb: 1, fuel: true, maxTableElements: 100_000, keepAllExports: true }));
  assert.is(metered.exports.allocate!(100_000), 100_000);
  assert.is(metered.growFailed.value, 0);
  assert.throws(() => metered.exports.allocate!(4 * 1024 * 1024), (e: unknown) => e instanceof WebAssembly.RuntimeError);
  assert.is(metered.growFailed.value, 1);
});

test.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareModule } from '../host/wasm/prepare.js';
import { runtimeNamespace } from '../host/wasm/fuel-contract.js';
import { wasmText, watFixture } from './helpers/wat.js';

const test = suite('wasm fuel and grow instrumentation');

const PLENTY = 10_000_000_000n;

interface Loaded {
  exports: Record<string, (...args: number[]) => number>;
  /** The module's own counter, as exported for the sandbox. */
  fuel: WebAssembly.Global;
  fuelOut: WebAssembly.Global;
  growFailed: WebAssembly.Global;
}

function prepare(name: string, memoryMb = 1) {
  return prepareModule(watFixture(name), { memoryMb, fuel: true, maxTableElements: 100_000, keepAllExports: true });
}

/** Instantiates as the sandbox does: budget and flags in place before instantiation (start functions run then). */
function load(name: string, budget: bigint, memoryMb = 1): Loaded {
  const prepared = prepare(name, memoryMb);
  const runtime = runtimeNamespace(budget);
  const env: Record<string, WebAssembly.ImportValue> = {};
  if (prepared.memory) {
    env.memory = new WebAssembly.Memory({ initial: prepared.memory.initialPages, maximum: prepared.memory.maximumPages });
  }
  const module = new WebAssembly.Module(prepared.bytes as Uint8Array<ArrayBuffer>);
  const instance = new WebAssembly.Instance(module, { env, wasmfn_rt: runtime } as unknown as WebAssembly.Imports);
  const fuel = instance.exports['__wasmfn_fuel'] as WebAssembly.Global;
  return { exports: instance.exports as Loaded['exports'], fuel, fuelOut: runtime.fuel_out, growFailed: runtime.grow_failed };
}

/** Fuel one call takes. */
function used(m: Loaded, call: () => unknown): bigint {
  const before = m.fuel.value as bigint;
  call();
  return before - (m.fuel.value as bigint);
}

function trapsOnFuel(m: Loaded, call: () => unknown): void {
  assert.throws(call, (e: unknown) => e instanceof WebAssembly.RuntimeError);
  assert.ok((m.fuel.value as bigint) < 0n, `fuel should be negative after the trap, is ${m.fuel.value}`);
  assert.is(m.fuelOut.value, 1, 'the out-of-fuel flag is raised');
}

test('a loop that never ends traps once fuel runs out, leaving the global negative', () => {
  const m = load('metered', 100_000n);
  trapsOnFuel(m, () => m.exports.spin!());
});

test('a function of known shape consumes the same fuel every time, linearly in its iterations', () => {
  const m = load('metered', PLENTY);
  const once = used(m, () => m.exports.count!(1000));
  assert.ok(once > 0n);
  assert.is(used(m, () => m.exports.count!(1000)), once);
  const at2000 = used(m, () => m.exports.count!(2000));
  const at3000 = used(m, () => m.exports.count!(3000));
  assert.is(at3000 - at2000, at2000 - once);
});

test('a budget of exactly what a call needs is enough, one unit less traps', () => {
  const calls: [string, number][] = [['count', 100], ['nested', 12], ['calls_in_loop', 10], ['fib', 10], ['fib_indirect', 10]];
  for (const [name, arg] of calls) {
    const probe = load('metered', PLENTY);
    const expected = probe.exports[name]!(arg);
    const need = used(probe, () => probe.exports[name]!(arg));
    const exact = load('metered', need);
    assert.is(exact.exports[name]!(arg), expected, name);
    assert.is(exact.fuel.value, 0n, name);
    const short = load('metered', need - 1n);
    trapsOnFuel(short, () => short.exports[name]!(arg));
  }
});

test('loops around calls and around other loops are metered', () => {
  const m = load('metered', PLENTY);
  assert.is(m.exports.nested!(10), 100);
  const n10 = used(m, () => m.exports.nested!(10));
  const n20 = used(m, () => m.exports.nested!(20));
  assert.ok(n20 > 3n * n10, 'nested loops cost about n squared');
  const c10 = used(m, () => m.exports.calls_in_loop!(10));
  assert.is(used(m, () => m.exports.calls_in_loop!(20)), 2n * c10);
  for (const [name, arg] of [['nested', 1000], ['calls_in_loop', 100_000]] as const) {
    const small = load('metered', 10_000n);
    trapsOnFuel(small, () => small.exports[name]!(arg));
  }
});

test('recursion is metered deterministically and traps on a small budget', () => {
  const m = load('metered', PLENTY);
  const fib15 = used(m, () => m.exports.fib!(15));
  assert.ok(fib15 > 0n);
  assert.is(used(m, () => m.exports.fib!(15)), fib15);
  assert.ok(used(m, () => m.exports.fib!(16)) > fib15);
  const small = load('metered', 1000n);
  trapsOnFuel(small, () => small.exports.fib!(25));
});

test('recursion without any branch traps on fuel before the stack overflows', () => {
  const m = load('metered', 1000n);
  trapsOnFuel(m, () => m.exports.forever!());
});

test('indirect calls are metered', () => {
  const m = load('metered', PLENTY);
  const once = used(m, () => m.exports.fib_indirect!(15));
  assert.ok(once > 0n);
  assert.is(used(m, () => m.exports.fib_indirect!(15)), once);
  const small = load('metered', 1000n);
  trapsOnFuel(small, () => small.exports.fib_indirect!(25));
});

test('a loop inside a table.fill operand is metered', () => {
  const m = load('metered', PLENTY);
  m.exports.fill_after_spinning!(10);
  const small = load('metered', 100_000n);
  trapsOnFuel(small, () => small.exports.fill_after_spinning!(1_000_000_000));
});

test('the start function is metered with the budget set before instantiation', () => {
  const m = load('start-loop', PLENTY);
  assert.is((m.exports.done as unknown as WebAssembly.Global).value, 100_000);
  assert.ok(PLENTY - (m.fuel.value as bigint) >= 100_000n);
  // Out of fuel in the start function: no instance comes back, so the flag is all the sandbox has to go on.
  const module = new WebAssembly.Module(prepare('start-loop').bytes as Uint8Array<ArrayBuffer>);
  const runtime = runtimeNamespace(1000n);
  assert.throws(() => new WebAssembly.Instance(module, { wasmfn_rt: runtime } as unknown as WebAssembly.Imports), (e: unknown) => e instanceof WebAssembly.RuntimeError);
  assert.is(runtime.fuel_out.value, 1);
});

test('a failed memory.grow sets grow_failed, a successful one does not', () => {
  const m = load('metered', PLENTY, 0.125);
  assert.is(m.exports.grow!(1), 1);
  assert.is(m.growFailed.value, 0);
  assert.is(m.exports.grow!(1), -1);
  assert.is(m.growFailed.value, 1);
});

test('every memory.grow is rewritten, also one nested in another', () => {
  const m = load('metered', PLENTY, 0.0625);
  assert.is(m.exports.grow_twice!(0), -1, 'the inner grow(0) succeeds with 1, the outer grow(1) fails');
  assert.is(m.growFailed.value, 1);
  const text = wasmText(prepare('metered').bytes);
  assert.is(text.split('memory.grow').length - 1, 1, 'only the added helper grows memory');
});

test('tail calls, exceptions, SIMD, multi-value and bulk memory survive, and tail recursion is metered', () => {
  const m = load('features', PLENTY);
  assert.is(m.exports.countdown!(1_000_000), 7);
  assert.is(m.exports.catch_sum!(10), 45);
  assert.is(m.exports.simd_lane_sum!(10), 14);
  assert.is(m.exports.swap_sub!(10, 3), -7);
  assert.is(m.exports.fill_and_read!(9), 9);
  const small = load('features', 10_000n);
  trapsOnFuel(small, () => small.exports.countdown!(2_000_000_000));
});

test('memory.fill, memory.copy and memory.init charge their length', () => {
  const m = load('bulk', PLENTY);
  const base = used(m, () => m.exports.fill!(1, 0));
  assert.is(used(m, () => m.exports.fill!(1, 1 << 20)) - base, BigInt((1 << 20) >> 4));
  const copyBase = used(m, () => m.exports.copy!(1, 0));
  assert.is(used(m, () => m.exports.copy!(1, 1 << 19)) - copyBase, BigInt((1 << 19) >> 2));
  const initBase = used(m, () => m.exports.init!(0));
  assert.is(used(m, () => m.exports.init!(32)) - initBase, 8n);
});

test('a huge memory.fill in a loop runs out of fuel in proportion to the bytes, not the iterations', () => {
  const m = load('bulk', 100_000n);
  trapsOnFuel(m, () => m.exports.fill!(1_000_000_000, 1 << 16));
  const done = (m.exports.done as unknown as WebAssembly.Global).value as number;
  // 100000 units at 16 bytes each is 1.6 MB: at most 24 fills of 64 KiB.
  assert.ok(done <= 24, `${done} fills of 64 KiB ran on 100000 units`);
});

test('a length the budget cannot pay traps before a byte is written', () => {
  const m = load('bulk', 1000n);
  trapsOnFuel(m, () => m.exports.fill!(1, 1 << 20));
  assert.is(m.exports.byte!(0), 0);
  assert.is((m.exports.done as unknown as WebAssembly.Global).value, 0);
});

test('a successful memory.grow charges by the pages it added, a failed one nothing extra', () => {
  const m = load('grow-pages', PLENTY, 4);
  const none = used(m, () => m.exports.grow!(0));
  assert.is(used(m, () => m.exports.grow!(10)) - none, 10n * 4096n);
  assert.is(used(m, () => m.exports.grow!(1000)), none);
  assert.is(m.growFailed.value, 1);
  const small = load('grow-pages', 20_000n, 4);
  trapsOnFuel(small, () => small.exports.grow!(10));
});

test.run();

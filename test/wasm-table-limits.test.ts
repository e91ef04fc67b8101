import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readLayout, type TableDecl } from '../host/wasm/layout.js';
import { prepareModule } from '../host/wasm/prepare.js';
import { planTableMaxima } from '../host/wasm/table-limits.js';
import { wat } from './helpers/wat.js';

const test = suite('wasm prepare: table maxima');

const table = (initial: number, maximum: number | null = null): TableDecl => ({ imported: false, refType: 0x70, limits: { initial, maximum, shared: false, memory64: false } });

test('one table without a maximum gets the whole cap; a smaller declared maximum is kept', () => {
  assert.equal(planTableMaxima([table(3)], 100), [100]);
  assert.equal(planTableMaxima([table(3, 7)], 100), [7]);
  assert.equal(planTableMaxima([table(3, 700)], 100), [100]);
});

test('tables split what the initial sizes leave; a small declared maximum leaves more to the others', () => {
  assert.equal(planTableMaxima([table(10), table(10)], 100), [50, 50]);
  assert.equal(planTableMaxima([table(10), table(0, 5), table(10)], 100), [47, 5, 48]);
  assert.equal(planTableMaxima([table(0), table(0), table(0)], 10), [3, 3, 4]);
  const maxima = planTableMaxima([table(1), table(2, 40), table(3), table(4, 5)], 50);
  assert.ok(maxima.reduce((a, b) => a + b) <= 50);
  assert.is(maxima[3], 5);
});

test('a prepared module has a maximum on every table, summing to at most the cap, with or without fuel', () => {
  const bytes = wat(`(module (table 1 funcref) (table 2 externref) (table 3 9 funcref) (func (export "handle")))`);
  for (const fuel of [false, true]) {
    const tables = readLayout(prepareModule(bytes, { memoryMb: 1, fuel, maxTableElements: 40 }).bytes).tables;
    assert.equal(tables.map((t) => [t.refType, t.limits.initial]), [[0x70, 1], [0x6f, 2], [0x70, 3]]);
    assert.ok(tables.every((t) => t.limits.maximum !== null));
    assert.is(tables[2]!.limits.maximum, 9);
    assert.is(tables.reduce((n, t) => n + t.limits.maximum!, 0), 40);
  }
});

test('an exported table cannot be grown past its share from JavaScript either', () => {
  const p = prepareModule(wat(`(module (table (export "t") 1 funcref) (func (export "handle")))`), { memoryMb: 1, fuel: false, maxTableElements: 10 });
  const t = new WebAssembly.Instance(new WebAssembly.Module(p.bytes as Uint8Array<ArrayBuffer>)).exports['t'] as WebAssembly.Table;
  t.grow(9);
  assert.throws(() => t.grow(1), RangeError);
});

test.run();

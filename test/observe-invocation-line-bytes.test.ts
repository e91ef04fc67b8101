import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { invocationLine } from '../host/invocation/line.js';
import { writeSuccessLine, type SuccessLineFacts } from '../host/invocation/line-bytes.js';

const bytes = suite('observe: the invocation line written as bytes');

const LEVELS = { info: 30, warn: 40 };
const NOW = 1_796_170_697_384;

function facts(over: Partial<Omit<SuccessLineFacts, 'method' | 'path'>> & { method?: string; path?: string } = {}) {
  const s = {
    requestId: 'c1844c0c-1bd1-42f0-8e9b-4dfa645cc490', function: 'hello', version: '5043aca3daaf8dac', method: 'GET',
    path: '/x?name=world', status: 200, queueMs: 0.0123456, instantiateMs: 0.00567, runMs: 12.34567, totalMs: 1234.0512,
    fuelUsed: 19177 as number | null, peakPages: 1, bytesIn: 0, bytesOut: 13, ...over,
  };
  const asBytes: SuccessLineFacts = { ...s, method: Buffer.from(s.method, 'latin1'), path: Buffer.from(s.path, 'latin1') };
  return { asString: { ...s, code: null }, asBytes };
}

function written(f: SuccessLineFacts, size = 4096): string | null {
  const buf = Buffer.alloc(size);
  const end = writeSuccessLine(buf, 0, f, 30, NOW);
  return end < 0 ? null : buf.toString('utf8', 0, end);
}

bytes('a success line is byte for byte the line invocationLine() builds', () => {
  for (const over of [{}, { fuelUsed: null }, { queueMs: 0, runMs: 0.001, totalMs: 29_999.9994 }, { status: 204, bytesOut: 0, path: '/' }, { bytesIn: 1_234_567, fuelUsed: 999_999_999_999 }]) {
    const { asString, asBytes } = facts(over);
    assert.is(written(asBytes), invocationLine(asString, LEVELS, NOW), JSON.stringify(over));
  }
});

bytes('a non-finite duration is null, as in the string form', () => {
  const { asString, asBytes } = facts({ runMs: Number.NaN, totalMs: Number.POSITIVE_INFINITY });
  const line = written(asBytes)!;
  assert.is(line, invocationLine(asString, LEVELS, NOW));
  assert.is((JSON.parse(line) as { runMs: unknown }).runMs, null);
});

bytes('a path JSON would escape, or one that is not ASCII, is left to the string form', () => {
  for (const path of ['/a"b', '/a\\b', '/caf\u00e9', '/tab\there']) assert.is(written(facts({ path }).asBytes), null, path);
});

bytes('a line that would not fit the buffer is not written at all', () => {
  assert.is(written(facts({ path: '/' + 'p'.repeat(5000) }).asBytes, 4096), null);
});

bytes.run();

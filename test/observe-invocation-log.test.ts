// The hand-built invocation line: valid JSON in pino's format whatever the strings, batched, and ordered with guest lines.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvocationLog } from '../host/observe/invocation-log.js';
import type { InvocationRecord } from '../host/invocation/record.js';
import { captureLog } from './helpers/log-capture.js';

const test = suite('observe invocation log');

function rec(over: Partial<InvocationRecord> = {}): InvocationRecord {
  return {
    requestId: 'r1', time: 0, function: 'f', version: '0123456789abcdef', method: 'GET', path: '/', status: 200, code: null,
    queueMs: 0.0123456, instantiateMs: 1, runMs: 2, totalMs: 3.5, fuelUsed: 7, peakPages: 1, memoryMb: 16, bytesIn: 4, bytesOut: 5, logs: [],
    ...over,
  };
}

test('a line is valid JSON even with quotes, backslashes, control characters and non-finite numbers', () => {
  const c = captureLog();
  const il = new InvocationLog(c.logger);
  il.write(rec({ path: '/a"b\\c\n\u0001é', requestId: 'x"y', totalMs: NaN, fuelUsed: null }));
  il.flush();
  const [l] = c.lines();
  assert.is(l!.path, '/a"b\\c\n\u0001é');
  assert.is(l!.requestId, 'x"y');
  assert.is(l!.totalMs, null);
  assert.is(l!.fuelUsed, null);
  assert.is(l!.queueMs, 0.012);
  assert.is(l!.level, 30);
  assert.is(typeof l!.time, 'number');
  assert.is(l!.event, 'invocation');
});

test('a failure is a warn line carrying its message and wasm stack', () => {
  const c = captureLog();
  const il = new InvocationLog(c.logger);
  il.write(rec({ status: 500, code: 'trap', message: 'wasm trap: unreachable', trapStack: ['wasm://wasm/1:wasm-function[3]:0x10'] }));
  il.flush();
  const [l] = c.lines();
  assert.is(l!.level, 40);
  assert.is(l!.code, 'trap');
  assert.equal(l!.error, { message: 'wasm trap: unreachable', trapStack: ['wasm://wasm/1:wasm-function[3]:0x10'] });
});

test('lines wait for flush, and guest lines keep their place after their invocation line', () => {
  const c = captureLog();
  const il = new InvocationLog(c.logger);
  il.write(rec({ requestId: 'a' }));
  assert.is(c.lines().length, 0);
  il.write(rec({ requestId: 'b', logs: [{ level: 'info', line: 'from b' }] }));
  il.write(rec({ requestId: 'c' }));
  il.flush();
  assert.equal(c.lines().map((l) => `${l.event}:${l.requestId}`), ['invocation:a', 'invocation:b', 'guest:b', 'invocation:c']);
});

test('the log level filters invocation and guest lines', () => {
  const c = captureLog('warn');
  const il = new InvocationLog(c.logger);
  il.write(rec({ logs: [{ level: 'info', line: 'quiet' }, { level: 'error', line: 'loud' }] }));
  il.write(rec({ status: 504, code: 'timeout', message: 'too slow', trapStack: [] }));
  il.flush();
  assert.equal(c.lines().map((l) => l.msg), ['loud', 'GET /fn/f/ 504 timeout']);
});

test.run();

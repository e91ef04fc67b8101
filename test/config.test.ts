import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { resolveOptions, DEFAULT_LIMITS } from '../host/config.js';
import { WasmfnError } from '../host/errors.js';

const options = suite('host options');

options('defaults apply when the environment is empty', () => {
  const o = resolveOptions({}, {});
  assert.is(o.host, '127.0.0.1');
  assert.is(o.port, 8080);
  assert.is(o.dataDir, path.resolve('data'));
  assert.is(o.token, null);
  assert.is(o.maxModuleBytes, 50 * 1024 * 1024);
  assert.is(o.maxRequestBytes, 6 * 1024 * 1024);
  assert.equal(o.defaults, DEFAULT_LIMITS);
  assert.is(o.maxima.memoryMb, 256);
  assert.is(o.maxima.timeoutMs, 30_000);
});

options('environment variables are read with their units', () => {
  const o = resolveOptions({}, { HOST: '0.0.0.0', PORT: '9000', WASMFN_DATA: '/tmp/x', WASMFN_TOKEN: 't', WASMFN_WORKERS: '3', WASMFN_MAX_REQUEST_MB: '1' });
  assert.is(o.host, '0.0.0.0');
  assert.is(o.port, 9000);
  assert.is(o.dataDir, '/tmp/x');
  assert.is(o.token, 't');
  assert.is(o.workers, 3);
  assert.is(o.maxRequestBytes, 1024 * 1024);
});

options('explicit overrides win over the environment', () => {
  const o = resolveOptions({ port: 0, workers: 1 }, { PORT: '9000', WASMFN_WORKERS: '4' });
  assert.is(o.port, 0);
  assert.is(o.workers, 1);
});

options('invalid values are refused at start-up with every reason', () => {
  try {
    resolveOptions({ port: 70000, workers: 0 }, {});
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, WasmfnError);
    assert.is((e as WasmfnError).code, 'bad_request');
    assert.is((e as WasmfnError).details?.length, 2);
  }
  assert.throws(() => resolveOptions({}, { PORT: 'abc' }), (e: WasmfnError) => e.code === 'bad_request');
});

options('the table element cap is read from WASMFN_MAX_TABLE_ELEMENTS and cannot pass V8 table limit', () => {
  assert.is(resolveOptions({}, {}).maxTableElements, 100_000);
  assert.is(resolveOptions({}, { WASMFN_MAX_TABLE_ELEMENTS: '5000' }).maxTableElements, 5000);
  assert.throws(() => resolveOptions({ maxTableElements: 20_000_000 }, {}), (e: WasmfnError) => e.code === 'bad_request');
});

options('a default limit above its host maximum is refused', () => {
  assert.throws(() => resolveOptions({ defaults: { memoryMb: 512, timeoutMs: 1000, fuel: 1 } }, {}), (e: WasmfnError) => e.code === 'bad_request');
});

options.run();

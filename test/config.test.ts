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

options('the pool, memory pool and recent-logs budgets are read from the environment', () => {
  const d = resolveOptions({}, {});
  assert.is(d.maxRunningPerFunction, 0, 'default: workers - 1');
  assert.is(d.memoryPoolBytesPerWorker, 64 * 1024 * 1024);
  assert.is(d.memoryPoolMaxMemoryBytes, 16 * 1024 * 1024);
  assert.is(d.maxRecentLogBytes, 16 * 1024 * 1024);
  const o = resolveOptions({}, {
    WASMFN_MAX_RUNNING_PER_FUNCTION: '3', WASMFN_MEMORY_POOL_MB: '8', WASMFN_MEMORY_POOL_MAX_MEMORY_MB: '2', WASMFN_MAX_RECENT_LOGS_MB: '4',
  });
  assert.is(o.maxRunningPerFunction, 3);
  assert.is(o.memoryPoolBytesPerWorker, 8 * 1024 * 1024);
  assert.is(o.memoryPoolMaxMemoryBytes, 2 * 1024 * 1024);
  assert.is(o.maxRecentLogBytes, 4 * 1024 * 1024);
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

options('the worker heap is read from WASMFN_WORKER_HEAP_MB, 128 MiB by default, and at least 16', () => {
  assert.is(resolveOptions({}, {}).workerHeapMb, 128);
  assert.is(resolveOptions({}, { WASMFN_WORKER_HEAP_MB: '64' }).workerHeapMb, 64);
  assert.throws(() => resolveOptions({}, { WASMFN_WORKER_HEAP_MB: '8' }), (e: WasmfnError) => e.code === 'bad_request');
});

options('HTTP caps and timeouts: defaults, environment, and combinations that could never work are refused', () => {
  const d = resolveOptions({}, {});
  assert.is(d.maxBufferedBodyBytes, 256 * 1024 * 1024);
  assert.is(d.headersTimeoutMs, 10_000);
  assert.is(d.requestTimeoutMs, 120_000);
  const o = resolveOptions({}, { WASMFN_MAX_BUFFERED_MB: '64', WASMFN_HEADERS_TIMEOUT_MS: '2000', WASMFN_REQUEST_TIMEOUT_MS: '30000' });
  assert.is(o.maxBufferedBodyBytes, 64 * 1024 * 1024);
  assert.is(o.headersTimeoutMs, 2000);
  assert.is(o.requestTimeoutMs, 30_000);
  // A cap below one accepted body, or a headers timeout past the request timeout (Node refuses that).
  assert.throws(() => resolveOptions({ maxBufferedBodyBytes: 1024 * 1024 }, {}), (e: WasmfnError) => e.code === 'bad_request');
  assert.throws(() => resolveOptions({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 }, {}), (e: WasmfnError) => e.code === 'bad_request');
  assert.throws(() => resolveOptions({ headersTimeoutMs: 0 }, {}), (e: WasmfnError) => e.code === 'bad_request');
});

options('the table element cap is read from WASMFN_MAX_TABLE_ELEMENTS and cannot pass V8 table limit', () => {
  assert.is(resolveOptions({}, {}).maxTableElements, 100_000);
  assert.is(resolveOptions({}, { WASMFN_MAX_TABLE_ELEMENTS: '5000' }).maxTableElements, 5000);
  assert.throws(() => resolveOptions({ maxTableElements: 20_000_000 }, {}), (e: WasmfnError) => e.code === 'bad_request');
});

options('a default limit above its host maximum is refused', () => {
  assert.throws(() => resolveOptions({ defaults: { memoryMb: 512, timeoutMs: 1000, fuel: 1 } }, {}), (e: WasmfnError) => e.code === 'bad_request');
});

options('WASMFN_WORKER_NICE defaults to 10 and must be an integer 0-19', () => {
  assert.is(resolveOptions({}, {}).workerNice, 10);
  assert.is(resolveOptions({}, { WASMFN_WORKER_NICE: '0' }).workerNice, 0);
  const named = (e: unknown) => e instanceof WasmfnError && /WORKER_NICE|workerNice/.test(`${e.message} ${e.details?.join(' ') ?? ''}`);
  for (const bad of ['20', '-1', '2.5']) assert.throws(() => resolveOptions({}, { WASMFN_WORKER_NICE: bad }), named, `accepted ${bad}`);
});

options.run();

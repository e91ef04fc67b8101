// The fast path: eligible calls answered on the HTTP thread within a fuel slice, the rest (and those that run out
// of it) in the worker pool, with the same answers, logs, usage and error codes either way.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withHost as startedHost, deployBuilt, deploy, admin, errorCode, type TestHost } from './helpers/host.js';
import { wat } from './helpers/wat.js';

const test = suite('sandbox inline fast path');

const inline = (h: TestHost) => h.pool.inline!;

/** A host whose HTTP thread never counts as too busy for the slice, so which calls run inline does not depend on
 * how loaded the machine running the tests is. */
const withHost = <T>(opts: Parameters<typeof startedHost>[0], fn: (h: TestHost) => Promise<T>) =>
  startedHost({ inlineBusyPercent: 100, ...opts }, fn);

/** An SDK guest that logs a line, counts down $n loop iterations, then answers "done". */
function logThenWork(iterations: number): Uint8Array {
  return wat(`(module
    (import "wasmfn" "log" (func $log (param i32 i32 i32)))
    (import "wasmfn" "response_write" (func $write (param i32 i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "\\c8\\00\\00\\00" "\\00\\00\\00\\00" "\\04\\00\\00\\00" "done")
    (data (i32.const 64) "slice line")
    (func (export "handle") (local $n i32)
      (call $log (i32.const 1) (i32.const 64) (i32.const 10))
      (local.set $n (i32.const ${iterations}))
      (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (call $write (i32.const 16) (i32.const 16))))`);
}

/** A WAGI guest answering "hi"; with `sleeps` it also imports poll_oneoff, which may block. */
function wagi(sleeps: boolean): Uint8Array {
  return wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
    ${sleeps ? '(import "wasi_snapshot_preview1" "poll_oneoff" (func $p (param i32 i32 i32 i32) (result i32)))' : ''}
    (memory (export "memory") 1)
    (data (i32.const 0) "\\64\\00\\00\\00\\1c\\00\\00\\00")
    (data (i32.const 100) "content-type: text/plain\\n\\nhi")
    (func (export "_start") (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 200)))))`);
}

async function get(h: TestHost, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.url}${path}`, { headers });
}

test('a short call is answered on the HTTP thread with the same status, headers and body as from a worker', async () => {
  const answer = async (inlineFuel: number) => withHost({ inlineFuel }, async (h) => {
    await deployBuilt(h, 'hello');
    const res = await get(h, '/fn/hello?name=x');
    const names = [...res.headers.keys()].filter((n) => n !== 'date').sort();
    return { status: res.status, body: await res.text(), names, hits: h.pool.inline?.hits ?? 0, fuel: res.headers.get('x-wasmfn-fuel') };
  });
  const pooled = await answer(0);
  const fast = await answer(1_500_000);
  assert.is(pooled.hits, 0);
  assert.is(fast.hits, 1);
  assert.equal({ ...fast, hits: 0 }, { ...pooled, hits: 0 });
});

test('limits and error codes are the same with the fast path on, and healthy calls are served after', async () => {
  await withHost({ workers: 2, logLevel: 'debug' }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=200&fuel=1000000000000');
    await deployBuilt(h, 'loop-in-start', 'loop-in-start', 'timeoutMs=200&fuel=1000000000000');
    await deployBuilt(h, 'grow-memory', 'grow-memory', 'memoryMb=8');
    await deployBuilt(h, 'deep-recursion');
    await deployBuilt(h, 'abort-message');
    const expect: [string, number, string, RegExp?][] = [
      ['loop-forever', 504, 'timeout'], ['loop-in-start', 504, 'timeout'], ['grow-memory', 500, 'memory_limit'],
      ['deep-recursion', 500, 'trap', /stack/i], ['abort-message', 500, 'trap', /something went wrong/],
    ];
    for (const [name, status, code, message] of expect) {
      const res = await get(h, `/fn/${name}`);
      assert.is(res.status, status, name);
      const err = ((await res.json()) as { error: { code: string; message: string } }).error;
      assert.is(err.code, code, name);
      if (message) assert.match(err.message, message);
      const ok = await get(h, '/fn/hello?name=ok');
      assert.is(await ok.text(), 'Hello, ok!', `hello after ${name}`);
    }
    assert.ok(inline(h).hits >= 5, 'hello was answered inline');
    assert.ok(inline(h).fallbacks >= 2, 'the runaways ran out of their slice first');
  });
});

test('a call needing 10x the slice gets the right answer from the pool, with the slice counted in its fuel', async () => {
  const fuelOf = async (inlineFuel: number) => withHost({ inlineFuel }, async (h) => {
    await deployBuilt(h, 'fib');
    const res = await get(h, '/fn/fib?n=20');
    return { body: await res.text(), fuel: Number(res.headers.get('x-wasmfn-fuel')), fallbacks: h.pool.inline?.fallbacks ?? 0 };
  });
  const pooled = await fuelOf(0);
  const slice = Math.floor(pooled.fuel / 10);
  const fast = await fuelOf(slice);
  assert.is(pooled.body, '6765');
  assert.is(fast.body, '6765');
  assert.is(fast.fallbacks, 1);
  assert.is(fast.fuel, pooled.fuel + slice);
});

test('a call answered inline logs the same invocation line as from a worker, successes and guest errors alike', async () => {
  const lines = async (inlineFuel: number) => withHost({ inlineFuel, logLevel: 'info' }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'abort-message');
    const ok = await get(h, '/fn/hello?name=x', { 'x-request-id': 'ok-1' });
    const failed = await get(h, '/fn/abort-message', { 'x-request-id': 'failed-1' });
    await Promise.all([ok.text(), failed.text()]);
    const hits = h.pool.inline?.hits ?? 0;
    // Timings differ from run to run; every other field must be the same wherever the call ran.
    const shown = h.lines().filter((l) => l.event === 'invocation').map((l) => {
      const { time, queueMs, instantiateMs, runMs, totalMs, ...rest } = l as Record<string, unknown>;
      assert.ok([time, queueMs, instantiateMs, runMs, totalMs].every((v) => typeof v === 'number'));
      return rest;
    });
    return { hits, shown };
  });
  const pooled = await lines(0);
  const fast = await lines(1_500_000);
  assert.is(pooled.hits, 0);
  assert.is(fast.hits, 2);
  assert.equal(fast.shown.map((l) => [l.requestId, l.status, l.code]), [['ok-1', 200, null], ['failed-1', 500, 'trap']]);
  assert.equal(fast.shown, pooled.shown);
});

test('log lines of a thrown-away slice never appear, and usage counts one invocation per call', async () => {
  await withHost({ inlineFuel: 100_000, logLevel: 'debug' }, async (h) => {
    await deploy(h, 'heavy', logThenWork(2_000_000));
    for (let i = 0; i < 2; i++) {
      const res = await get(h, '/fn/heavy', { 'x-request-id': `heavy-${i}` });
      assert.is(await res.text(), 'done');
    }
    assert.is(inline(h).fallbacks, 2);
    const guest = h.lines().filter((l) => l.event === 'guest');
    assert.equal(guest.map((g) => [g.requestId, g.msg]), [['heavy-0', 'slice line'], ['heavy-1', 'slice line']]);
    assert.is(h.lines().filter((l) => l.event === 'invocation').length, 2);
    const logs = (await (await admin(h, '/api/functions/heavy/logs')).json()) as { invocations: { logs: { line: string }[] }[] };
    assert.is(logs.invocations.length, 2);
    for (const e of logs.invocations) assert.equal(e.logs.map((l) => l.line), ['slice line']);
    const usage = (await (await admin(h, '/api/functions/heavy/usage')).json()) as { invocations: { total: number } };
    assert.is(usage.invocations.total, 2);
  });
});

test('a version that keeps missing its slice stops being tried inline, and a new version is tried again', async () => {
  await withHost({ inlineFuel: 100_000 }, async (h) => {
    await deploy(h, 'heavy', logThenWork(2_000_000));
    for (let i = 0; i < 8; i++) await (await get(h, '/fn/heavy')).arrayBuffer();
    assert.is(inline(h).fallbacks, 3, 'three misses, then the pool directly');
    assert.ok(inline(h).backingOff(h.registry.require('heavy')));
    await deploy(h, 'heavy', logThenWork(10));
    await (await get(h, '/fn/heavy')).arrayBuffer();
    assert.is(inline(h).hits, 1, 'the light new version is answered inline');
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /wasmfn_inline_total\{outcome="hit"\} 1/);
    assert.match(metrics, /wasmfn_inline_total\{outcome="fallback"\} 3/);
  });
});

test('eligibility is recorded at deploy: WAGI with poll_oneoff never runs inline, WAGI without it does', async () => {
  await withHost({}, async (h) => {
    await deploy(h, 'sleeper', wagi(true));
    await deploy(h, 'plain', wagi(false));
    const meta = async (name: string) => ((await (await admin(h, `/api/functions/${name}`)).json()) as { meta?: { inline?: boolean; inlineReason?: string }; inline?: boolean; inlineReason?: string });
    const sleeper = h.registry.require('sleeper').meta;
    assert.is(sleeper.inline, false);
    assert.match(sleeper.inlineReason!, /poll_oneoff/);
    assert.is(h.registry.require('plain').meta.inline, true);
    assert.ok(await meta('sleeper'));
    const res = await get(h, '/fn/sleeper');
    assert.is(await res.text(), 'hi');
    assert.is(inline(h).hits + inline(h).fallbacks, 0, 'the sleeper ran in the pool only');
    assert.is(await (await get(h, '/fn/plain')).text(), 'hi');
    assert.is(inline(h).hits, 1);
  });
});

test('with WASMFN_INLINE_FUEL 0 every call goes to the pool', async () => {
  await withHost({ inlineFuel: 0 }, async (h) => {
    await deployBuilt(h, 'hello');
    assert.is(await (await get(h, '/fn/hello?name=p')).text(), 'Hello, p!');
    assert.is(h.pool.inline, null);
    assert.is(await errorCode(await get(h, '/fn/nope')), 'function_not_found');
  });
});

test.run();

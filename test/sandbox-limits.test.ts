import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withHost, deployBuilt, deploy, fnBytes, errorCode, until } from './helpers/host.js';
import { wat } from './helpers/wat.js';
import type { RunningHost } from '../host/server.js';

async function healthy(h: RunningHost): Promise<void> {
  const res = await fetch(`${h.url}/fn/hello?name=ok`);
  assert.is(res.status, 200, 'a healthy function still answers');
  assert.is(await res.text(), 'Hello, ok!');
  const s = h.pool.stats();
  assert.is(s.workers, h.opts.workers, 'the worker count is back to the pool size');
}

const limits = suite('sandbox limits');

limits('an infinite loop in the handler is stopped with timeout and the worker replaced', async () => {
  await withHost({ workers: 2 }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=200&fuel=1000000000000');
    const before = h.pool.stats().restarts;
    const res = await fetch(`${h.url}/fn/loop-forever`);
    assert.is(res.status, 504);
    assert.is(await errorCode(res), 'timeout');
    assert.is(h.pool.stats().restarts, before + 1);
    await healthy(h);
  });
});

limits('an infinite loop in the start function is stopped too', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-in-start', 'loop-in-start', 'timeoutMs=200&fuel=1000000000000');
    const res = await fetch(`${h.url}/fn/loop-in-start`);
    assert.is(res.status, 504);
    assert.is(await errorCode(res), 'timeout');
    await healthy(h);
  });
});

limits('fuel stops a loop deterministically, in the handler and in the start function', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'lf', 'fuel=100000&timeoutMs=30000');
    await deployBuilt(h, 'loop-in-start', 'ls', 'fuel=100000&timeoutMs=30000');
    for (const name of ['lf', 'ls']) {
      const res = await fetch(`${h.url}/fn/${name}`);
      assert.is(res.status, 504, name);
      assert.is(await errorCode(res), 'fuel_exhausted');
    }
    await healthy(h);
  });
});

limits('a memory grower gets memory_limit', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'grow-memory', 'grow-memory', 'memoryMb=8');
    const res = await fetch(`${h.url}/fn/grow-memory`);
    assert.is(res.status, 500);
    assert.is(await errorCode(res), 'memory_limit');
    await healthy(h);
  });
});

limits('deep recursion is a trap naming the stack overflow', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'deep-recursion');
    const res = await fetch(`${h.url}/fn/deep-recursion`);
    assert.is(res.status, 500);
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    assert.is(err.code, 'trap');
    assert.match(err.message, /stack/i);
    await healthy(h);
  });
});

limits('abort becomes a trap carrying its message', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'abort-message');
    const res = await fetch(`${h.url}/fn/abort-message`);
    assert.is(res.status, 500);
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    assert.is(err.code, 'trap');
    assert.match(err.message, /something went wrong/);
    await healthy(h);
  });
});

limits('wasm traps (unreachable, division by zero) are trap errors', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    const unreachable = wat(`(module (import "wasmfn" "request_len" (func (result i32))) (func (export "handle") unreachable))`);
    const divzero = wat(`(module (import "wasmfn" "request_len" (func $len (result i32)))
      (func (export "handle") (drop (i32.div_s (i32.const 1) (i32.sub (call $len) (call $len))))))`);
    assert.is((await deploy(h, 'unr', unreachable)).status, 201);
    assert.is((await deploy(h, 'div', divzero)).status, 201);
    for (const n of ['unr', 'div']) {
      const res = await fetch(`${h.url}/fn/${n}`);
      assert.is(res.status, 500);
      assert.is(await errorCode(res), 'trap');
    }
    await healthy(h);
  });
});

limits('huge initial memory and huge tables are refused at deploy', async () => {
  await withHost({}, async (h) => {
    const mem = await deploy(h, 'huge-memory', await fnBytes('huge-memory'));
    assert.is(mem.status, 422);
    assert.is(await errorCode(mem), 'invalid_module');
    const table = wat(`(module (import "wasmfn" "request_len" (func (result i32))) (table 10000000 funcref) (func (export "handle")))`);
    const res = await deploy(h, 'huge-table', table);
    assert.is(res.status, 422);
    assert.is(await errorCode(res), 'invalid_module');
  });
});

limits('a module importing a host function that does not exist is refused with its name', async () => {
  await withHost({}, async (h) => {
    const bad = wat(`(module (import "wasmfn" "launch_missiles" (func)) (func (export "handle")))`);
    const res = await deploy(h, 'bad', bad);
    assert.is(res.status, 422);
    const err = ((await res.json()) as { error: { code: string; details: string[] } }).error;
    assert.is(err.code, 'invalid_module');
    assert.match(err.details.join('\n'), /launch_missiles/);
  });
});

limits('responses over the limit are response_too_large', async () => {
  await withHost({ maxResponseBytes: 1024 * 1024 }, async (h) => {
    await deployBuilt(h, 'big-response');
    const res = await fetch(`${h.url}/fn/big-response?mb=2`);
    assert.is(res.status, 502);
    assert.is(await errorCode(res), 'response_too_large');
  });
});

limits('several runaway calls at once do not stop healthy calls from being served', async () => {
  await withHost({ workers: 2 }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=300&fuel=1000000000000');
    const runaways = Array.from({ length: 4 }, () => fetch(`${h.url}/fn/loop-forever`));
    const healthyCalls = Array.from({ length: 20 }, (_, i) => fetch(`${h.url}/fn/hello?name=n${i}`).then(async (r) => [r.status, await r.text()] as const));
    const [bad, good] = await Promise.all([Promise.all(runaways), Promise.all(healthyCalls)]);
    for (const r of bad) assert.is(await errorCode(r), 'timeout');
    good.forEach(([status, text], i) => {
      assert.is(status, 200);
      assert.is(text, `Hello, n${i}!`);
    });
    await healthy(h);
  });
});

limits('requests queued behind a runaway on its worker are re-dispatched, not failed', async () => {
  await withHost({ workers: 1 }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=300&fuel=1000000000000');
    const runaway = fetch(`${h.url}/fn/loop-forever`);
    // One worker: once the runaway is on it, these are posted behind it and must survive its worker being terminated.
    await until(() => h.pool.stats().inflight === 1, 'the runaway posted to the only worker');
    const behind = await Promise.all(Array.from({ length: 3 }, (_, i) => fetch(`${h.url}/fn/hello?name=b${i}`).then(async (r) => [r.status, await r.text()] as const)));
    assert.is(await errorCode(await runaway), 'timeout');
    behind.forEach(([status, text], i) => {
      assert.is(status, 200);
      assert.is(text, `Hello, b${i}!`);
    });
    assert.is(h.pool.stats().restarts, 1);
  });
});

limits('past the per-function concurrency cap callers get overloaded with Retry-After', async () => {
  await withHost({ workers: 1, maxConcurrencyPerFunction: 2 }, async (h) => {
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=400&fuel=1000000000000');
    const calls = Array.from({ length: 4 }, () => fetch(`${h.url}/fn/loop-forever`));
    const results = await Promise.all(calls);
    const codes = await Promise.all(results.map(errorCode));
    assert.is(codes.filter((c) => c === 'overloaded').length, 2, codes.join(','));
    const over = results[codes.indexOf('overloaded')]!;
    assert.is(over.status, 503);
    assert.is(over.headers.get('retry-after'), '1');
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /wasmfn_invocations_total\{function="loop-forever",outcome="overloaded"\} 2/, 'refused calls are counted too');
  });
});

limits('past the host-wide queue bound callers get overloaded with Retry-After, and the queued ones still run', async () => {
  // About the pool's queue: with the fast path on, hello would be answered on the HTTP thread without queuing.
  await withHost({ workers: 1, maxQueue: 2, inlineFuel: 0 }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=1500&fuel=1000000000000');
    const runaway = fetch(`${h.url}/fn/loop-forever`);
    const call = (i: number) => fetch(`${h.url}/fn/hello?name=q${i}`).then(async (r) => [r.status, await r.text()] as const);
    // Behind a long job on the only worker, calls wait in the host's queue (moved there if they were posted first).
    const first = call(0);
    await until(() => h.pool.stats().queued === 1, 'the first call waiting in the host queue');
    const second = call(1);
    await until(() => h.pool.stats().queued === 2, 'the second call waiting in the host queue');
    const over = await fetch(`${h.url}/fn/hello?name=q2`);
    assert.is(await errorCode(over), 'overloaded');
    assert.is(over.status, 503);
    assert.is(over.headers.get('retry-after'), '1');
    assert.is(await errorCode(await runaway), 'timeout');
    assert.equal(await Promise.all([first, second]), [[200, 'Hello, q0!'], [200, 'Hello, q1!']]);
    await healthy(h);
  });
});

limits('with no queue at all (maxQueue 0) a call that finds a free worker still runs', async () => {
  await withHost({ workers: 1, maxQueue: 0 }, async (h) => {
    await deployBuilt(h, 'hello');
    const res = await fetch(`${h.url}/fn/hello?name=direct`);
    assert.is(res.status, 200);
    assert.is(await res.text(), 'Hello, direct!');
  });
});

limits('a process-wide backstop refuses any wasm memory above the host maximum, in workers too', async () => {
  await withHost({}, async (h) => {
    const { Worker } = await import('node:worker_threads');
    const pages = h.opts.maxima.memoryMb * 16 + 1;
    const w = new Worker(`const { parentPort } = require('node:worker_threads');
      try { new WebAssembly.Memory({ initial: ${pages} }); parentPort.postMessage('allowed'); } catch { parentPort.postMessage('refused'); }`, { eval: true });
    try {
      assert.is(await new Promise((r) => w.once('message', r)), 'refused');
    } finally {
      await w.terminate();
    }
  });
});

limits.run();

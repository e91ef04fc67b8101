// Hostile load on the worker pool and on what the host keeps between calls: one function's backlog against
// another's calls, memories and log text kept after calls, and results that must survive a worker being replaced.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withHost, deploy, deployBuilt, errorCode, until, auth } from './helpers/host.js';
import { wat } from './helpers/wat.js';
import { sharedNow } from '../host/invocation/clock.js';
import { MemoryPool } from '../host/sandbox/memory-pool.js';
import type { JobInput } from '../host/sandbox/job-codec.js';

const adv = suite('adversarial: pool');

const input = (query: string): JobInput => ({ method: 'GET', path: '/', query, rawHeaders: [], body: new Uint8Array(0), remoteAddr: '', requestId: query, receivedAt: sharedNow() });

adv('calls of one function waiting for the workers do not hold back another function\'s call', async () => {
  await withHost({ workers: 2 }, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=1000&fuel=1000000000000');
    // Twice as many as there are workers: two rounds of long calls, hello due after the first.
    const calls = 2 * h.opts.workers;
    let longAnswered = 0;
    const long = Array.from({ length: calls }, () => fetch(`${h.url}/fn/loop-forever`).then(async (r) => {
      longAnswered++;
      return errorCode(r);
    }));
    await until(() => h.pool.stats().queued + h.pool.stats().inflight === calls, 'every long call admitted');
    const res = await fetch(`${h.url}/fn/hello?name=next`);
    const answeredBefore = longAnswered;
    assert.is(await res.text(), 'Hello, next!');
    // The long calls that held the workers when it came end first; it does not wait for the ones queued after them.
    assert.ok(answeredBefore <= h.opts.workers, `${answeredBefore} of ${calls} long calls ended before hello was answered`);
    assert.equal(await Promise.all(long), Array(calls).fill('timeout'));
  });
});

adv('one function alone still gets every worker', async () => {
  await withHost({ workers: 2 }, async (h) => {
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=2000&fuel=1000000000000');
    const long = [fetch(`${h.url}/fn/loop-forever`), fetch(`${h.url}/fn/loop-forever`)];
    await until(() => h.pool.stats().busy === 2, 'both workers running it');
    for (const r of await Promise.all(long)) assert.is(await errorCode(r), 'timeout');
  });
});

/** A WAGI function with `pages` of initial memory that answers `ok`. */
async function bigMemory(pages: number): Promise<Uint8Array> {
  return wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") ${pages})
    (data (i32.const 16) "content-type: text/plain\\n\\nok")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 28))
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
}

adv('a function with a huge initial memory does not keep it resident in the workers after its calls', async () => {
  await withHost({ workers: 1 }, async (h) => {
    const res = await deploy(h, 'huge', await bigMemory(4096), 'memoryMb=256');
    assert.is(res.status, 201, await res.text());
    for (let i = 0; i < 2; i++) assert.is(await (await fetch(`${h.url}/fn/huge`)).text(), 'ok');
    await until(() => h.pool.stats().inflight === 0, 'the calls collected');
    assert.ok(h.pool.stats().pooledMemoryBytes < 256 * 1024 * 1024, `${h.pool.stats().pooledMemoryBytes} bytes pooled`);
  });
});

adv('the memories a worker keeps for reuse stay within its byte budget', async () => {
  const budget = 16 * 1024 * 1024;
  await withHost({ workers: 1, memoryPoolBytesPerWorker: budget }, async (h) => {
    // Five shapes of 8 MiB each: all within the size a pool keeps, together past its budget.
    for (let i = 0; i < 5; i++) {
      const res = await deploy(h, `mem${i}`, await bigMemory(128), `memoryMb=${9 + i}`);
      assert.is(res.status, 201, await res.text());
      assert.is(await (await fetch(`${h.url}/fn/mem${i}`)).text(), 'ok');
    }
    await until(() => h.pool.stats().inflight === 0, 'the calls collected');
    const pooled = h.pool.stats().pooledMemoryBytes;
    assert.ok(pooled > 0, 'small memories are still reused');
    // Each thread that runs calls keeps at most the budget: the worker, and the HTTP thread for the fast path.
    assert.ok(pooled <= 2 * budget, `${pooled} bytes pooled`);
  });
});

adv('past its byte budget a memory pool drops its biggest memories to keep smaller ones', () => {
  const MiB = 1024 * 1024;
  const pool = new MemoryPool({ perShape: 4, maxBytes: 3 * MiB, maxMemoryBytes: 2 * MiB });
  const shape = (mb: number, max = mb) => ({ initialPages: mb * 16, maximumPages: max * 16 });
  const use = (s: ReturnType<typeof shape>) => pool.release(pool.acquire(s), s);
  use(shape(4));
  assert.is(pool.bytes, 0, 'above maxMemoryBytes: not kept');
  use(shape(2));
  use(shape(1));
  assert.is(pool.bytes, 3 * MiB);
  use(shape(1, 2));
  assert.is(pool.bytes, 2 * MiB, 'the 2 MiB memory made room for the second 1 MiB one');
  use(shape(2));
  assert.is(pool.bytes, 2 * MiB, 'a big one does not push out smaller ones');
  const reused = pool.reused;
  use(shape(1));
  use(shape(1, 2));
  assert.is(pool.reused, reused + 2);
});

/** A WAGI function that writes `lines` stderr lines of 2048 euro signs (two-byte text once decoded) per call. */
async function logFlood(lines: number): Promise<Uint8Array> {
  return wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 64) "content-type: text/plain\\n\\nok")
    (data (i32.const 128) "${'\\e2\\82\\ac'.repeat(2048)}\\n")
    (func (export "_start") (local $i i32)
      (i32.store (i32.const 0) (i32.const 128)) (i32.store (i32.const 4) (i32.const ${2048 * 3 + 1}))
      (loop $more
        (drop (call $write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $more (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const ${lines}))))
      (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 28))
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
}

adv('a log flood keeps the recent-logs ring within its byte budgets, per function and host-wide', async () => {
  const hostWide = 3 * 1024 * 1024;
  await withHost({ maxRecentLogBytes: hostWide }, async (h) => {
    const flood = await logFlood(200);
    for (let f = 0; f < 4; f++) {
      const res = await deploy(h, `flood${f}`, flood);
      assert.is(res.status, 201, await res.text());
      for (let i = 0; i < 8; i++) assert.is(await (await fetch(`${h.url}/fn/flood${f}`)).text(), 'ok');
    }
    h.observability.flushLogs();
    const s = h.observability.recentLogStats();
    assert.ok(s.bytes <= hostWide, `${s.bytes} bytes kept host-wide`);
    assert.ok(s.maxFunctionBytes <= 1024 * 1024, `${s.maxFunctionBytes} bytes kept for one function`);
    const logs = (await (await fetch(`${h.url}/api/functions/flood3/logs?limit=1`, { headers: auth(h) })).json()) as { invocations: { logs: { line: string }[] }[] };
    const last = logs.invocations[0]!.logs;
    assert.match(last[last.length - 1]!.line, /not kept|dropped/, 'a cut entry says so');
  });
});

adv('a big result finished just before a sibling on its worker times out is answered, not lost', async () => {
  await withHost({ workers: 1 }, async (h) => {
    await deployBuilt(h, 'big-response');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=200&fuel=1000000000000');
    const timeoutMs = h.registry.require('loop-forever').limits.timeoutMs;
    const outcomes = await new Promise<Awaited<ReturnType<typeof h.pool.invoke>>[]>((resolve) => {
      setImmediate(() => {
        const t0 = sharedNow();
        const big = h.pool.invoke(h.registry.require('big-response'), input('mb=1'));
        const loop = h.pool.invoke(h.registry.require('loop-forever'), input(''));
        // The main thread stays busy past the sibling's deadline, as under load: the deadline check then comes
        // before the wake-up that would have collected the big result.
        while (sharedNow() < t0 + timeoutMs + 300);
        void Promise.all([big, loop]).then(resolve);
      });
    });
    const [big, loop] = outcomes;
    assert.is(loop!.ok ? 'ok' : loop!.error.code, 'timeout');
    assert.ok(big!.ok, `the big result arrived: ${big!.ok ? '' : big!.error.message}`);
    assert.is(big!.ok ? big!.body.byteLength : 0, 1 << 20);
  });
});

adv.run();

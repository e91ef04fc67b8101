// When the HTTP thread hands a call to the workers, and how the workers share the cores with it: a busy HTTP thread
// keeps a short call rather than queue it behind a long job, and worker threads run at a lower priority.

import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withHost, deployBuilt, until } from './helpers/host.js';
import { DEFAULT_POOL_OPTIONS, WorkerPool } from '../host/sandbox/pool.js';
import type { LiveFunction } from '../host/store/registry.js';
import type { InlineAttempt } from '../host/sandbox/inline-runner.js';
import { sharedNow } from '../host/invocation/clock.js';
import { threadStatFields } from '../host/bench/thread-cpu.js';

const test = suite('sandbox hand-off');

const input = (query: string) => ({ method: 'GET', path: '/', query, rawHeaders: [], body: new Uint8Array(0), remoteAddr: '', requestId: query, receivedAt: sharedNow() });

/**
 * Tries a call as the HTTP thread would after 40 ms of its event loop fully used (this test runs on that thread).
 * The first try starts the busy gate's window, which otherwise reaches back to the gate's previous look.
 */
function tryWhileBusy(pool: WorkerPool, fn: LiveFunction, query: string): InlineAttempt | null {
  const first = pool.tryInline(fn, input('name=window'), true);
  if (first?.hit) pool.inline!.recycle();
  const end = performance.now() + 40;
  while (performance.now() < end);
  return pool.tryInline(fn, input(query), true);
}

test('a busy HTTP thread hands a short call to an idle worker, and keeps it while the worker is in a long job', async () => {
  await withHost({}, async (h) => {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=5000&fuel=1000000000000');
    // A pool of its own whose long jobs never count as stuck: the worker stays the one a call would go to, so
    // only the age of its running job decides.
    const pool = new WorkerPool({
      ...DEFAULT_POOL_OPTIONS, stealAfterMs: 60_000, workers: 1, maxQueue: 8, maxConcurrencyPerFunction: 8, maxRunningPerFunction: 0,
      maxResponseBytes: 1 << 20, workerHeapMb: 64, memoryPoolBytesPerWorker: 1 << 24, memoryPoolMaxMemoryBytes: 1 << 24,
      lineLevels: { info: null, warn: null }, inlineFuel: 1_500_000, inlineBusyPercent: 75,
    });
    try {
      await pool.ready();
      const hello = h.registry.require('hello');
      assert.is(tryWhileBusy(pool, hello, 'name=idle'), null, 'an idle worker takes the call off a busy thread');
      // Not through the fast path: the long job goes straight to the only worker.
      const long = pool.invoke(h.registry.require('loop-forever'), input('long'));
      let kept: InlineAttempt | null = null;
      await until(() => (kept = tryWhileBusy(pool, hello, 'name=kept')) !== null, 'a call kept on the busy thread while the worker runs the long job', 4000);
      const attempt = kept as InlineAttempt | null;
      assert.ok(attempt?.hit, 'answered within its slice');
      assert.is(attempt?.hit && attempt.outcome.ok ? Buffer.from(attempt.outcome.body).toString() : '', 'Hello, kept!');
      pool.inline!.recycle();
      const outcome = await long;
      assert.is(outcome.ok ? 'ok' : outcome.error.code, 'timeout');
    } finally {
      await pool.close();
    }
  });
});

/** The nice value of each of this process's threads, by thread id. */
function threadNice(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync(`/proc/${process.pid}/task`)) {
    try {
      // Nice is field 19 of proc(5), the 17th after the command name.
      out.set(Number(tid), Number(threadStatFields(process.pid, tid)[16]));
    } catch {
      // The thread ended while the list was read.
    }
  }
  return out;
}

test('worker threads run WASMFN_WORKER_NICE steps below the HTTP thread, which stays where it was', async () => {
  if (process.platform !== 'linux') return;
  const base = threadNice().get(process.pid)!;
  // Three steps below this thread, a value no other host's workers (10 steps below) share.
  const nice = base + 3;
  if (nice > 19) return;
  await withHost({ workers: 2, workerNice: 3 }, async (h) => {
    await h.pool.ready();
    const stats = h.pool.stats();
    const at = [...threadNice().values()].filter((n) => n === nice).length;
    assert.is(at, stats.workers + stats.spares, 'every worker and the spare');
    assert.is(threadNice().get(process.pid), base, 'the HTTP thread keeps its priority');
    // A worker's calls still run and answer at that priority.
    await deployBuilt(h, 'hello');
    const outcome = await h.pool.invoke(h.registry.require('hello'), input('name=low'));
    assert.is(outcome.ok ? Buffer.from(outcome.body).toString() : outcome.error.code, 'Hello, low!');
  });
});

test.run();

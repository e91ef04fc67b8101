// `npm run bench:wake`: what one cross-thread wake-up costs on this machine, the price the pool pays per hand-off
// to a sleeping worker. A worker sleeps in Atomics.wait; the main thread wakes it with Atomics.notify and times
// the notify call itself (CPU the waking thread spends) and the time until the worker is running again.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import { summarize } from './stats.js';
import type { Summary } from './results.js';

export interface WakeCost {
  /** Atomics.notify on a word nobody waits on, ns. */
  notifyIdleNs: Summary;
  /** Atomics.notify that wakes the sleeping worker: the waking thread's own cost, ns. */
  notifyWakingNs: Summary;
  /** From that notify until the worker runs again, ns. */
  wakeLatencyNs: Summary;
}

// Int32 words shared by both threads.
const BELL = 0;    // the word the worker waits on
const ASLEEP = 1;  // 1 from just before the worker's wait until it is running again
const WOKEN = 2;   // the worker adds 1 each time it wakes

function sleeper(words: Int32Array): never {
  for (;;) {
    // The bell is read before saying so: a ring after the flag then always ends the wait.
    const bell = Atomics.load(words, BELL);
    Atomics.store(words, ASLEEP, 1);
    Atomics.wait(words, BELL, bell);
    Atomics.store(words, ASLEEP, 0);
    Atomics.add(words, WOKEN, 1);
  }
}

/** Busy-waits (the measuring thread must not sleep itself), failing loudly rather than hanging. */
function spinUntil(ok: () => boolean): void {
  const end = Date.now() + 5000;
  while (!ok()) if (Date.now() > end) throw new Error('the sleeping worker stopped answering');
}

function spinFor(ns: bigint): void {
  const end = process.hrtime.bigint() + ns;
  while (process.hrtime.bigint() < end);
}

/** Wakes a sleeping worker `runs` times; the worker is gone when this resolves. */
export async function measureWakeCost(runs: number): Promise<WakeCost> {
  const words = new Int32Array(new SharedArrayBuffer(16));
  const worker = new Worker(new URL(import.meta.url), { workerData: words });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    const notifyNs: number[] = [];
    const wakeNs: number[] = [];
    for (let i = 0; i < runs; i++) {
      spinUntil(() => Atomics.load(words, ASLEEP) === 1);
      spinFor(20_000n); // 20 µs: the worker is inside its wait, not on the way to it
      const woken = Atomics.load(words, WOKEN);
      Atomics.add(words, BELL, 1);
      const t0 = process.hrtime.bigint();
      Atomics.notify(words, BELL, 1);
      const t1 = process.hrtime.bigint();
      spinUntil(() => Atomics.load(words, WOKEN) !== woken);
      const t2 = process.hrtime.bigint();
      notifyNs.push(Number(t1 - t0));
      wakeNs.push(Number(t2 - t0));
    }
    const idleNs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      Atomics.notify(words, WOKEN, 1); // nobody waits on this word
      idleNs.push(Number(process.hrtime.bigint() - t0));
    }
    return { notifyIdleNs: summarize(idleNs), notifyWakingNs: summarize(notifyNs), wakeLatencyNs: summarize(wakeNs) };
  } finally {
    await worker.terminate();
  }
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5000);
  const r = await measureWakeCost(runs);
  const us = (ns: number | null) => ((ns ?? NaN) / 1000).toFixed(2).padStart(7);
  const row = (what: string, s: Summary) => console.log(`${what.padEnd(44)} p50 ${us(s.p50)} µs   p99 ${us(s.p99)} µs`);
  console.log(`${runs} wake-ups of a worker sleeping in Atomics.wait:`);
  row('Atomics.notify, nobody waiting', r.notifyIdleNs);
  row('Atomics.notify waking the sleeper (caller)', r.notifyWakingNs);
  row('notify until the sleeper runs again', r.wakeLatencyNs);
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (!isMainThread) sleeper(workerData as Int32Array);
else if (isMain) await main();

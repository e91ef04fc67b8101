// `node dist/host/bench/thread-costs.js [rounds]`: costs of Node primitives the pool and the route are shaped
// around (see docs/design.md, "Costs behind the design"): creating a pool worker thread, the time until it takes
// jobs, stopping a thread asleep in Atomics.wait, and building the undici Request the route does without.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DEFAULT_POOL_OPTIONS, WorkerPool } from '../sandbox/pool.js';
import { percentile } from './stats.js';

const median = (xs: number[]): number => percentile(Float64Array.from(xs).sort(), 50);

/** A pool of one worker spawns two threads (the worker and its spare). */
async function poolThreads(): Promise<{ createMs: number; readyMs: number }> {
  const t0 = performance.now();
  const pool = new WorkerPool({
    ...DEFAULT_POOL_OPTIONS, workers: 1, maxQueue: 1, maxConcurrencyPerFunction: 1, maxRunningPerFunction: 0,
    maxResponseBytes: 1 << 20, workerHeapMb: 128, memoryPoolBytesPerWorker: 1 << 26, memoryPoolMaxMemoryBytes: 1 << 24,
    lineLevels: { info: null, warn: null },
  });
  const t1 = performance.now();
  await pool.ready();
  const readyMs = performance.now() - t0;
  await pool.close();
  return { createMs: (t1 - t0) / 2, readyMs };
}

const SLEEPER = `
const { parentPort } = require('node:worker_threads');
const cell = new Int32Array(new SharedArrayBuffer(4));
parentPort.postMessage('asleep');
Atomics.wait(cell, 0, 0, 60000);
`;

async function terminateAsleepMs(): Promise<number> {
  const w = new Worker(SLEEPER, { eval: true });
  await new Promise((resolve) => w.once('message', resolve));
  // The message goes out just before the wait: give the thread time to be inside it.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const t0 = performance.now();
  await w.terminate();
  return performance.now() - t0;
}

/** A Request with a browser's worth of headers, its headers read once, as a handler touching them would. */
function requestBuildUs(n: number): number {
  const headers: [string, string][] = [
    ['host', '127.0.0.1:8080'], ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64)'], ['accept', '*/*'],
    ['accept-encoding', 'gzip, deflate'], ['accept-language', 'en'], ['connection', 'keep-alive'], ['x-request-id', 'r-1'],
  ];
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += new Request('http://127.0.0.1:8080/fn/hello?name=world', { headers }).headers.get('accept')!.length;
  const us = ((performance.now() - t0) * 1000) / n;
  if (sink === 0) throw new Error('unreachable');
  return us;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 10);
  const threads: { createMs: number; readyMs: number }[] = [];
  const stops: number[] = [];
  for (let i = 0; i < rounds; i++) {
    threads.push(await poolThreads());
    stops.push(await terminateAsleepMs());
  }
  requestBuildUs(2000); // warm-up
  console.log(`median of ${rounds} rounds:`);
  console.log(`  creating a pool worker thread, main thread:    ${median(threads.map((t) => t.createMs)).toFixed(2)} ms`);
  console.log(`  until a new pool (worker and spare) is ready:  ${median(threads.map((t) => t.readyMs)).toFixed(1)} ms`);
  console.log(`  terminate() of a thread in Atomics.wait:       ${median(stops).toFixed(1)} ms`);
  console.log(`  new Request(url, headers) and one header read: ${requestBuildUs(20_000).toFixed(2)} µs`);
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) await main();

// The fast path under mixed load: /fn/hello's latency on some connections while /fn/fib?n=30 (tens of ms, always
// past the inline slice) runs on others, and what a call that fell back to the pool costs against one sent there
// directly. The host runs in a child process, as shipped (options from the environment), once with the fast path
// and once with every call in the workers. Usage: npm run bench:inline -- [seconds]

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startHost } from '../server.js';
import { load, type LoadRun } from './http-load.js';
import { readGuest } from './guests.js';
import { startServer, stopServer } from './http-servers.js';
import { InlineRunner } from '../sandbox/inline-runner.js';

const seconds = Number(process.argv[2] ?? 5);

const figures = (r: LoadRun) => ({ rps: r.requestsPerSec, requests: r.requests, ...r.latencyMs });

/** `wasmfn_inline_total` by outcome, from the host's /metrics. */
async function inlineCounts(url: string): Promise<{ hit: number; fallback: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const count = (outcome: string) => Number(new RegExp(`^wasmfn_inline_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { hit: count('hit'), fallback: count('fallback') };
}

async function mixedLoad(env: Record<string, string>) {
  const server = await startServer('wasmfn', env);
  try {
    const hello = { url: `${server.url}/fn/hello`, method: 'GET' as const };
    const fib = { url: `${server.url}/fn/fib?n=30`, method: 'GET' as const };
    await load(hello, 8, 1);
    const alone = await load(hello, 8, seconds);
    const [beside, heavy] = await Promise.all([load(hello, 8, seconds), load(fib, 8, seconds)]);
    const before = await inlineCounts(server.url);
    // One connection, fib?n=30 alone: each call either wastes a slice first (a fallback) or goes straight to the
    // workers because its version keeps missing the slice.
    const single = await load(fib, 1, seconds);
    const after = await inlineCounts(server.url);
    return {
      helloAlone: figures(alone), helloBesideFib: figures(beside), fib30: figures(heavy), fib30OneConnection: figures(single),
      fib30OneConnectionFallbacks: after.fallback - before.fallback,
      inline: after,
    };
  } finally {
    await stopServer(server);
  }
}

/** A fallback attempt of fib?n=30 timed on this thread: the slice a call wastes before it goes to the workers. */
async function wastedSliceMs() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-inline-mix-'));
  const host = await startHost({ dataDir, port: 0, host: '127.0.0.1', deployExamples: false, logLevel: 'silent' });
  try {
    await host.registry.deploy('fib', await readGuest('fib'), { limits: {}, env: {} });
    const input = { method: 'GET', path: '/', query: 'n=30', rawHeaders: [], body: new Uint8Array(0), remoteAddr: '', requestId: 'bench', receivedAt: 0 };
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      // A fresh runner each time, so its backoff never skips an attempt.
      const runner = new InlineRunner({ fuel: host.opts.inlineFuel, maxMemoryBytes: host.opts.memoryPoolMaxMemoryBytes, memoryPoolBytes: host.opts.memoryPoolBytesPerWorker, maxResponseBytes: host.opts.maxResponseBytes, lineLevels: { info: null, warn: null } });
      const t0 = performance.now();
      const a = runner.attempt(host.registry.require('fib'), input);
      times.push(performance.now() - t0);
      if (!a || a.hit) throw new Error('fib?n=30 fit in the slice');
    }
    times.sort((a, b) => a - b);
    return { p50: times[30], p90: times[54], max: times[59] };
  } finally {
    await host.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

const fastPath = await mixedLoad({});
const workersOnly = await mixedLoad({ WASMFN_INLINE_FUEL: '0' });
console.log(JSON.stringify({
  seconds, workerNice: process.env.WASMFN_WORKER_NICE ?? 'default',
  fastPath, workersOnly,
  wastedSliceMs: await wastedSliceMs(),
  // A fib?n=30 call on one connection with the fast path on (some calls waste a slice first) against the workers alone.
  fallbackSlowdownP50: (fastPath.fib30OneConnection.p50 ?? NaN) / (workersOnly.fib30OneConnection.p50 ?? NaN),
}, null, 2));

// The fast path under mixed load: /fn/hello's latency on some connections while /fn/fib?n=30 (tens of ms, always
// past the inline slice) runs on others, and what a call that fell back to the pool cost against one sent there
// directly. Run with WASMFN_INLINE_FUEL=0 for the pool-only figures. Usage: node dist/host/bench/inline-mix.js [seconds]

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startHost } from '../server.js';
import { load } from './http-load.js';
import { readGuest } from './guests.js';
import { InlineRunner } from '../sandbox/inline-runner.js';

const seconds = Number(process.argv[2] ?? 5);
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-inline-mix-'));
const host = await startHost({ dataDir, port: 0, host: '127.0.0.1', deployExamples: false, logLevel: 'silent' });
try {
  await host.registry.deploy('hello', await readGuest('hello'), { limits: {}, env: {} });
  await host.registry.deploy('fib', await readGuest('fib'), { limits: {}, env: {} });
  const hello = { url: `${host.url}/fn/hello`, method: 'GET' as const };
  const fib = { url: `${host.url}/fn/fib?n=30`, method: 'GET' as const };
  const alone = await load(hello, 8, seconds);
  const [mixed, heavy] = await Promise.all([load(hello, 8, seconds), load(fib, 8, seconds)]);
  const inline = host.pool.inline;
  console.log(JSON.stringify({
    inlineFuel: host.opts.inlineFuel,
    helloAlone: { rps: alone.requestsPerSec, ...alone.latencyMs },
    helloBesideFib: { rps: mixed.requestsPerSec, ...mixed.latencyMs },
    fib30: { rps: heavy.requestsPerSec, requests: heavy.requests, ...heavy.latencyMs },
    inline: inline ? { hits: inline.hits, fallbacks: inline.fallbacks } : null,
  }, null, 2));
  // One connection, fib?n=30 alone: each call either wastes a slice first (fallback) or goes straight to the pool.
  const single = await load(fib, 1, seconds);
  console.log(JSON.stringify({ fib30OneConnection: { rps: single.requestsPerSec, requests: single.requests, ...single.latencyMs }, inline: inline ? { hits: inline.hits, fallbacks: inline.fallbacks } : null }, null, 2));
  // The wasted slice itself: a fallback attempt of fib?n=30, timed on this thread (a fresh runner every few
  // attempts, so its backoff never skips one).
  if (host.opts.inlineFuel > 0) {
    const fn = host.registry.require('fib');
    const input = { method: 'GET', path: '/', query: 'n=30', rawHeaders: [], body: new Uint8Array(0), remoteAddr: '', requestId: 'bench', receivedAt: 0 };
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const runner = new InlineRunner({ fuel: host.opts.inlineFuel, maxMemoryBytes: host.opts.memoryPoolMaxMemoryBytes, memoryPoolBytes: host.opts.memoryPoolBytesPerWorker, maxResponseBytes: host.opts.maxResponseBytes, lineLevels: { info: null, warn: null } });
      const t0 = performance.now();
      const a = runner.attempt(fn, input);
      times.push(performance.now() - t0);
      if (!a || a.hit) throw new Error('fib?n=30 fit in the slice');
    }
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({ wastedSliceMs: { p50: times[30], p90: times[54], max: times[59] } }));
  }
} finally {
  await host.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}

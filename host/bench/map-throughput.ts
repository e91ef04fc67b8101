// Items per second of `hello` through one POST /map against the same items as separate POST /fn/hello calls at 50
// connections, on one host in a child process (so the load generator does not share its thread).
// Run: npm run bench:map -- [--items 100000] [--connections 50] [--concurrency 32] [--workers N]

import { fork } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

const ITEM = '{"name":"map"}';

async function serve(workers: number | undefined): Promise<void> {
  const { startHost } = await import('../server.js');
  const { createLogger } = await import('../observe/logger.js');
  const { BUILT_FUNCTIONS_DIR } = await import('../examples.js');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-map-bench-'));
  // The host as shipped: JSON lines at info (the parent points stdout at /dev/null).
  const host = await startHost({ dataDir, port: 0, deployExamples: false, logger: createLogger('info', { pretty: false }), ...(workers ? { workers } : {}) });
  const bytes = await fs.readFile(path.join(BUILT_FUNCTIONS_DIR, 'hello.wasm'));
  await host.registry.deploy('hello', new Uint8Array(bytes), { limits: {}, env: {} });
  process.send!({ url: host.url });
  process.on('message', async (m) => {
    if (m === 'rss') return process.send!({ rss: process.memoryUsage().rss });
    await host.close();
    await fs.rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

/** N separate calls, `connections` at a time; items/s counts only 2xx answers. */
function viaFn(url: string, items: number, connections: number): Promise<{ itemsPerS: number; failed: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    autocannon({
      url: `${url}/fn/hello`, connections, amount: items, pipelining: 1, timeout: 30, method: 'POST', body: ITEM,
      headers: { 'content-type': 'application/json' },
    }, (err, r) => {
      if (err) return reject(err);
      const s = (performance.now() - start) / 1000;
      resolve({ itemsPerS: r['2xx'] / s, failed: items - r['2xx'] });
    });
  });
}

/** One POST /map with N lines, sent as generated, read as answered; done at the last output line. */
function viaMap(url: string, items: number, concurrency: number): Promise<{ itemsPerS: number; failed: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = http.request(`${url}/map/hello?concurrency=${concurrency}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' } });
    req.once('error', reject);
    req.once('response', (res) => {
      if (res.statusCode !== 200) return reject(new Error(`map answered ${res.statusCode}`));
      let lines = 0;
      let ok = 0;
      let partial = '';
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        const parts = (partial + text).split('\n');
        partial = parts.pop()!;
        for (const l of parts) {
          lines++;
          if (l.includes('"status":200')) ok++;
        }
      });
      res.once('end', () => {
        const s = (performance.now() - start) / 1000;
        if (lines !== items) return reject(new Error(`map answered ${lines} lines for ${items} items`));
        resolve({ itemsPerS: ok / s, failed: items - ok });
      });
    });
    // Written in pieces as the host takes them.
    const piece = `${ITEM}\n`.repeat(1000);
    let sent = 0;
    const write = (): void => {
      while (sent < items) {
        const n = Math.min(1000, items - sent);
        sent += n;
        if (!req.write(n === 1000 ? piece : `${ITEM}\n`.repeat(n))) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean' },
      items: { type: 'string', default: '100000' },
      connections: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '32' },
      workers: { type: 'string' },
    },
  });
  const workers = values.workers ? Number(values.workers) : undefined;
  if (values.serve) return serve(workers);
  const items = Number(values.items);
  const connections = Number(values.connections);
  const concurrency = Number(values.concurrency);
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...(workers ? ['--workers', String(workers)] : [])], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const { url } = await new Promise<{ url: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string }));
      child.once('exit', (code) => reject(new Error(`host exited with ${code}`)));
    });
    // Warm-up of both paths (JIT, memory pools, connections), a tenth of the items each at most.
    const warm = Math.min(5000, Math.max(100, Math.floor(items / 10)));
    await viaFn(url, warm, connections);
    await viaMap(url, warm, concurrency);
    console.log(`${items} items of hello (${os.cpus().length} CPUs, ${workers ?? 'default'} workers), one run each:`);
    const fn = await viaFn(url, items, connections);
    console.log(`  /fn/hello, ${connections} connections:  ${fn.itemsPerS.toFixed(0)} items/s${fn.failed ? ` (${fn.failed} failed)` : ''}`);
    // The host's resident memory, sampled while the map runs: it should stay flat however many items there are.
    const rss = (): Promise<number> => new Promise((resolve) => {
      child.once('message', (m) => resolve((m as { rss: number }).rss));
      child.send('rss');
    });
    const before = await rss();
    let peak = before;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rss());
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const map = await viaMap(url, items, concurrency);
    sampling = false;
    await sampler;
    console.log(`  /map/hello, concurrency ${concurrency}:     ${map.itemsPerS.toFixed(0)} items/s${map.failed ? ` (${map.failed} failed)` : ''}`);
    console.log(`  host RSS during the map: ${(before / 2 ** 20).toFixed(0)} MiB before, ${(peak / 2 ** 20).toFixed(0)} MiB at most`);
    console.log(`  ratio map / fn: ${(map.itemsPerS / fn.itemsPerS).toFixed(2)}x (goal 3x)`);
  } finally {
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// Does a backlog of asynchronous work starve synchronous calls? Latency of /fn/hello on an idle host, then while
// a backlog of queued fib?n=25 runs, on a host in a child process (this file, forked with --serve).
// Run: npm run bench:async -- [--queued 10000] [--duration 5] [--connections 4] [--workers N]

import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { BUILT_FUNCTIONS_DIR } from '../examples.js';
import { summarize } from './stats.js';

const TOKEN = 'bench-async-token';

const { values } = parseArgs({
  options: {
    queued: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '4' },
    workers: { type: 'string' },
    serve: { type: 'boolean' },
  },
});
const QUEUED = Number(values.queued);
const DURATION_S = Number(values.duration);
const CONNECTIONS = Number(values.connections);

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function request(url: string, method: string, headers: Record<string, string> = {}, body?: Uint8Array): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The child: a host as `wasmfn serve` starts it (JSON log at warn), its URL sent to the parent. */
async function serve(): Promise<void> {
  const { startHost } = await import('../server.js');
  const { createLogger } = await import('../observe/logger.js');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-async-bench-'));
  const host = await startHost({
    dataDir, port: 0, deployExamples: false, token: TOKEN, maxQueue: 100_000, logger: createLogger('warn', { pretty: false }),
    ...(values.workers ? { workers: Number(values.workers) } : {}),
  });
  process.send!({ url: host.url });
  process.on('message', async () => {
    await host.close();
    await fs.rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

async function startServe(): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(process.argv[1]!, ['--serve', ...(values.workers ? ['--workers', values.workers] : [])], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (c) => reject(new Error(`host exited ${c}`)));
  });
  return { url, child };
}

/** `connections` loops calling /fn/hello back to back for `seconds`; latencies in ms. */
async function measure(url: string, seconds: number): Promise<number[]> {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const r = await request(`${url}/fn/hello?name=bench`, 'GET');
      if (r.status !== 200) throw new Error(`hello answered ${r.status}: ${r.text}`);
      lat.push(performance.now() - t);
    }
  }));
  return lat;
}

async function main(): Promise<void> {
  const { url, child } = await startServe();
  try {
    for (const name of ['hello', 'fib']) {
      const bytes = await fs.readFile(path.join(BUILT_FUNCTIONS_DIR, `${name}.wasm`));
      const r = await request(`${url}/api/functions/${name}`, 'PUT', { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/wasm' }, bytes);
      if (r.status !== 201 && r.status !== 200) throw new Error(`deploy ${name}: ${r.status} ${r.text}`);
    }
    await measure(url, 1); // warm-up
    const idle = summarize(await measure(url, DURATION_S));
    const queueStart = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < QUEUED; i += 100) {
      const batch = await Promise.all(Array.from({ length: Math.min(100, QUEUED - i) }, async () => {
        const r = await request(`${url}/fn/fib?n=25`, 'POST', { prefer: 'respond-async' });
        if (r.status !== 202) throw new Error(`queueing answered ${r.status}: ${r.text}`);
        return (JSON.parse(r.text) as { id: string }).id;
      }));
      ids.push(...batch);
    }
    const queueS = (performance.now() - queueStart) / 1000;
    const loaded = summarize(await measure(url, DURATION_S));
    const last = await request(`${url}/api/invocations/${ids[ids.length - 1]}`, 'GET', { authorization: `Bearer ${TOKEN}` });
    const lastStatus = (JSON.parse(last.text) as { status: string }).status;
    const ms = (x: number | null) => (x === null ? '-' : `${x.toFixed(2)} ms`);
    console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
    console.log(`queued ${QUEUED} x fib?n=25 in ${queueS.toFixed(1)} s; last one still ${lastStatus} after the loaded phase`);
    console.log(`/fn/hello, ${CONNECTIONS} connections, ${DURATION_S} s each:`);
    console.log(`  idle:    p50 ${ms(idle.p50)}  p99 ${ms(idle.p99)}  (${idle.n} calls)`);
    console.log(`  backlog: p50 ${ms(loaded.p50)}  p99 ${ms(loaded.p99)}  (${loaded.n} calls)`);
    console.log(`  p99 ratio backlog/idle: ${((loaded.p99 ?? NaN) / (idle.p99 ?? NaN)).toFixed(2)}x (target: under 3x)`);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.send('stop');
    await exited;
    agent.destroy();
  }
}

if (values.serve) await serve();
else await main();

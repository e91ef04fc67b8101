// Does a backlog of asynchronous work starve synchronous calls? Latency of /fn/hello on an idle host, then while
// a backlog of queued fib?n=25 runs, on a host in a child process (the real `wasmfn serve`).
// Run: npm run bench:async -- [--queued 10000] [--duration 5] [--connections 4] [--workers N]

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { BUILT_FUNCTIONS_DIR } from '../examples.js';
import { summarize } from './stats.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const TOKEN = 'bench-async-token';

const { values } = parseArgs({
  options: {
    queued: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '4' },
    workers: { type: 'string' },
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

async function startServe(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const env: NodeJS.ProcessEnv = { ...process.env, WASMFN_TOKEN: TOKEN, LOG_LEVEL: 'warn', WASMFN_MAX_QUEUE: '100000' };
  if (values.workers) env.WASMFN_WORKERS = values.workers;
  // The URL comes from the start-up line, logged at info: ask for it at that level only for the line.
  env.LOG_LEVEL = 'info';
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', dataDir, '--no-examples'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (c) => reject(new Error(`host exited ${c}: ${out}`)));
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
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-async-bench-'));
  const { url, child } = await startServe(dataDir);
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
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    agent.destroy();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

await main();

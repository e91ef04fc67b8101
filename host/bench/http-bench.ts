// End-to-end HTTP: `hello` on the real host against a constant Hono route, each served from its own child
// process, loaded by autocannon from this one, concurrency by concurrency with the targets alternating.

import { fork, type ChildProcess } from 'node:child_process';
import { load, type LoadRun } from './http-load.js';
import { perRequest, sampleProcess, type CpuPerRequest } from './thread-cpu.js';
import type { ChildMessage, ServerTarget } from './http-server-child.js';
import type { Progress } from './progress.js';
import type { HttpResult } from './results.js';
import { EXPECTED, INPUT } from './contender.js';

const PATHS: Record<ServerTarget, string> = { wasmfn: `/fn/hello?name=${INPUT}`, hono: '/' };
const START_TIMEOUT_MS = 60_000;

interface Server { target: ServerTarget; url: string; child: ChildProcess }

function startServer(target: ServerTarget): Promise<Server> {
  const child = fork(new URL('./http-server-child.js', import.meta.url), [target], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${target} server did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('message', (m: ChildMessage) => {
      clearTimeout(timer);
      if (m.type === 'ready') resolve({ target, url: m.url, child });
      else reject(new Error(`${target} server: ${m.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${target} server exited with ${code} before it was ready`));
    });
  });
}

async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  s.child.send('close');
  const timer = setTimeout(() => s.child.kill(), 10_000);
  await exited;
  clearTimeout(timer);
}

async function check(s: Server): Promise<void> {
  const res = await fetch(s.url + PATHS[s.target]);
  const body = await res.text();
  if (res.status !== 200 || body !== EXPECTED) throw new Error(`${s.target} answered ${res.status} ${JSON.stringify(body.slice(0, 200))}`);
}

function skippedRows(target: ServerTarget, concurrencies: number[], reason: string): HttpResult[] {
  return concurrencies.map((concurrency) => ({
    target, path: PATHS[target], concurrency, durationS: 0, requestsPerSec: 0,
    latencyMs: { p50: null, p90: null, p99: null, max: null, mean: null }, requests: 0, errors: 0, non2xx: 0, cpuPerRequest: null, skipped: reason,
  }));
}

/** One load run, with what it cost each side in CPU: both sides share this machine's cores. */
async function measured(s: Server, connections: number, durationS: number): Promise<LoadRun & { cpuPerRequest: CpuPerRequest | null }> {
  const server0 = sampleProcess(s.child.pid!);
  const load0 = sampleProcess(process.pid);
  const run = await load(s.url + PATHS[s.target], connections, durationS);
  const server1 = sampleProcess(s.child.pid!);
  const load1 = sampleProcess(process.pid);
  return { ...run, cpuPerRequest: perRequest([server0, server1], [load0, load1], run.requests) };
}

export async function runHttp(opts: { concurrencies: number[]; durationS: number; warmupS: number }, progress: Progress): Promise<{ results: HttpResult[]; failures: string[] }> {
  const targets: ServerTarget[] = ['hono', 'wasmfn'];
  const servers = new Map<ServerTarget, Server>();
  const results: HttpResult[] = [];
  const failures: string[] = [];
  try {
    progress.update(`http: starting the ${targets.join(' and ')} servers`, true);
    // Started together (nothing is measured yet); each is warmed up on its own below.
    const started = await Promise.allSettled(targets.map(startServer));
    for (const [i, target] of targets.entries()) {
      const outcome = started[i]!;
      try {
        if (outcome.status === 'rejected') throw outcome.reason;
        servers.set(target, outcome.value);
        await check(outcome.value);
        progress.update(`http: warm-up ${target}`, true);
        await load(outcome.value.url + PATHS[target], 10, opts.warmupS);
      } catch (e) {
        const reason = `failed: ${(e as Error).message}`;
        failures.push(`http ${target}: ${reason}`);
        results.push(...skippedRows(target, opts.concurrencies, reason));
        const s = servers.get(target);
        servers.delete(target);
        if (s) await stopServer(s);
      }
    }
    for (const [i, concurrency] of opts.concurrencies.entries()) {
      const order = i % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const s = servers.get(target);
        if (!s) continue;
        progress.update(`http: ${target} at ${concurrency} connections for ${opts.durationS} s`, true);
        try {
          results.push({ target, path: PATHS[target], concurrency, ...(await measured(s, concurrency, opts.durationS)) });
        } catch (e) {
          failures.push(`http ${target} c=${concurrency}: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    await Promise.all([...servers.values()].map(stopServer));
  }
  const rank = (r: HttpResult): number => opts.concurrencies.indexOf(r.concurrency) * 2 + (r.target === 'wasmfn' ? 0 : 1);
  return { results: results.sort((a, b) => rank(a) - rank(b)), failures };
}

// End-to-end HTTP: the real host (`hello` through the SDK ABI, and a loader-form module) against a constant Hono
// route and workerd running the same loader-form module, each server in its own process, loaded by autocannon from
// this one, concurrency by concurrency with the targets alternating.

import { load, type LoadRequest, type LoadRun } from './http-load.js';
import { startServer, stopServer, type Server } from './http-servers.js';
import { TARGETS, type TargetSpec } from './http-targets.js';
import { perRequest, sampleProcess, type CpuPerRequest } from './thread-cpu.js';
import type { ServerName } from './http-server-child.js';
import type { Progress } from './progress.js';
import type { HttpResult } from './results.js';
import { EXPECTED } from './contender.js';
import { Unavailable } from './unavailable.js';

const WARMUP_CONNECTIONS = 10;

function request(s: Server, t: TargetSpec): LoadRequest {
  return { url: s.url + t.path, method: t.method, ...(t.body === undefined ? {} : { body: t.body }) };
}

async function check(s: Server, t: TargetSpec): Promise<void> {
  const res = await fetch(s.url + t.path, { method: t.method, ...(t.body === undefined ? {} : { body: t.body }) });
  const body = await res.text();
  if (res.status !== 200 || body !== EXPECTED) throw new Error(`${t.target} answered ${res.status} ${JSON.stringify(body.slice(0, 200))}`);
}

function skippedRows(t: TargetSpec, concurrencies: number[], reason: string): HttpResult[] {
  return concurrencies.map((concurrency) => ({
    target: t.target, isolation: t.isolation, method: t.method, path: t.path, concurrency, durationS: 0, requestsPerSec: 0,
    latencyMs: { p50: null, p90: null, p99: null, max: null, mean: null }, requests: 0, errors: 0, non2xx: 0, cpuPerRequest: null, skipped: reason,
  }));
}

/** One load run, with what it cost each side in CPU: both sides share this machine's cores. */
async function measured(s: Server, t: TargetSpec, connections: number, durationS: number): Promise<LoadRun & { cpuPerRequest: CpuPerRequest | null }> {
  const server0 = sampleProcess(s.pid);
  const load0 = sampleProcess(process.pid);
  const run = await load(request(s, t), connections, durationS);
  const server1 = sampleProcess(s.pid);
  const load1 = sampleProcess(process.pid);
  return { ...run, cpuPerRequest: perRequest([server0, server1], [load0, load1], run.requests) };
}

export async function runHttp(opts: { concurrencies: number[]; durationS: number; warmupS: number }, progress: Progress): Promise<{ results: HttpResult[]; failures: string[] }> {
  const names = [...new Set(TARGETS.map((t) => t.server))];
  const servers = new Map<ServerName, Server>();
  const down = new Map<ServerName, unknown>();
  const runnable: TargetSpec[] = [];
  const results: HttpResult[] = [];
  const failures: string[] = [];
  try {
    progress.update(`http: starting the ${names.join(', ')} servers`, true);
    // Started together (nothing is measured yet); each target is checked and warmed up on its own below.
    const started = await Promise.allSettled(names.map((name) => startServer(name)));
    started.forEach((outcome, i) => (outcome.status === 'fulfilled' ? servers.set(names[i]!, outcome.value) : down.set(names[i]!, outcome.reason)));
    for (const t of TARGETS) {
      try {
        const s = servers.get(t.server);
        if (!s) throw down.get(t.server);
        await check(s, t);
        progress.update(`http: warm-up ${t.target}`, true);
        await load(request(s, t), WARMUP_CONNECTIONS, opts.warmupS);
        runnable.push(t);
      } catch (e) {
        // A server this machine cannot run is skipped with its reason; anything else fails the run.
        const unavailable = e instanceof Unavailable;
        const reason = unavailable ? `skipped: ${e.message}` : `failed: ${(e as Error).message}`;
        progress.update(`http ${t.target}: ${reason}`, true);
        if (!unavailable) failures.push(`http ${t.target}: ${reason}`);
        results.push(...skippedRows(t, opts.concurrencies, reason));
      }
    }
    for (const [i, concurrency] of opts.concurrencies.entries()) {
      const order = i % 2 === 0 ? runnable : [...runnable].reverse();
      for (const t of order) {
        progress.update(`http: ${t.target} at ${concurrency} connections for ${opts.durationS} s`, true);
        try {
          const run = await measured(servers.get(t.server)!, t, concurrency, opts.durationS);
          results.push({ target: t.target, isolation: t.isolation, method: t.method, path: t.path, concurrency, ...run });
        } catch (e) {
          failures.push(`http ${t.target} c=${concurrency}: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    await Promise.all([...servers.values()].map(stopServer));
  }
  const rank = (r: HttpResult): number => opts.concurrencies.indexOf(r.concurrency) * TARGETS.length + TARGETS.findIndex((t) => t.target === r.target);
  return { results: results.sort((a, b) => rank(a) - rank(b)), failures };
}

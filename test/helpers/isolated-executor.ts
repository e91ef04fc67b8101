// Runs jobs through a fresh Executor in a thread of its own and reports what each left on the built-in
// prototypes: a hostile module that pollutes its realm must not pollute the test process with it.

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { AbiName, GuestRequest } from '../../host/abi/types.js';
import type { MemoryShape } from '../../host/sandbox/memory-pool.js';

export interface IsolatedJob {
  module: WebAssembly.Module;
  abi: AbiName;
  memory: MemoryShape | null;
  fuel: bigint | null;
  body: string;
}

export interface IsolatedRun {
  ok: boolean;
  /** The response body as text, or the error's code and message. */
  text: string;
  /** Keys that appeared on Object.prototype or Function.prototype since the thread started. */
  prototypeAdded: string[];
}

const MARK = 'isolatedExecutor';

/** Every job, one after another on one Executor (as one worker thread runs them), recycled in between. */
export function runIsolated(jobs: IsolatedJob[]): Promise<IsolatedRun[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { [MARK]: true, jobs } });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`the isolated executor exited (${code}) without an answer`)));
  });
}

function request(body: string): GuestRequest {
  return {
    method: 'POST', path: '/', query: '', headers: [], body: new TextEncoder().encode(body),
    fn: { name: 'isolated', version: '1', env: {} },
    server: { host: 'localhost', port: 8080, protocol: 'HTTP/1.1', remoteAddr: '127.0.0.1', fullUrl: 'http://localhost:8080/fn/isolated', matchedRoute: '/fn/isolated' },
  };
}

function prototypeKeys(): string[] {
  return [...Reflect.ownKeys(Object.prototype), ...Reflect.ownKeys(Function.prototype)].map(String);
}

async function main(jobs: IsolatedJob[]): Promise<IsolatedRun[]> {
  const before = new Set(prototypeKeys());
  const { Executor } = await import('../../host/sandbox/executor.js');
  const { requestSource } = await import('../../host/sandbox/job-codec.js');
  const executor = new Executor();
  const runs: IsolatedRun[] = [];
  for (const j of jobs) {
    const r = executor.run({ module: j.module, abi: j.abi, memory: j.memory, fuel: j.fuel, request: requestSource(request(j.body)), maxResponseBytes: 1 << 20 });
    const text = r.ok ? new TextDecoder().decode(r.response.body) : `${r.error.code}: ${r.error.message}`;
    executor.recycle();
    runs.push({ ok: r.ok, text, prototypeAdded: prototypeKeys().filter((k) => !before.has(k)) });
  }
  return runs;
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK] === true) {
  parentPort!.postMessage(await main((workerData as { jobs: IsolatedJob[] }).jobs));
}

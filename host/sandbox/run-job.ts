// One decoded job run to a result with its invocation log line: the same in a worker and on the HTTP thread, so
// an answer looks alike wherever it was computed.

import type { Executor, RunResult } from './executor.js';
import type { ReadyInstance } from './ready-instances.js';
import type { JobView, FunctionFacts } from './job-codec.js';
import { jobRequest, wireMethodPath, wireMethodPathBytes } from './job-codec.js';
import type { WorkerResult } from './result-codec.js';
import type { MemoryShape } from './memory-pool.js';
import type { AbiName } from '../abi/types.js';
import type { LineLevels } from '../invocation/line.js';
import { httpHeaders } from '../abi/response-headers.js';
import { ERROR_STATUS, WasmfnError } from '../errors.js';
import { invocationLine } from '../invocation/line.js';
import { writeSuccessLine } from '../invocation/line-bytes.js';
import { sharedNow } from '../invocation/clock.js';

export interface RunnableModule {
  module: WebAssembly.Module;
  abi: AbiName;
  memory: MemoryShape | null;
  fuelBudget: bigint | null;
  fn: FunctionFacts;
}

export interface RunEnv {
  maxResponseBytes: number;
  lineLevels: LineLevels;
}

/** The result's body and line are views valid until the executor's next run. `ready`: an instance made ahead for it. */
export function runJob(
  executor: Executor, env: RunEnv, job: JobView, entry: RunnableModule, startedAt: number, ready: ReadyInstance | null = null,
): WorkerResult {
  const r: RunResult = executor.run({
    module: entry.module,
    abi: entry.abi,
    memory: entry.memory,
    fuel: entry.fuelBudget,
    request: jobRequest(job, entry.fn),
    maxResponseBytes: env.maxResponseBytes,
    ready,
  });
  const stats = {
    queueMs: Math.max(0, startedAt - job.enqueuedAt),
    instantiateMs: r.instantiateMs,
    runMs: r.runMs,
    fuelUsed: r.fuelUsed,
    peakPages: r.peakPages,
    logs: r.logs,
    totalMs: 0,
    line: null as Uint8Array | null,
  };
  let out: WorkerResult;
  if (!r.ok) out = { kind: 'error', error: r.error, trapStack: r.trapStack, stats };
  else {
    try {
      out = { kind: 'ok', status: r.response.status, headers: httpHeaders(r.response.headers), body: r.response.body, stats };
    } catch (e) {
      const err = e instanceof WasmfnError ? e : new WasmfnError('internal', String(e));
      out = { kind: 'error', error: err.toJSON(), trapStack: [], stats };
    }
  }
  stats.totalMs = sharedNow() - job.receivedAt;
  stats.line = line(env.lineLevels, job, entry, out);
  return out;
}

const NO_LINE = new Uint8Array(0);
/** Where a success line is written; the caller copies it out before the next run. */
const lineScratch = Buffer.allocUnsafeSlow(16 * 1024);

/** The invocation's log line, formatted where the job ran. */
function line(levels: LineLevels, job: JobView, entry: RunnableModule, r: Extract<WorkerResult, { stats: unknown }>): Uint8Array {
  const failed = r.kind === 'error';
  const level = failed ? levels.warn : levels.info;
  if (level === null) return NO_LINE;
  if (!failed) {
    const { method, path } = wireMethodPathBytes(job.wire);
    const end = writeSuccessLine(lineScratch, 0, {
      requestId: job.requestId, function: entry.fn.name, version: entry.fn.version, method, path, status: r.status,
      queueMs: r.stats.queueMs, instantiateMs: r.stats.instantiateMs, runMs: r.stats.runMs, totalMs: r.stats.totalMs,
      fuelUsed: r.stats.fuelUsed, peakPages: r.stats.peakPages, bytesIn: job.bodyBytes, bytesOut: r.body.byteLength,
    }, level, Date.now());
    if (end >= 0) return lineScratch.subarray(0, end);
  }
  const { method, path } = wireMethodPath(job.wire);
  return Buffer.from(invocationLine({
    requestId: job.requestId, function: entry.fn.name, version: entry.fn.version, method, path,
    status: failed ? ERROR_STATUS[r.error.code] : r.status,
    code: failed ? r.error.code : null,
    ...(failed ? { message: r.error.message, trapStack: r.trapStack } : {}),
    queueMs: r.stats.queueMs, instantiateMs: r.stats.instantiateMs, runMs: r.stats.runMs, totalMs: r.stats.totalMs,
    fuelUsed: r.stats.fuelUsed, peakPages: r.stats.peakPages, bytesIn: job.bodyBytes, bytesOut: failed ? 0 : r.body.byteLength,
  }, levels), 'utf8');
}

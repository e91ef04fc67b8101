// The shape of bench-results/results.json: the contract the report, the README table and the test read.

import type { CpuPerRequest } from './thread-cpu.js';
import type { HttpRatio } from './http-ratios.js';

/** Percentiles of one set of samples; null everywhere when the contender produced none. */
export interface Summary {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
  n: number;
}

export type Isolation = 'wasm-instance' | 'wasm-reset' | 'worker' | 'process' | 'vm-context' | 'extism' | 'v8-isolate' | 'none';

export interface ContenderResult {
  name: string;
  isolation: Isolation;
  host?: true;
  /** What this contender stands for, one sentence. */
  description: string;
  /** One request on an already deployed function: fresh isolate, first and only call. Median of rounds. */
  coldStartUs: Summary;
  /** Deploy-to-first-response split (fresh bytes each sample, so V8's compile cache misses). */
  phasesUs?: Record<string, Summary>;
  /** p50 of each round, to show how much rounds agree. */
  roundP50sUs: number[];
  /** Samples above 10x the p50: GC pauses, scheduler hiccups. Counted, never dropped. */
  outliers10x: number;
  /** Garbage collections that started while this contender was being measured. */
  gc: { count: number; totalMs: number };
  /** [quantile 0..1, µs] pairs over all samples (min at 0, max at 1), finer in the tail: the CDF chart. */
  cdfUs: [number, number][];
  /** coldStartUs.p50 divided by wasmfn's p50 (null when wasmfn was not run). */
  ratioP50: number | null;
  ratioP99: number | null;
  /** Why the contender has no figures, when it could not run here. */
  skipped?: string;
}

/**
 * `wasmfn`: GET /fn/hello (SDK ABI) on the real host; `hono`: a constant-response Hono route; `wasmfn-loader`:
 * POST /fn/bench-greet (loader ABI) on the real host; `workerd`: the same module in a workerd JS worker.
 */
export type HttpTarget = 'wasmfn' | 'hono' | 'sandbox' | 'sandbox-reset' | 'sandbox-empty' | 'sandbox-instance' | 'wasmfn-loader' | 'workerd';

export interface HttpResult {
  target: HttpTarget;
  isolation: Isolation;
  method: 'GET' | 'POST';
  path: string;
  concurrency: number;
  durationS: number;
  requestsPerSec: number;
  latencyMs: Omit<Summary, 'n'>;
  requests: number;
  errors: number;
  non2xx: number;
  /** CPU time per request by thread, and context switches, from /proc (null off Linux). */
  cpuPerRequest: CpuPerRequest | null;
  skipped?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  v8: string;
  os: string;
  memoryMb: number;
  /** 1, 5 and 15 minute load averages when the run began: a busy machine explains noisy figures. */
  loadAvgAtStart: number[];
}

export interface BenchResults {
  machine: Machine;
  startedAt: string;
  finishedAt: string;
  options: { quick: boolean; rounds: number; iterations: number; slowIterations: number; phaseIterations: number; httpDurationS: number; concurrencies: number[] };
  /** The logic every contender runs. */
  workload: string;
  contenders: ContenderResult[];
  http: HttpResult[];
  /** Ratios between HTTP targets measured in this run (see http-ratios.ts). */
  httpRatios: HttpRatio[];
}

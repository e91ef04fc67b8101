// Host options: one typed object, every default beside its field, resolved and validated once at start-up.

import os from 'node:os';
import path from 'node:path';
import { WasmfnError } from './errors.js';

export interface HostOptions {
  host: string;                  // HOST, default 127.0.0.1
  port: number;                  // PORT, default 8080 (0 = ephemeral)
  dataDir: string;               // WASMFN_DATA, default ./data
  token: string | null;          // WASMFN_TOKEN; null = generate on first start and keep in the data dir
  workers: number;               // WASMFN_WORKERS, default one per core
  deployExamples: boolean;       // deploy functions/ examples missing from the data dir, default true
  maxModuleBytes: number;        // WASMFN_MAX_MODULE_MB, default 50 MiB upload cap
  maxRequestBytes: number;       // WASMFN_MAX_REQUEST_MB, default 6 MiB request body cap
  maxResponseBytes: number;      // WASMFN_MAX_RESPONSE_MB, default 6 MiB response body cap
  maxBufferedBodyBytes: number;  // WASMFN_MAX_BUFFERED_MB, default 256 MiB of request bodies (and uploads) held host-wide
  headersTimeoutMs: number;      // WASMFN_HEADERS_TIMEOUT_MS, default 10000 for a request's headers to arrive
  requestTimeoutMs: number;      // WASMFN_REQUEST_TIMEOUT_MS, default 120000 for a whole request (headers and body) to arrive
  maxQueue: number;              // WASMFN_MAX_QUEUE, default 1024 requests waiting host-wide
  maxConcurrencyPerFunction: number; // WASMFN_MAX_CONCURRENCY, default 64 in flight (running + queued) per function
  maxRunningPerFunction: number; // WASMFN_MAX_RUNNING_PER_FUNCTION, calls of one function in workers while other functions' calls wait; default 0 = workers - 1 (at least 1)
  memoryPoolBytesPerWorker: number; // WASMFN_MEMORY_POOL_MB, default 64 MiB of zeroed memories each worker keeps for reuse
  memoryPoolMaxMemoryBytes: number; // WASMFN_MEMORY_POOL_MAX_MEMORY_MB, default 16 MiB: a bigger memory is not kept after its call
  maxRecentLogBytes: number;     // WASMFN_MAX_RECENT_LOGS_MB, default 16 MiB of recent invocations and their logs kept for the logs endpoint, all functions together
  prepareTimeMs: number;         // deploy-time validation/rewrite time limit, default 20000
  maxTableElements: number;      // WASMFN_MAX_TABLE_ELEMENTS, default 100000 elements over all of a module's tables
  inlineFuel: number;            // WASMFN_INLINE_FUEL, default 1500000 fuel units (about 1 ms of work): slice an eligible call gets on the HTTP thread before it goes to a worker; 0 = off
  inlineBusyPercent: number;     // WASMFN_INLINE_BUSY_PERCENT, default 75: past this event-loop utilization of the HTTP thread, eligible calls go straight to the workers; 100 = always try the slice
  workerNice: number;            // WASMFN_WORKER_NICE, default 10: nice steps the worker threads take below the HTTP thread (Linux, up to nice 19), so the HTTP thread gets the cores first; 0 = same priority
  workerHeapMb: number;          // WASMFN_WORKER_HEAP_MB, default 128 MiB of JS heap per worker thread (wasm memory not included)
  logLevel: string;              // LOG_LEVEL, default info
  natsUrl: string | null;        // WASMFN_NATS_URL (flag --nats): null = embedded (everything in the data dir); set = a replica of a cluster on NATS JetStream
  cluster: string;               // WASMFN_CLUSTER, default wasmfn: prefix of every bucket, stream and subject, so clusters can share one NATS
  replica: string | null;        // WASMFN_REPLICA, default <host name>:<port> once the port is known
  secretKey: string | null;      // WASMFN_SECRET_KEY (64 hex digits or base64 of 32 bytes); null = generated on first use into secretKeyFile
  secretKeyFile: string | null;  // WASMFN_SECRET_KEY_FILE, default <data dir>.secret-key (beside the data dir, never in it)
  asyncConcurrency: number;      // WASMFN_ASYNC_CONCURRENCY, default 0 = the number of workers: asynchronous invocations running at once
  asyncRetentionH: number;       // WASMFN_ASYNC_RETENTION_H, default 24 hours an asynchronous invocation's record is kept
  callbackHosts: string[];       // WASMFN_CALLBACK_HOSTS, comma-separated host:port patterns X-Callback-Url may name; empty = callbacks refused
  defaults: FunctionLimits;      // per-function defaults
  maxima: FunctionLimits;        // host-wide ceilings a deploy may not exceed
}

export interface FunctionLimits {
  memoryMb: number;   // default 16, host max 256
  timeoutMs: number;  // default 1000, host max 30000
  fuel: number;       // default 2e9 units (~1-2 s of straight-line work), host max 1e12
}

export const DEFAULT_LIMITS: FunctionLimits = { memoryMb: 16, timeoutMs: 1000, fuel: 2_000_000_000 };
export const MAX_LIMITS: FunctionLimits = { memoryMb: 256, timeoutMs: 30_000, fuel: 1_000_000_000_000 };

const MiB = 1024 * 1024;

export function defaultOptions(): HostOptions {
  return {
    host: '127.0.0.1',
    port: 8080,
    dataDir: path.resolve('data'),
    token: null,
    workers: Math.max(1, os.availableParallelism()),
    deployExamples: true,
    maxModuleBytes: 50 * MiB,
    maxRequestBytes: 6 * MiB,
    maxResponseBytes: 6 * MiB,
    // Room for dozens of bodies at the request cap and a few uploads at the module cap at once; past it a body is
    // refused before it is read rather than held.
    maxBufferedBodyBytes: 256 * MiB,
    headersTimeoutMs: 10_000,
    // A body at the request cap over a link of about 0.4 Mbit/s. It ends when the request has arrived: a function's
    // own run time (timeoutMs) does not count against it.
    requestTimeoutMs: 120_000,
    maxQueue: 1024,
    maxConcurrencyPerFunction: 64,
    maxRunningPerFunction: 0,
    memoryPoolBytesPerWorker: 64 * MiB,
    memoryPoolMaxMemoryBytes: 16 * MiB,
    maxRecentLogBytes: 16 * MiB,
    prepareTimeMs: 20_000,
    maxTableElements: 100_000,
    inlineFuel: 1_500_000,
    inlineBusyPercent: 75,
    workerHeapMb: 128,
    workerNice: 10,
    logLevel: 'info',
    natsUrl: null,
    cluster: 'wasmfn',
    replica: null,
    secretKey: null,
    secretKeyFile: null,
    asyncConcurrency: 0,
    asyncRetentionH: 24,
    callbackHosts: [],
    defaults: { ...DEFAULT_LIMITS },
    maxima: { ...MAX_LIMITS },
  };
}

/** Reads the environment into options; explicit overrides (CLI flags, tests) win. */
export function resolveOptions(overrides: Partial<HostOptions> = {}, env: NodeJS.ProcessEnv = process.env): HostOptions {
  const o = defaultOptions();
  const num = (name: string, fallback: number, scale = 1): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback * scale;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new WasmfnError('bad_request', `${name} must be a non-negative number, got "${raw}"`);
    return n * scale;
  };
  o.host = env.HOST || o.host;
  o.port = num('PORT', o.port);
  o.dataDir = path.resolve(env.WASMFN_DATA || o.dataDir);
  o.token = env.WASMFN_TOKEN || null;
  o.workers = num('WASMFN_WORKERS', o.workers);
  o.maxModuleBytes = num('WASMFN_MAX_MODULE_MB', o.maxModuleBytes / MiB, MiB);
  o.maxRequestBytes = num('WASMFN_MAX_REQUEST_MB', o.maxRequestBytes / MiB, MiB);
  o.maxResponseBytes = num('WASMFN_MAX_RESPONSE_MB', o.maxResponseBytes / MiB, MiB);
  o.maxBufferedBodyBytes = num('WASMFN_MAX_BUFFERED_MB', o.maxBufferedBodyBytes / MiB, MiB);
  o.headersTimeoutMs = num('WASMFN_HEADERS_TIMEOUT_MS', o.headersTimeoutMs);
  o.requestTimeoutMs = num('WASMFN_REQUEST_TIMEOUT_MS', o.requestTimeoutMs);
  o.maxQueue = num('WASMFN_MAX_QUEUE', o.maxQueue);
  o.maxConcurrencyPerFunction = num('WASMFN_MAX_CONCURRENCY', o.maxConcurrencyPerFunction);
  o.workerHeapMb = num('WASMFN_WORKER_HEAP_MB', o.workerHeapMb);
  o.workerNice = num('WASMFN_WORKER_NICE', o.workerNice);
  o.inlineFuel = num('WASMFN_INLINE_FUEL', o.inlineFuel);
  o.inlineBusyPercent = num('WASMFN_INLINE_BUSY_PERCENT', o.inlineBusyPercent);
  o.maxRunningPerFunction = num('WASMFN_MAX_RUNNING_PER_FUNCTION', o.maxRunningPerFunction);
  o.memoryPoolBytesPerWorker = num('WASMFN_MEMORY_POOL_MB', o.memoryPoolBytesPerWorker / MiB, MiB);
  o.memoryPoolMaxMemoryBytes = num('WASMFN_MEMORY_POOL_MAX_MEMORY_MB', o.memoryPoolMaxMemoryBytes / MiB, MiB);
  o.maxRecentLogBytes = num('WASMFN_MAX_RECENT_LOGS_MB', o.maxRecentLogBytes / MiB, MiB);
  o.maxTableElements = num('WASMFN_MAX_TABLE_ELEMENTS', o.maxTableElements);
  o.logLevel = env.LOG_LEVEL || o.logLevel;
  o.natsUrl = env.WASMFN_NATS_URL || o.natsUrl;
  o.cluster = env.WASMFN_CLUSTER || o.cluster;
  o.replica = env.WASMFN_REPLICA || o.replica;
  o.secretKey = env.WASMFN_SECRET_KEY || o.secretKey;
  o.secretKeyFile = env.WASMFN_SECRET_KEY_FILE || o.secretKeyFile;
  o.asyncConcurrency = num('WASMFN_ASYNC_CONCURRENCY', o.asyncConcurrency);
  o.asyncRetentionH = num('WASMFN_ASYNC_RETENTION_H', o.asyncRetentionH);
  if (env.WASMFN_CALLBACK_HOSTS) o.callbackHosts = env.WASMFN_CALLBACK_HOSTS.split(',').map((h) => h.trim()).filter(Boolean);
  const merged: HostOptions = {
    ...o,
    ...stripUndefined(overrides),
    defaults: { ...o.defaults, ...overrides.defaults },
    maxima: { ...o.maxima, ...overrides.maxima },
  };
  merged.dataDir = path.resolve(merged.dataDir);
  validate(merged);
  return merged;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validate(o: HostOptions): void {
  const problems: string[] = [];
  const int = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('port', o.port, 0, 65535);
  int('workers', o.workers, 1, 256);
  int('maxModuleBytes', o.maxModuleBytes, 1024);
  int('maxRequestBytes', o.maxRequestBytes, 0);
  int('maxResponseBytes', o.maxResponseBytes, 0);
  // Smaller than one body the host accepts, and that body could never be read.
  int('maxBufferedBodyBytes', o.maxBufferedBodyBytes, Math.max(o.maxRequestBytes, o.maxModuleBytes));
  int('headersTimeoutMs', o.headersTimeoutMs, 1);
  // Node refuses a headers timeout longer than the request timeout.
  int('requestTimeoutMs', o.requestTimeoutMs, Math.max(1, o.headersTimeoutMs));
  int('maxQueue', o.maxQueue, 0);
  int('maxConcurrencyPerFunction', o.maxConcurrencyPerFunction, 1);
  // A worker needs a few MiB for itself before it runs any call.
  int('workerHeapMb', o.workerHeapMb, 16);
  int('inlineFuel', o.inlineFuel, 0);
  // Nice values span 40 steps; a negative step would raise the workers above the HTTP thread.
  int('workerNice', o.workerNice, 0, 19);
  int('inlineBusyPercent', o.inlineBusyPercent, 1, 100);
  int('maxRunningPerFunction', o.maxRunningPerFunction, 0);
  int('memoryPoolBytesPerWorker', o.memoryPoolBytesPerWorker, 0);
  int('memoryPoolMaxMemoryBytes', o.memoryPoolMaxMemoryBytes, 0);
  int('maxRecentLogBytes', o.maxRecentLogBytes, 64 * 1024);
  // V8's own ceiling for one table.
  int('maxTableElements', o.maxTableElements, 0, 10_000_000);
  for (const k of ['memoryMb', 'timeoutMs', 'fuel'] as const) {
    int(`maxima.${k}`, o.maxima[k], 1);
    int(`defaults.${k}`, o.defaults[k], 1, o.maxima[k]);
  }
  int('asyncConcurrency', o.asyncConcurrency, 0, 4096);
  if (!(o.asyncRetentionH > 0 && o.asyncRetentionH <= 24 * 365)) problems.push(`asyncRetentionH must be a number of hours in (0, 8760], got ${o.asyncRetentionH}`);
  for (const h of o.callbackHosts) if (!/^[A-Za-z0-9.*\[\]:-]+:(\d{1,5}|\*)$/.test(h)) problems.push(`callbackHosts entries must be host:port patterns (* allowed), got "${h}"`);
  // Bucket, stream and subject names allow only these; a dot would split a subject token.
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(o.cluster)) problems.push(`cluster must be 1-32 letters, digits, '-' or '_', got "${o.cluster}"`);
  if (o.natsUrl !== null && !/^(nats|tls|wss?):\/\/./.test(o.natsUrl) && !/^[^\s/]+:\d+$/.test(o.natsUrl)) {
    problems.push(`natsUrl must be nats://host:port (or tls://, ws://, wss://, host:port), got "${o.natsUrl}"`);
  }
  // Every replica must accept the same admin token, so none may generate its own.
  if (o.natsUrl !== null && !o.token) problems.push('WASMFN_TOKEN is required in cluster mode (WASMFN_NATS_URL is set): use the same token on every replica');
  if (o.maxima.memoryMb > 4096) problems.push('maxima.memoryMb cannot exceed 4096 (32-bit wasm memory)');
  if (problems.length) throw new WasmfnError('bad_request', 'invalid host options', { details: problems });
}

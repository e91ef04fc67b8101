// Runs one request in one fresh instance on the current thread: pooled memory, fuel budget, error classification.

import type { AbiName, GuestResponse, RequestSource } from '../abi/types.js';
import type { InvokeContext } from '../abi/runtime.js';
import { INVOKERS } from '../abi/index.js';
import { DEFAULT_MEMORY_POOL, MemoryPool, type MemoryPoolOptions, type MemoryShape } from './memory-pool.js';
import { classifyFailure, wasmFrames } from './classify.js';
import { GuestLog, type GuestLogLine } from '../invocation/guest-log.js';
import { Scratch } from './scratch.js';
import type { SerializedError } from '../errors.js';
import type { LogLevel } from '../abi/types.js';
import { FUEL_EXPORT, RUNTIME_IMPORTS, RUNTIME_MODULE } from '../wasm/fuel-contract.js';
import { frozenObject, importNamespace } from '../abi/import-object.js';
import { NO_CAPABILITIES, type CapabilityBridge } from '../abi/capability-bridge.js';

const PAGE = 65536;
const NO_LOGS: GuestLogLine[] = [];

export interface RunJob {
  module: WebAssembly.Module;
  abi: AbiName;
  memory: MemoryShape | null;
  /** Fuel budget; null when the module was not instrumented. */
  fuel: bigint | null;
  request: RequestSource;
  maxResponseBytes: number;
}

export interface RunStats {
  instantiateMs: number;
  runMs: number;
  fuelUsed: number | null;
  peakPages: number;
  logs: GuestLogLine[];
}

/** A success's `response.body` is valid until the next run() or recycle() on the same Executor. */
export type RunResult =
  | ({ ok: true; response: GuestResponse } & RunStats)
  | ({ ok: false; error: SerializedError; trapStack: string[] } & RunStats);

/**
 * One per thread. Besides memories, the runtime globals and the call context are recycled too: a run allocates
 * little more than the instance itself, which keeps the garbage collector (a fifth of the cost of a run when
 * every request built its own globals, closures and buffers) out of the way. Every recycled object is reset
 * before it is handed to a guest, so no request sees anything of another; those a guest can reach (memories,
 * globals: it can re-export its imports) are frozen, so no code can hang anything on them either.
 */
export class Executor {
  readonly memories: MemoryPool;
  /** Stands in for modules without memory; it has no pages and cannot grow, so sharing it leaks nothing. */
  private readonly noMemory = frozenObject(new WebAssembly.Memory({ initial: 0, maximum: 0 }));
  private readonly fuelOut = frozenObject(new WebAssembly.Global({ value: 'i32', mutable: true }, 0));
  private readonly growFailed = frozenObject(new WebAssembly.Global({ value: 'i32', mutable: true }, 0));
  private readonly runtime: Record<string, WebAssembly.Global | bigint> = importNamespace({
    [RUNTIME_IMPORTS.budget]: 0n, [RUNTIME_IMPORTS.fuelOut]: this.fuelOut, [RUNTIME_IMPORTS.growFailed]: this.growFailed,
  });
  private instance: WebAssembly.Instance | null = null;
  private readonly scratch = new Scratch();
  private readonly used: [WebAssembly.Memory, MemoryShape][] = [];
  private log: GuestLog | null = null;
  private tInst = 0;
  private readonly ctx: InvokeContext;

  constructor(opts: { memoryPool?: Partial<MemoryPoolOptions>; capabilities?: CapabilityBridge } = {}) {
    this.memories = new MemoryPool({ ...DEFAULT_MEMORY_POOL, ...opts.memoryPool });
    this.ctx = {
      module: null as unknown as WebAssembly.Module,
      memory: this.noMemory,
      runtimeImports: { [RUNTIME_MODULE]: this.runtime },
      request: null as unknown as RequestSource,
      maxResponseBytes: 0,
      log: (level: LogLevel, line: string) => (this.log ??= new GuestLog()).push(level, line),
      markInstantiated: (instance) => {
        this.tInst = performance.now();
        this.instance = instance;
      },
      copyOut: (bytes) => this.scratch.copy(bytes),
      capabilities: opts.capabilities ?? NO_CAPABILITIES,
    };
  }

  run(job: RunJob): RunResult {
    const t0 = performance.now();
    this.tInst = t0;
    this.log = null;
    // Set before instantiation: a start function is metered too.
    if (job.fuel !== null) this.runtime[RUNTIME_IMPORTS.budget] = job.fuel;
    this.fuelOut.value = 0;
    this.growFailed.value = 0;
    const memory = job.memory ? this.memories.acquire(job.memory) : this.noMemory;
    if (job.memory) this.used.push([memory, job.memory]);
    const ctx = this.ctx;
    ctx.module = job.module;
    ctx.memory = memory;
    ctx.request = job.request;
    ctx.maxResponseBytes = job.maxResponseBytes;
    let response: GuestResponse | null = null;
    let failure: unknown = null;
    try {
      response = INVOKERS[job.abi](ctx);
    } catch (e) {
      failure = e;
    }
    const end = performance.now();
    const fuelLeft = job.fuel === null ? null : this.fuelLeft();
    this.instance = null;
    const instantiateMs = this.tInst - t0;
    const runMs = end - this.tInst;
    const fuelUsed = fuelLeft === null ? null : Number(fuelLeft < 0n ? job.fuel! : job.fuel! - fuelLeft);
    const peakPages = memory.buffer.byteLength / PAGE;
    const logs = (this.log as GuestLog | null)?.finish() ?? NO_LOGS;
    ctx.request = null as unknown as RequestSource;
    // One object shape per outcome, without spreads: this runs for every request.
    if (response !== null) return { ok: true, response, instantiateMs, runMs, fuelUsed, peakPages, logs };
    const err = classifyFailure(failure, { fuelLeft, growFailed: this.growFailed.value === 1 });
    return { ok: false, error: err.toJSON(), trapStack: wasmFrames(failure), instantiateMs, runMs, fuelUsed, peakPages, logs };
  }

  /**
   * What a metered run left of its budget: negative once exhausted. Null when a start function trapped for
   * another reason than fuel (no instance to read the counter from; nothing is charged then).
   */
  private fuelLeft(): bigint | null {
    if (this.fuelOut.value === 1) return -1n;
    const counter = this.instance?.exports[FUEL_EXPORT] as WebAssembly.Global | undefined;
    return counter ? (counter.value as bigint) : null;
  }

  /** Zeroes and pools the memories of finished runs; call once their responses have been sent on. */
  recycle(): void {
    for (const [mem, shape] of this.used) this.memories.release(mem, shape);
    this.used.length = 0;
    this.scratch.trim();
  }
}

// Runs one request in one fresh instance on the current thread: pooled memory, fuel budget, error classification;
// and makes such an instance ahead of its call, for the ABIs that allow it.

import type { AbiName, GuestResponse, RequestSource } from '../abi/types.js';
import type { InvokeContext } from '../abi/runtime.js';
import { INSTANTIATE_AHEAD, INVOKERS } from '../abi/index.js';
import { DEFAULT_MEMORY_POOL, MemoryPool, type MemoryPoolOptions, type MemoryShape } from './memory-pool.js';
import { classifyFailure, wasmFrames } from './classify.js';
import { GuestLog, type GuestLogLine } from '../invocation/guest-log.js';
import { Scratch } from './scratch.js';
import type { SerializedError } from '../errors.js';
import type { LogLevel } from '../abi/types.js';
import { FUEL_EXPORT, RUNTIME_IMPORTS, RUNTIME_MODULE } from '../wasm/fuel-contract.js';
import { frozenObject, importNamespace } from '../abi/import-object.js';
import { NO_CAPABILITIES, type CapabilityBridge } from '../abi/capability-bridge.js';
import { WasmfnError } from '../errors.js';
import type { ReadyInstance } from './ready-instances.js';

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
  /** An instance made ahead for a call of this module with this fuel (makeReady); used once, then gone. */
  ready?: ReadyInstance | null;
}

/** What makeReady needs: a job without its request. */
export type ReadyJob = Pick<RunJob, 'module' | 'abi' | 'memory' | 'fuel'>;

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
      instance: null,
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
    this.arm(job.fuel);
    let ready = job.ready ?? null;
    if (ready !== null && (ready.module !== job.module || ready.fuel !== job.fuel)) {
      this.discard(ready);
      ready = null;
    }
    const memory = ready ? ready.memory : job.memory ? this.memories.acquire(job.memory) : this.noMemory;
    if (job.memory) this.used.push([memory, job.memory]);
    const ctx = this.ctx;
    ctx.module = job.module;
    ctx.instance = ready?.instance ?? null;
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
    ctx.instance = null;
    const instantiateMs = ready ? ready.instantiateMs : this.tInst - t0;
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
   * A fresh instance of the job's module for a later run() of it, or null: its ABI makes instances per call only,
   * or its start function did what only a call may (called an import, trapped, ran out of fuel, failed to grow the
   * memory). Nothing of a refused one is kept: its memory goes back to the pool, zeroed. Throws what the host
   * could not do (allocate the memory, say), which says nothing about the module.
   */
  makeReady(job: ReadyJob): ReadyInstance | null {
    const make = INSTANTIATE_AHEAD[job.abi];
    if (!make) return null;
    const t0 = performance.now();
    this.arm(job.fuel);
    const memory = job.memory ? this.memories.acquire(job.memory) : this.noMemory;
    let instance: WebAssembly.Instance | null = null;
    let hostFailure: unknown = null;
    try {
      instance = make(job.module, memory, this.ctx.runtimeImports);
    } catch (e) {
      // What the guest did refuses the version; anything else (V8 out of memory) is no verdict on it.
      if (!(e instanceof WasmfnError || e instanceof WebAssembly.RuntimeError || e instanceof WebAssembly.LinkError)) hostFailure = e;
    }
    const clean = instance !== null && this.fuelOut.value === 0 && this.growFailed.value === 0;
    if (!clean) {
      if (job.memory) this.memories.release(memory, job.memory);
      if (hostFailure !== null) throw hostFailure;
      return null;
    }
    return { module: job.module, shape: job.memory, fuel: job.fuel, instance: instance!, memory, instantiateMs: performance.now() - t0 };
  }

  /** Gives back the memory of a ready instance that will not run. */
  discard(ready: ReadyInstance): void {
    if (ready.shape) this.memories.release(ready.memory, ready.shape);
  }

  /** The shared runtime globals as a run starts: its budget (set before instantiation: a start function is metered too), no flag raised. */
  private arm(fuel: bigint | null): void {
    if (fuel !== null) this.runtime[RUNTIME_IMPORTS.budget] = fuel;
    this.fuelOut.value = 0;
    this.growFailed.value = 0;
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

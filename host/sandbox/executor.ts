// Runs one request in one fresh instance on the current thread: pooled memory, fuel budget, error classification.

import type { AbiName, GuestRequest, GuestResponse } from '../abi/types.js';
import { INVOKERS } from '../abi/index.js';
import { MemoryPool, type MemoryShape } from './memory-pool.js';
import { classifyFailure, wasmFrames } from './classify.js';
import { GuestLog, type GuestLogLine } from './guest-log.js';
import type { SerializedError } from '../errors.js';

const PAGE = 65536;

export interface RunJob {
  module: WebAssembly.Module;
  abi: AbiName;
  memory: MemoryShape | null;
  /** Fuel budget; null when the module was not instrumented. */
  fuel: bigint | null;
  request: GuestRequest;
  maxResponseBytes: number;
}

interface RunStats {
  instantiateMs: number;
  runMs: number;
  fuelUsed: number | null;
  peakPages: number;
  logs: GuestLogLine[];
}

export type RunResult =
  | ({ ok: true; response: GuestResponse } & RunStats)
  | ({ ok: false; error: SerializedError; trapStack: string[] } & RunStats);

export class Executor {
  readonly memories: MemoryPool;
  /** Stands in for modules without memory; it has no pages and cannot grow, so sharing it leaks nothing. */
  private readonly noMemory = new WebAssembly.Memory({ initial: 0, maximum: 0 });

  constructor(opts: { memoryPoolPerShape?: number } = {}) {
    this.memories = new MemoryPool({ perShape: opts.memoryPoolPerShape ?? 4, maxBytes: 256 * 1024 * 1024 });
  }

  run(job: RunJob): RunResult {
    const t0 = performance.now();
    let tInst = t0;
    // An instrumented module imports these; fresh objects per request so nothing links two requests.
    const fuel = job.fuel === null ? null : new WebAssembly.Global({ value: 'i64', mutable: true }, job.fuel);
    const growFailed = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
    const memory = job.memory ? this.memories.acquire(job.memory) : this.noMemory;
    const log = new GuestLog();
    const stats = (): RunStats => {
      const end = performance.now();
      return {
        instantiateMs: tInst - t0,
        runMs: end - tInst,
        fuelUsed: fuel === null || job.fuel === null ? null : Number(clampUsed(job.fuel, fuel.value as bigint)),
        peakPages: memory.buffer.byteLength / PAGE,
        logs: log.finish(),
      };
    };
    try {
      const response = INVOKERS[job.abi]({
        module: job.module,
        memory,
        runtimeImports: { wasmfn_rt: fuel ? { fuel, grow_failed: growFailed } : { grow_failed: growFailed } },
        request: job.request,
        maxResponseBytes: job.maxResponseBytes,
        log: (level, line) => log.push(level, line),
        markInstantiated: () => {
          tInst = performance.now();
        },
      });
      return { ok: true, response, ...stats() };
    } catch (e) {
      const err = classifyFailure(e, { fuelLeft: fuel ? (fuel.value as bigint) : null, growFailed: growFailed.value === 1 });
      return { ok: false, error: err.toJSON(), trapStack: wasmFrames(e), ...stats() };
    } finally {
      this.pendingRelease.push([memory, job.memory]);
    }
  }

  private pendingRelease: [WebAssembly.Memory, MemoryShape | null][] = [];

  /** Zeroes and pools the memories of finished runs; call once the response has been sent on. */
  recycle(): void {
    const list = this.pendingRelease;
    this.pendingRelease = [];
    for (const [mem, shape] of list) if (shape) this.memories.release(mem, shape);
  }
}

function clampUsed(budget: bigint, left: bigint): bigint {
  return left < 0n ? budget : budget - left;
}

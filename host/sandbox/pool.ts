// The worker pool on the main thread: admission, dispatch, wall-clock deadlines, and replacing killed workers.

import { Worker } from 'node:worker_threads';
import { WasmfnError } from '../errors.js';
import type { GuestRequest } from '../abi/types.js';
import type { LiveFunction } from '../store/registry.js';
import type { RunResult } from './executor.js';
import { STATUS_JOB, STATUS_START, type FromWorker, type RunMessage } from './protocol.js';

export interface PoolOptions {
  workers: number;                   // guest threads, default one per core
  maxQueue: number;                  // requests waiting for a worker host-wide, default 1024
  maxConcurrencyPerFunction: number; // running + waiting per function, default 64
  maxResponseBytes: number;          // response body cap, default 6 MiB
  pipelineDepth: number;             // jobs posted to one worker at once, default 4 (hides the message round trip)
  workerHeapMb: number;              // JS heap of a worker (wasm memory is capped per function instead), default 128
}

export type InvokeOutcome = RunResult & { queueMs: number; workerId: number };

interface Job {
  id: number;
  fn: LiveFunction;
  request: GuestRequest;
  enqueuedAt: number;
  dispatchedAt: number;
  timer: NodeJS.Timeout | null;
  resolve(o: InvokeOutcome): void;
}

interface Slot {
  id: number;
  worker: Worker;
  status: BigInt64Array;
  ready: boolean;
  inflight: Job[];
  known: Set<string>;
  dying: boolean;
  /** Jobs dispatched this event-loop turn, posted together by flush(). */
  outbox: RunMessage[];
}

export interface PoolStats {
  workers: number;
  spares: number;
  busy: number;
  queued: number;
  inflight: number;
  restarts: number;
}

export class WorkerPool {
  private readonly active: Slot[] = [];
  private spare: Slot | null = null;
  private readonly queue: Job[] = [];
  private readonly perFunction = new Map<string, number>();
  private nextJobId = 1;
  private nextWorkerId = 1;
  private closed = false;
  restarts = 0;
  /** Called whenever a worker is replaced, with why. */
  onRestart: (reason: 'timeout' | 'crash') => void = () => {};

  constructor(private readonly opts: PoolOptions) {
    for (let i = 0; i < opts.workers; i++) this.active.push(this.spawn());
    this.spare = this.spawn();
  }

  /** Resolves once every worker (and the spare) can take jobs. */
  async ready(): Promise<void> {
    const all = [...this.active, ...(this.spare ? [this.spare] : [])];
    await Promise.all(all.map((s) => (s.ready ? undefined : new Promise<void>((res) => s.worker.once('message', () => res())))));
  }

  stats(): PoolStats {
    let inflight = 0;
    let busy = 0;
    for (const s of this.active) {
      inflight += s.inflight.length;
      if (s.inflight.length) busy++;
    }
    return { workers: this.active.length, spares: this.spare ? 1 : 0, busy, queued: this.queue.length, inflight, restarts: this.restarts };
  }

  invoke(fn: LiveFunction, request: GuestRequest): Promise<InvokeOutcome> {
    if (this.closed) throw new WasmfnError('overloaded', 'the host is shutting down', { retryAfterS: 1 });
    const count = this.perFunction.get(fn.name) ?? 0;
    if (count >= this.opts.maxConcurrencyPerFunction) {
      throw new WasmfnError('overloaded', `function "${fn.name}" has ${count} requests in flight, its limit`, { retryAfterS: 1 });
    }
    if (this.queue.length >= this.opts.maxQueue) {
      throw new WasmfnError('overloaded', `${this.queue.length} requests are already waiting for a worker`, { retryAfterS: 1 });
    }
    this.perFunction.set(fn.name, count + 1);
    return new Promise<InvokeOutcome>((resolve) => {
      const job: Job = { id: this.nextJobId++, fn, request, enqueuedAt: performance.now(), dispatchedAt: 0, timer: null, resolve };
      this.queue.push(job);
      this.pump();
    });
  }

  /** Drops cached modules of `name` in every worker, except `keepKey` (the live version). */
  forget(name: string, keepKey?: string): void {
    for (const s of this.active) {
      const keys = [...s.known].filter((k) => k.startsWith(`${name}@`) && k !== keepKey);
      if (!keys.length) continue;
      for (const k of keys) s.known.delete(k);
      s.worker.postMessage({ type: 'forget', keys });
    }
  }

  /** Waits until nothing is queued or running (used by graceful shutdown). */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.queue.length || this.active.some((s) => s.inflight.length)) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.active, ...(this.spare ? [this.spare] : [])];
    for (const s of all) s.dying = true;
    for (const j of this.queue.splice(0)) this.finish(j, failure(new WasmfnError('overloaded', 'the host is shutting down', { retryAfterS: 1 })), -1);
    await Promise.all(all.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const sab = new SharedArrayBuffer(16);
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: { status: sab },
      resourceLimits: { maxOldGenerationSizeMb: this.opts.workerHeapMb, stackSizeMb: 4 },
    });
    const slot: Slot = { id: this.nextWorkerId++, worker, status: new BigInt64Array(sab), ready: false, inflight: [], known: new Set(), dying: false, outbox: [] };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (e) => this.onCrash(slot, e));
    worker.on('exit', (code) => this.onCrash(slot, new Error(`worker exited with code ${code}`)));
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') {
      slot.ready = true;
      this.pump();
      return;
    }
    for (const r of m.replies) {
      const idx = slot.inflight.findIndex((j) => j.id === r.id);
      if (idx < 0) continue;
      const [job] = slot.inflight.splice(idx, 1);
      if (r.type === 'missing') {
        slot.known.delete(r.key);
        this.requeue([job!]);
      } else {
        this.finish(job!, r.result, slot.id);
      }
    }
    this.pump();
  }

  private pump(): void {
    while (this.queue.length) {
      let best: Slot | null = null;
      for (const s of this.active) {
        if (!s.ready || s.dying || s.inflight.length >= this.opts.pipelineDepth) continue;
        if (!best || s.inflight.length < best.inflight.length) best = s;
      }
      if (!best) return;
      this.dispatch(best, this.queue.shift()!);
    }
  }

  private dispatch(slot: Slot, job: Job): void {
    const { fn } = job;
    const msg: RunMessage = {
      type: 'run',
      id: job.id,
      key: fn.key,
      abi: fn.abi,
      memory: fn.memory,
      fuel: fn.fuelInstrumented ? BigInt(fn.limits.fuel) : null,
      request: job.request,
      maxResponseBytes: this.opts.maxResponseBytes,
    };
    if (!slot.known.has(fn.key)) {
      msg.module = fn.module;
      slot.known.add(fn.key);
    }
    job.dispatchedAt = performance.now();
    slot.inflight.push(job);
    slot.outbox.push(msg);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
    this.arm(slot, job, fn.limits.timeoutMs);
  }

  private flushScheduled = false;

  /** Posts each worker's jobs of this turn as one message: under load that is one structured clone per batch. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const s of this.active) {
      if (!s.outbox.length || s.dying) continue;
      s.worker.postMessage({ type: 'batch', jobs: s.outbox });
      s.outbox = [];
    }
  };

  /** Deadlines count from the moment the job starts running on its worker, read from the shared status words. */
  private arm(slot: Slot, job: Job, delayMs: number): void {
    job.timer = setTimeout(() => {
      job.timer = null;
      if (!slot.inflight.includes(job)) return;
      const limitMs = job.fn.limits.timeoutMs;
      if (Atomics.load(slot.status, STATUS_JOB) !== BigInt(job.id)) return this.arm(slot, job, limitMs);
      const ranMs = Number(process.hrtime.bigint() - Atomics.load(slot.status, STATUS_START)) / 1e6;
      if (ranMs < limitMs) return this.arm(slot, job, Math.max(1, limitMs - ranMs));
      this.kill(slot, job, 'timeout');
    }, delayMs);
  }

  private kill(slot: Slot, culprit: Job | null, reason: 'timeout' | 'crash', cause?: Error): void {
    if (slot.dying) return;
    slot.dying = true;
    void slot.worker.terminate();
    const i = this.active.indexOf(slot);
    if (i >= 0) {
      // The spare is already warm, so the next request does not wait ~50 ms for a new thread.
      this.active[i] = this.spare ?? this.spawn();
      this.spare = this.closed ? null : this.spawn();
      this.restarts++;
      this.onRestart(reason);
    } else if (this.spare === slot) {
      this.spare = this.closed ? null : this.spawn();
    }
    const jobs = slot.inflight.splice(0);
    const others = jobs.filter((j) => j !== culprit);
    if (culprit) {
      const err = reason === 'timeout'
        ? new WasmfnError('timeout', `the function ran longer than its ${culprit.fn.limits.timeoutMs} ms limit`)
        : new WasmfnError('trap', `the function crashed its worker: ${cause?.message ?? 'unknown reason'}`);
      this.finish(culprit, failure(err), slot.id);
    }
    this.requeue(others);
    this.pump();
  }

  private onCrash(slot: Slot, e: Error): void {
    if (slot.dying) return;
    const running = Atomics.load(slot.status, STATUS_JOB);
    const culprit = slot.inflight.find((j) => BigInt(j.id) === running) ?? null;
    this.kill(slot, culprit, 'crash', e);
  }

  /** Puts jobs back at the head of the queue in their order; they are re-dispatched, not failed. */
  private requeue(jobs: Job[]): void {
    for (const j of jobs) if (j.timer) clearTimeout(j.timer);
    this.queue.unshift(...jobs);
  }

  private finish(job: Job, result: RunResult, workerId: number): void {
    if (job.timer) clearTimeout(job.timer);
    const n = (this.perFunction.get(job.fn.name) ?? 1) - 1;
    if (n <= 0) this.perFunction.delete(job.fn.name);
    else this.perFunction.set(job.fn.name, n);
    const queueMs = (job.dispatchedAt || performance.now()) - job.enqueuedAt;
    job.resolve({ ...result, queueMs, workerId });
  }
}

function failure(err: WasmfnError): RunResult {
  return { ok: false, error: err.toJSON(), trapStack: [], instantiateMs: 0, runMs: 0, fuelUsed: null, peakPages: 0, logs: [] };
}

// Runs prepareModule in a long-lived worker thread under a per-module time limit, so a huge module never
// blocks the event loop. Loading Binaryen costs many times what preparing a typical module does (docs/design.md,
// "Costs behind the design"), so the worker is kept between deploys; a module that runs over its limit gets the worker terminated and a fresh one is started for the next
// deploy. So does a module that made Binaryen fail (its heap may be left full or broken) or that was big (its heap
// never shrinks).

import { Worker } from 'node:worker_threads';
import { WasmfnError, type SerializedError } from '../errors.js';
import type { PreparedModule, PrepareOptions } from './prepare.js';

/** Resolved against this file, so it works from the compiled output (dist/host/wasm). */
const ENTRY = new URL('./prepare-worker-entry.js', import.meta.url);
/** Bounded so a chatty failure cannot grow without limit. */
const STDERR_KEEP_BYTES = 4096;
/** A worker is replaced after this many modules, so whatever Binaryen leaks cannot pile up. */
const JOBS_PER_WORKER = 200;
/** An idle worker (its heap large with Binaryen loaded, see docs/limits.md) is stopped after this long. */
const IDLE_STOP_MS = 60_000;
/**
 * JS heap of the worker (Binaryen's own heap is a wasm memory outside it). Past it the worker ends, not the process,
 * and the module is refused; what one within the caps needs is far less.
 */
const HEAP_MB = 512;
/** A worker that prepared a module this big is replaced: Binaryen grew its heap to hold it and never gives it back. */
const RETIRE_AFTER_BYTES = 4 * 1024 * 1024;

export interface PrepareRequest {
  id: number;
  bytes: Uint8Array;
  opts: PrepareOptions;
}

export type PrepareReply = { ok: true; prepared: PreparedModule } | { ok: false; error: SerializedError };
/** `retire`: the worker's state may be broken (Binaryen failed, or something other than our own verdict was thrown). */
export type PrepareResponse = { id: number; reply: PrepareReply; retire: boolean };

interface Pending {
  req: PrepareRequest;
  timeLimitMs: number;
  resolve(p: PreparedModule): void;
  reject(e: unknown): void;
}

function shuttingDown(): WasmfnError {
  return new WasmfnError('overloaded', 'the host is shutting down', { retryAfterS: 1 });
}

function tooSlow(timeLimitMs: number): WasmfnError {
  const reason = `preparing the module took longer than ${timeLimitMs} ms`;
  return new WasmfnError('invalid_module', reason, { details: [reason] });
}

/**
 * prepareModule in a worker thread of its own, one module at a time. Made by whoever builds the registry and closed
 * with it; nothing of it is shared by the process.
 */
export class PrepareWorker {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private stderr = '';
  private jobsDone = 0;
  private readonly queue: Pending[] = [];
  private running: (Pending & { timer: NodeJS.Timeout | null; started: number }) | null = null;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Workers started so far: each replacement (after a failure, a timeout, a big module, idling) is one more. */
  started = 0;

  /**
   * The time limit runs from the moment the worker starts on this module; past it the worker is terminated and
   * the promise rejects with invalid_module. A result that arrives after the limit is refused too, so 0 always fails.
   */
  prepare(bytes: Uint8Array, opts: PrepareOptions, timeLimitMs: number): Promise<PreparedModule> {
    if (this.closed) return Promise.reject(shuttingDown());
    return new Promise((resolve, reject) => {
      this.queue.push({ req: { id: this.nextId++, bytes, opts }, timeLimitMs, resolve, reject });
      void this.next();
    });
  }

  private spawn(): Promise<void> {
    const worker = new Worker(ENTRY, { stderr: true, stdout: true, resourceLimits: { maxOldGenerationSizeMb: HEAP_MB } });
    this.worker = worker;
    this.started++;
    this.stderr = '';
    this.jobsDone = 0;
    worker.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEEP_BYTES);
    });
    worker.stdout.resume();
    worker.on('message', (m: PrepareResponse | { ready: true }) => {
      if ('reply' in m) this.onReply(m);
    });
    worker.once('error', (e: NodeJS.ErrnoException) => this.onDeath(worker, e.message, e.code === 'ERR_WORKER_OUT_OF_MEMORY'));
    worker.once('exit', (code: number) => this.onDeath(worker, `worker exited with code ${code}`));
    return new Promise<void>((resolve) => worker.once('message', () => resolve()));
  }

  private async next(): Promise<void> {
    if (this.running || !this.queue.length) return;
    const job = this.queue.shift()!;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    // The limit covers the module's own work; starting a worker and loading Binaryen is not the module's fault.
    if (!this.worker) this.ready = this.spawn();
    this.running = { ...job, timer: null, started: 0 };
    this.worker!.ref();
    await this.ready;
    if (!this.running || this.running.req !== job.req) return;
    this.running.started = performance.now();
    this.running.timer = setTimeout(() => this.onTimeout(), job.timeLimitMs);
    this.worker!.postMessage(job.req, [job.req.bytes.slice().buffer]);
  }

  private onReply(m: PrepareResponse): void {
    const job = this.running;
    if (!job || job.req.id !== m.id) return;
    this.running = null;
    if (job.timer) clearTimeout(job.timer);
    this.jobsDone++;
    if (performance.now() - job.started > job.timeLimitMs) job.reject(tooSlow(job.timeLimitMs));
    else if (m.reply.ok) job.resolve(m.reply.prepared);
    else job.reject(WasmfnError.from(m.reply.error));
    if (m.retire || this.jobsDone >= JOBS_PER_WORKER || job.req.bytes.byteLength > RETIRE_AFTER_BYTES) this.stop();
    this.settle();
  }

  private onTimeout(): void {
    const job = this.running;
    if (!job) return;
    this.running = null;
    this.stop();
    job.reject(tooSlow(job.timeLimitMs));
    this.settle();
  }

  private onDeath(worker: Worker, why: string, outOfMemory = false): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const job = this.running;
    if (!job) return;
    this.running = null;
    if (job.timer) clearTimeout(job.timer);
    if (outOfMemory) {
      const reason = `preparing the module needed more than ${HEAP_MB} MiB of heap`;
      job.reject(new WasmfnError('invalid_module', reason, { details: [reason] }));
    } else {
      const details = this.stderr.trim() ? [why, this.stderr.trim()] : [why];
      job.reject(new WasmfnError('internal', 'the module preparation worker failed', { details }));
    }
    this.settle();
  }

  /** Stops the worker; what is queued or running is refused. */
  close(): void {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const jobs = this.queue.splice(0);
    if (this.running) {
      if (this.running.timer) clearTimeout(this.running.timer);
      jobs.unshift(this.running);
      this.running = null;
    }
    this.stop();
    for (const job of jobs) job.reject(shuttingDown());
  }

  private stop(): void {
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
  }

  /** Starts the next job, or lets an idle worker stop holding the process open and, later, its memory. */
  private settle(): void {
    if (this.closed) return;
    if (this.queue.length) {
      void this.next();
      return;
    }
    this.worker?.unref();
    this.idleTimer = setTimeout(() => this.stop(), IDLE_STOP_MS);
    this.idleTimer.unref();
  }
}

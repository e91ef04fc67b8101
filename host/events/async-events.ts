// The events capability as the rest of the host sees it: a durable queue of asynchronous invocations (embedded,
// or JetStream in a cluster), the dispatcher that runs them, callbacks, and cron schedules.

import type { HostOptions } from '../config.js';
import type { Logger } from '../observe/logger.js';
import type { Registry } from '../store/registry.js';
import type { WorkerPool } from '../sandbox/pool.js';
import type { InvocationSink } from '../invocation/record.js';
import type { ClusterConnection } from '../cluster/connection.js';
import type { AsyncQueue } from './queue.js';
import { EmbeddedQueue } from './embedded-queue.js';
import { ClusterQueue } from './cluster-queue.js';
import { Dispatcher } from './dispatcher.js';
import { Callbacks, checkCallbackUrl } from './callbacks.js';
import { Schedules } from './schedules.js';
import type { Invocation, InvocationState } from './invocation.js';

export interface AsyncEventsDeps {
  opts: HostOptions;
  registry: Registry;
  pool: WorkerPool;
  sink: InvocationSink;
  log: Logger;
  cluster: ClusterConnection | null;
}

export class AsyncEvents {
  private readonly dispatcher: Dispatcher;
  private readonly callbacks: Callbacks;
  private readonly schedules: Schedules;

  private constructor(readonly queue: AsyncQueue, private readonly deps: AsyncEventsDeps) {
    this.callbacks = new Callbacks(deps.log);
    const concurrency = deps.opts.asyncConcurrency || deps.opts.workers;
    this.dispatcher = new Dispatcher({ queue, registry: deps.registry, pool: deps.pool, sink: deps.sink, callbacks: this.callbacks, concurrency, log: deps.log,
      registryGraceMs: deps.cluster ? REGISTRY_GRACE_MS : 0 });
    this.schedules = new Schedules(deps.registry, queue, deps.log);
  }

  static async open(deps: AsyncEventsDeps): Promise<AsyncEvents> {
    const retentionMs = deps.opts.asyncRetentionH * 3600_000;
    const queue: AsyncQueue = deps.cluster
      ? await ClusterQueue.open(deps.cluster, { retentionMs, ackWaitMs: deps.opts.maxima.timeoutMs + ACK_MARGIN_MS })
      : new EmbeddedQueue(deps.opts.dataDir, retentionMs);
    return new AsyncEvents(queue, deps);
  }

  /** Starts running queued work and firing schedules (after the functions are loaded). */
  start(): void {
    this.dispatcher.start();
    this.schedules.start();
  }

  /** The X-Callback-Url header checked against WASMFN_CALLBACK_HOSTS (bad_request when not allowed). */
  checkCallback(url: string): string {
    return checkCallbackUrl(url, this.deps.opts.callbackHosts);
  }

  /** Largest request body an asynchronous invocation may carry here. */
  get maxBodyBytes(): number {
    return Math.min(this.deps.opts.maxRequestBytes, this.queue.maxBodyBytes ?? Infinity);
  }

  enqueue(inv: Invocation): Promise<void> {
    return this.queue.enqueue(inv);
  }

  get(id: string): Promise<InvocationState | null> {
    return this.queue.get(id);
  }

  deadLetters(fn: string, limit: number): Promise<InvocationState[]> {
    return this.queue.deadLetters(fn, limit);
  }

  retry(id: string): Promise<InvocationState> {
    return this.queue.retry(id);
  }

  nextRuns(name: string, n?: number): string[] {
    return this.schedules.nextRuns(name, n);
  }

  async close(): Promise<void> {
    this.schedules.close();
    await this.dispatcher.close();
    await this.callbacks.close();
    await this.queue.close();
  }
}

/** How long a replica waits for the shared registry to bring a function it was handed an invocation of. */
const REGISTRY_GRACE_MS = 10_000;

/** ack_wait is this much above the longest a function may run, so a running attempt is never delivered twice. */
const ACK_MARGIN_MS = 5000;

// Observability hub: receives every invocation record and fans it out to the log, metrics, recent logs and usage.

import crypto from 'node:crypto';
import type { Logger } from './logger.js';
import type { InvocationRecord, InvocationSink } from '../invocation/record.js';
import type { WorkerPool } from '../sandbox/pool.js';
import type { Registry } from '../store/registry.js';
import { InvocationLog } from './invocation-log.js';
import { HostMetrics } from './metrics.js';
import { DEFAULT_RECENT, RecentInvocations, type RecentOptions, type RecentStats } from './recent-invocations.js';
import { UsageStore } from './usage-store.js';

export interface ObservabilityDeps {
  dataDir: string;
  log: Logger;
  pool: WorkerPool;
  registry: Registry;
  /** Ring buffer sizes of the logs endpoint (default 200 invocations and 1 MiB per function, 16 MiB in all). */
  recent?: Partial<RecentOptions>;
  /** How often usage is written to disk, default 10 s (0: only on close and flushUsage()). */
  usageFlushMs?: number;
  /** false turns record() into a no-op: only for measuring what observability costs. */
  enabled?: boolean;
}

export class Observability implements InvocationSink {
  /** false makes record() do nothing (no log line, metrics, recent logs or usage); for overhead measurements. */
  enabled: boolean;
  readonly metrics: HostMetrics;
  private readonly recent: RecentInvocations;
  private readonly invocationLog: InvocationLog;
  private readonly hostId = crypto.randomUUID();

  private constructor(private readonly deps: ObservabilityDeps, private readonly usage: UsageStore) {
    this.enabled = deps.enabled ?? true;
    this.metrics = new HostMetrics(deps.pool, deps.registry);
    this.recent = new RecentInvocations({ ...DEFAULT_RECENT, ...deps.recent });
    this.invocationLog = new InvocationLog(deps.log);
    process.once('exit', this.onExit);
  }

  static async create(deps: ObservabilityDeps): Promise<Observability> {
    const usage = await UsageStore.open(deps.dataDir, {
      ...(deps.usageFlushMs !== undefined ? { flushIntervalMs: deps.usageFlushMs } : {}),
      onError: (e, name) => deps.log.error({ err: e, function: name }, 'could not read or write usage'),
    });
    const o = new Observability(deps, usage);
    deps.pool.onRestart((reason) => {
      o.metrics.workerRestarted(reason);
      deps.log.warn({ event: 'worker_restart', reason }, `worker replaced (${reason})`);
    });
    deps.registry.onChange((e) => {
      o.metrics.registryChanged(e);
      if (e.type === 'delete') o.recent.drop(e.name);
      deps.log.info({ event: e.type, function: e.name, ...(e.version ? { version: e.version } : {}) }, `${e.type} ${e.name}`);
    });
    return o;
  }

  /**
   * Runs on the main thread for every request, so it only queues the record: the queue is processed once per
   * event-loop turn, after the responses of that turn are written, so the logger and metrics code stays hot in
   * the CPU caches. Log lines are written in batches too (see InvocationLog); docs/design.md has what this saves.
   */
  record(r: InvocationRecord): void {
    if (!this.enabled) return;
    this.pending.push(r);
    if (this.pending.length === 1) setImmediate(this.drain);
  }

  private pending: InvocationRecord[] = [];
  private readonly taps: ((r: InvocationRecord) => void)[] = [];

  /** `fn` sees every invocation record, after the log, metrics and usage (the cluster shares usage and logs). */
  tap(fn: (r: InvocationRecord) => void): void {
    this.taps.push(fn);
  }

  /** Lines still pending when the process exits (even on an uncaught exception) are written, not lost. */
  private readonly onExit = () => this.flushLogs();

  private readonly drain = (): void => {
    const batch = this.pending;
    this.pending = [];
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      this.invocationLog.write(r);
      // The ring below keeps records for the logs endpoint, which never shows the line: its bytes can go now.
      r.line = undefined;
      this.metrics.observe(r);
      this.usage.add(r);
      // A request finishing just after its function was deleted must not bring the function's ring back.
      if (this.deps.registry.get(r.function)) this.recent.add(r);
      for (const t of this.taps) t(r);
    }
  };

  /** What the /metrics, logs and usage routes read (mounted by the HTTP layer). */
  routeDeps() {
    return {
      registry: this.deps.registry,
      metrics: this.metrics,
      recent: this.recent,
      usage: this.usage,
      hostId: this.hostId,
      catchUp: this.drain,
    };
  }

  /** What the recent-logs ring keeps (the logs endpoint's memory). */
  recentLogStats(): RecentStats {
    return this.recent.stats();
  }

  /** Writes usage to disk now (it is also written every usageFlushMs and on close). */
  flushUsage(): Promise<void> {
    return this.usage.flush();
  }

  /** Processes queued records and writes pending log lines now (they otherwise wait up to 50 ms). */
  flushLogs(): void {
    this.drain();
    this.invocationLog.flush();
  }

  async close(): Promise<void> {
    process.off('exit', this.onExit);
    this.flushLogs();
    await this.usage.close();
  }
}

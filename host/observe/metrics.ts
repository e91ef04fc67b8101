// Prometheus metrics of the host in their own prom-client registry: invocations, durations, pool, restarts, deploys.

import { Counter, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';
import type { WorkerPool } from '../sandbox/pool.js';
import type { Registry, RegistryEvent } from '../store/registry.js';
import { outcomeOf, type InvocationRecord } from '../invocation/record.js';

/** Seconds; invocations range from tens of µs (hello) to the 30 s timeout ceiling. */
const DURATION_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const INSTANTIATE_BUCKETS_S = [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25];

/**
 * Per function: invocation counts kept as plain numbers (copied into the counter at scrape time, so the hot path
 * does no label hashing), and the histogram child resolved once.
 */
interface FunctionSeries {
  outcomes: Map<string, number>;
  duration: Histogram.Internal<'function'>;
}

export class HostMetrics {
  readonly registry = new PromRegistry();
  private readonly duration: Histogram<'function'>;
  private readonly instantiate: Histogram;
  private readonly restarts: Counter<'reason'>;
  private readonly deploys: Counter;
  private readonly rollbacks: Counter;
  private readonly series = new Map<string, FunctionSeries>();

  constructor(pool: WorkerPool, functions: Registry) {
    const registers = [this.registry];
    const series = this.series;
    new Counter({
      name: 'wasmfn_invocations_total',
      help: 'Function invocations by outcome (ok or the error code).',
      labelNames: ['function', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [fn, s] of series) for (const [outcome, n] of s.outcomes) this.inc({ function: fn, outcome }, n);
      },
    });
    new Counter({
      name: 'wasmfn_inline_total',
      help: 'Calls tried on the HTTP thread: answered there (hit), or run again in a worker after their slice ran out (fallback).',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        this.inc({ outcome: 'hit' }, pool.inline?.hits ?? 0);
        this.inc({ outcome: 'fallback' }, pool.inline?.fallbacks ?? 0);
      },
    });
    new Counter({
      name: 'wasmfn_inline_ready_total',
      help: 'Calls tried on the HTTP thread that ran in an instance made ahead of them, instead of instantiating during the call.',
      registers,
      collect() {
        this.reset();
        this.inc(pool.inline?.readyUsed ?? 0);
      },
    });
    this.duration = new Histogram({ name: 'wasmfn_invocation_duration_seconds', help: 'Wall time of an invocation as the HTTP route saw it.', labelNames: ['function'], buckets: DURATION_BUCKETS_S, registers });
    this.instantiate = new Histogram({ name: 'wasmfn_instantiate_duration_seconds', help: 'Time to instantiate a fresh module instance.', buckets: INSTANTIATE_BUCKETS_S, registers });
    this.restarts = new Counter({ name: 'wasmfn_worker_restarts_total', help: 'Worker threads replaced, by reason.', labelNames: ['reason'], registers });
    this.deploys = new Counter({ name: 'wasmfn_deploys_total', help: 'Deploys that changed a live function version.', registers });
    this.rollbacks = new Counter({ name: 'wasmfn_rollbacks_total', help: 'Rollbacks to an earlier function version.', registers });
    // Pool and registry sizes are read at scrape time: nothing to keep in step on the hot path.
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    gauge('wasmfn_queue_depth', 'Requests waiting for a worker.', () => pool.stats().queued);
    gauge('wasmfn_inflight', 'Requests posted to workers and not yet answered.', () => pool.stats().inflight);
    gauge('wasmfn_pool_workers', 'Worker threads taking requests.', () => pool.stats().workers);
    gauge('wasmfn_pool_spares', 'Warm spare worker threads.', () => pool.stats().spares);
    gauge('wasmfn_pool_busy_workers', 'Worker threads running at least one request.', () => pool.stats().busy);
    gauge('wasmfn_pool_modules', 'Function versions whose compiled module the workers hold.', () => pool.stats().modules);
    gauge('wasmfn_pool_memory_pooled_bytes', 'Zeroed linear memories the workers and the HTTP thread keep for reuse.', () => pool.stats().pooledMemoryBytes);
    gauge('wasmfn_inline_ready_instances', 'Function versions holding an instance made ahead on the HTTP thread.', () => pool.inline?.readyInstances ?? 0);
    gauge('wasmfn_inline_ready_memory_bytes', 'Linear memory held by the instances made ahead on the HTTP thread.', () => pool.inline?.readyBytes ?? 0);
    gauge('wasmfn_inline_keep_when_busy', '1 while a busy HTTP thread keeps eligible calls most of the time (measured cheaper for it than handing them to the workers), 0 while it hands them off.', () => (pool.keepsWhenBusy ? 1 : 0));
    gauge('wasmfn_functions', 'Live functions.', () => functions.list().length);
    for (const reason of ['timeout', 'crash']) this.restarts.labels(reason).inc(0);
  }

  observe(r: InvocationRecord): void {
    let s = this.series.get(r.function);
    if (!s) {
      s = { outcomes: new Map(), duration: this.duration.labels(r.function) };
      this.series.set(r.function, s);
    }
    const outcome = outcomeOf(r);
    s.outcomes.set(outcome, (s.outcomes.get(outcome) ?? 0) + 1);
    s.duration.observe(r.totalMs / 1000);
    // Failures before instantiation (queue overflow, worker crash) report 0 and would skew the histogram.
    if (r.instantiateMs > 0) this.instantiate.observe(r.instantiateMs / 1000);
  }

  workerRestarted(reason: string): void {
    this.restarts.labels(reason).inc();
  }

  registryChanged(e: RegistryEvent): void {
    if (e.type === 'deploy') this.deploys.inc();
    else if (e.type === 'rollback') this.rollbacks.inc();
    else this.forget(e.name);
  }

  /** Drops a deleted function's series, so names that come and go do not grow the scrape forever. */
  forget(name: string): void {
    const s = this.series.get(name);
    if (!s) return;
    this.duration.remove(name);
    this.series.delete(name);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

// Topic triggers in embedded mode: every function whose config names a topic gets the topic's messages, each as a
// POST call. A 2xx answer acknowledges the message; anything else is retried after a growing delay, and after
// maxDeliver deliveries the message becomes a dead letter. Unordered triggers run up to the function's concurrency
// at once; ordered ones one message per subject, in order (a later message waits for an earlier one's retries).
// Deliveries live in the embedded database (topic-store.ts): a restart redelivers what was in flight.

import type { Logger } from '../../observe/logger.js';
import type { Registry } from '../../store/registry.js';
import type { WorkerPool } from '../../sandbox/pool.js';
import type { InvocationSink } from '../../invocation/record.js';
import { sharedNow } from '../../invocation/clock.js';
import { openEmbeddedDb } from '../../store/embedded-db.js';
import { triggerId, type TriggerConfig } from '../../store/trigger-config.js';
import { TopicStore, type Delivery } from './topic-store.js';
import { callWaitingForRoom } from './pool-call.js';
import { triggeredRecord } from './trigger-record.js';
import { messageInput, redeliveryDelayMs, type DeadLetter, type TriggerService, type TriggerStatus } from './trigger-service.js';

export interface TopicTriggerDeps {
  dataDir: string;
  registry: Registry;
  pool: WorkerPool;
  sink: InvocationSink;
  log: Logger;
  /** Messages of one unordered trigger in flight at once. */
  concurrency: number;
}

interface Consumer {
  id: string;
  fn: string;
  trigger: TriggerConfig;
  inFlight: Set<number>;
  subjectsInFlight: Set<string>;
}

/** Deliveries an ordered trigger looks through for the first of each subject. */
const ORDERED_SCAN = 1000;

export class TopicTriggers implements TriggerService {
  private readonly store: TopicStore;
  private readonly release: () => void;
  private consumers = new Map<string, Consumer>();
  private readonly running = new Set<Promise<void>>();
  private kickScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private closed = false;

  constructor(private readonly deps: TopicTriggerDeps) {
    const { db, release } = openEmbeddedDb(deps.dataDir);
    this.store = new TopicStore(db);
    this.release = release;
    this.sync();
    deps.registry.onChange(() => this.sync());
  }

  async publish(topic: string, subject: string, payload: Uint8Array): Promise<number> {
    const seq = this.store.publish(topic, subject, payload);
    this.kick();
    return seq;
  }

  async status(fn: string): Promise<TriggerStatus[]> {
    const out: TriggerStatus[] = [];
    for (const c of this.consumers.values()) {
      if (c.fn === fn) out.push({ trigger: triggerId(c.trigger), pending: this.store.pending(c.id), lastError: this.store.lastError(c.id) });
    }
    return out;
  }

  /** Every consumer's status, for the lag gauge. */
  async all(): Promise<{ fn: string; status: TriggerStatus }[]> {
    const out: { fn: string; status: TriggerStatus }[] = [];
    for (const c of this.consumers.values()) {
      out.push({ fn: c.fn, status: { trigger: triggerId(c.trigger), pending: this.store.pending(c.id), lastError: this.store.lastError(c.id) } });
    }
    return out;
  }

  async deadLetters(fn: string, limit = 100): Promise<DeadLetter[]> {
    return this.store.deadLetters(fn, limit);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.running]);
    this.release();
  }

  /** The consumers the live functions' configs ask for; a removed trigger's deliveries go with it. */
  private sync(): void {
    if (this.closed) return;
    const wanted = new Map<string, { fn: string; topic: string }>();
    const next = new Map<string, Consumer>();
    for (const fn of this.deps.registry.list()) {
      for (const t of fn.triggers) {
        if (t.topic === undefined) continue;
        const id = `${fn.name}/${triggerId(t)}`;
        wanted.set(id, { fn: fn.name, topic: t.topic });
        const old = this.consumers.get(id);
        next.set(id, old ? { ...old, trigger: t } : { id, fn: fn.name, trigger: t, inFlight: new Set(), subjectsInFlight: new Set() });
      }
    }
    this.store.syncConsumers(wanted);
    this.consumers = next;
    this.kick();
  }

  private kick(): void {
    if (this.kickScheduled || this.closed) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      if (this.closed) return;
      let soonest = Infinity;
      for (const c of this.consumers.values()) {
        try {
          soonest = Math.min(soonest, this.fill(c));
        } catch (e) {
          this.deps.log.error({ err: e, function: c.fn, trigger: triggerId(c.trigger) }, 'could not read a topic');
        }
      }
      this.wakeAt(soonest);
    });
  }

  /** Starts what the consumer may run now; when the next delivery waiting for its retry time is due. */
  private fill(c: Consumer): number {
    const now = Date.now();
    let soonest = Infinity;
    if (c.trigger.ordered) {
      const blocked = new Set(c.subjectsInFlight);
      for (const d of this.store.deliveries(c.id, 0, ORDERED_SCAN)) {
        if (blocked.has(d.subject)) continue;
        blocked.add(d.subject);
        if (d.nextAt > now) soonest = Math.min(soonest, d.nextAt);
        else this.deliver(c, d);
      }
      return soonest;
    }
    const free = this.deps.concurrency - c.inFlight.size;
    if (free <= 0) return soonest;
    let started = 0;
    for (const d of this.store.deliveries(c.id, 0, c.inFlight.size + free * 4)) {
      if (c.inFlight.has(d.seq)) continue;
      if (d.nextAt > now) {
        soonest = Math.min(soonest, d.nextAt);
        continue;
      }
      this.deliver(c, d);
      if (++started === free) break;
    }
    return soonest;
  }

  private wakeAt(at: number): void {
    if (at === Infinity || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.kick();
    }, Math.max(0, at - Date.now()));
  }

  private deliver(c: Consumer, d: Delivery): void {
    const fn = this.deps.registry.get(c.fn);
    if (!fn) return;
    c.inFlight.add(d.seq);
    c.subjectsInFlight.add(d.subject);
    const attempt = d.attempts + 1;
    const input = messageInput(d.subject, d.seq, d.payload, `topic:${c.trigger.topic}:${d.seq}:${attempt}`, sharedNow());
    const run = (async () => {
      const out = await callWaitingForRoom(this.deps.pool, fn, input);
      this.deps.sink.record(triggeredRecord('topic', fn, input, out));
      // A trigger removed meanwhile took its deliveries with it: nothing to settle.
      if (!this.consumers.has(c.id)) return;
      if (out.ok && out.status >= 200 && out.status < 300) this.store.ack(c.id, d.seq);
      else {
        const error = out.ok ? `status ${out.status}` : `${out.error.code}: ${out.error.message}`;
        if (attempt >= c.trigger.maxDeliver) this.store.deadLetter(c.id, c.fn, d.seq, attempt, error);
        else this.store.retry(c.id, d.seq, attempt, Date.now() + redeliveryDelayMs(attempt), error);
      }
    })().catch((e) => this.deps.log.error({ err: e, function: c.fn }, 'could not settle a topic message'))
      .finally(() => {
        c.inFlight.delete(d.seq);
        c.subjectsInFlight.delete(d.subject);
        this.running.delete(run);
        this.kick();
      });
    this.running.add(run);
  }
}

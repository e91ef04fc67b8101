// Stream triggers in cluster mode: for each function and stream trigger, a JetStream stream (created if missing,
// with the trigger's subjects) and a durable pull consumer (created if missing) that every replica running the
// function consumes together, so messages spread over the replicas. JetStream does the bookkeeping: a 2xx acks,
// a failure naks with a growing delay, a replica that dies leaves its messages unacknowledged for another to get
// after ack_wait. After maxDeliver deliveries a message is terminated and kept as a dead letter.
//
// ordered: true keeps one message in flight per subject: a message whose subject is busy waits here (its ack timer
// held off with working()), and a failed one is retried here rather than naked, so no later message of its
// subject can pass it.

import { nanos } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from '../../observe/logger.js';
import type { Registry } from '../../store/registry.js';
import type { WorkerPool } from '../../sandbox/pool.js';
import type { InvocationSink } from '../../invocation/record.js';
import type { ClusterConnection } from '../../cluster/connection.js';
import type { LiveFunction } from '../../store/registry.js';
import { sharedNow } from '../../invocation/clock.js';
import { triggerId, type TriggerConfig } from '../../store/trigger-config.js';
import { callWaitingForRoom } from './pool-call.js';
import { triggeredRecord } from './trigger-record.js';
import { messageInput, redeliveryDelayMs, type DeadLetter, type TriggerService, type TriggerStatus } from './trigger-service.js';
import type { StreamDeadLetters } from './stream-dead-letters.js';

export interface StreamTriggerDeps {
  cluster: ClusterConnection;
  registry: Registry;
  pool: WorkerPool;
  sink: InvocationSink;
  log: Logger;
  /** Where dead letters are kept, shared by the replicas. */
  deadLetters: StreamDeadLetters;
  /** Messages of one unordered trigger in flight at once on this replica. */
  concurrency: number;
}

interface Consumer {
  id: string;
  fn: string;
  trigger: TriggerConfig;
  stream: string;
  durable: string;
  messages: ConsumerMessages | null;
  inFlight: number;
  lastError: string | null;
  /** Ordered: messages waiting for their subject's turn. */
  waiting: Map<string, JsMsg[]>;
  busySubjects: Set<string>;
  stopped: boolean;
  loop: Promise<void> | null;
}

/** How often held messages tell JetStream they are still being worked on (ack_wait is 10 s at least). */
const HOLD_EVERY_MS = 3000;

export class StreamTriggers implements TriggerService {
  private consumers = new Map<string, Consumer>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: StreamTriggerDeps) {
    this.sync();
    deps.registry.onChange(() => this.sync());
  }

  async publish(_topic: string, subject: string, payload: Uint8Array): Promise<number> {
    const ack = await this.deps.cluster.js.publish(subject, payload);
    return ack.seq;
  }

  async status(fn: string): Promise<TriggerStatus[]> {
    return (await this.all()).filter((s) => s.fn === fn).map((s) => s.status);
  }

  async all(): Promise<{ fn: string; status: TriggerStatus }[]> {
    const out: { fn: string; status: TriggerStatus }[] = [];
    for (const c of this.consumers.values()) {
      let pending = 0;
      try {
        const info = await this.deps.cluster.jsm.consumers.info(c.stream, c.durable);
        pending = info.num_pending + info.num_ack_pending;
      } catch {
        pending = 0;
      }
      out.push({ fn: c.fn, status: { trigger: triggerId(c.trigger), pending, lastError: c.lastError } });
    }
    return out;
  }

  async deadLetters(fn: string, limit = 100): Promise<DeadLetter[]> {
    return this.deps.deadLetters.list(fn, limit);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.syncing;
    for (const c of this.consumers.values()) this.stop(c);
    await Promise.all([...this.consumers.values()].map((c) => c.loop));
    await Promise.all([...this.running]);
  }

  /** Consumes for each stream trigger of the live functions; stops for the ones gone. */
  private sync(): void {
    this.syncing = this.syncing.then(() => this.syncNow()).catch((e) => this.deps.log.error({ err: e }, 'could not set up stream triggers'));
  }

  private async syncNow(): Promise<void> {
    if (this.closed) return;
    const next = new Map<string, Consumer>();
    for (const fn of this.deps.registry.list()) {
      for (const t of fn.triggers) {
        if (t.stream === undefined) continue;
        const id = `${fn.name}/${triggerId(t)}`;
        const old = this.consumers.get(id);
        if (old && JSON.stringify(old.trigger) === JSON.stringify(t)) {
          next.set(id, old);
          continue;
        }
        if (old) this.stop(old);
        const c: Consumer = {
          id, fn: fn.name, trigger: t, stream: t.stream, durable: this.deps.cluster.name(`${fn.name}_${t.stream}`),
          messages: null, inFlight: 0, lastError: null, waiting: new Map(), busySubjects: new Set(), stopped: false, loop: null,
        };
        try {
          await this.ensure(c, fn);
        } catch (e) {
          c.lastError = `setup: ${(e as Error).message}`;
          this.deps.log.error({ err: e, function: fn.name, trigger: id }, 'could not create the stream or consumer of a trigger');
        }
        next.set(id, c);
        if (!c.lastError) {
          c.loop = this.consume(c).catch((e) => {
            c.lastError = `consume: ${(e as Error).message}`;
            this.deps.log.error({ err: e, function: c.fn, trigger: id }, 'a stream trigger stopped consuming');
          });
        }
      }
    }
    for (const [id, c] of this.consumers) if (!next.has(id)) this.stop(c);
    this.consumers = next;
  }

  private async ensure(c: Consumer, fn: LiveFunction): Promise<void> {
    const { jsm } = this.deps.cluster;
    const subjects = c.trigger.subjects ?? [`${c.stream}.>`];
    let streamSubjects: string[];
    try {
      streamSubjects = (await jsm.streams.info(c.stream)).config.subjects ?? [];
    } catch {
      streamSubjects = (await jsm.streams.add({ name: c.stream, subjects })).config.subjects ?? [];
    }
    // A filter only where it narrows the stream; one subject as filter_subject (servers before 2.10 know no other).
    const same = subjects.length === streamSubjects.length && subjects.every((x) => streamSubjects.includes(x));
    const filter = same ? {} : subjects.length === 1 ? { filter_subject: subjects[0] } : { filter_subjects: subjects };
    const config = {
      ack_policy: AckPolicy.Explicit,
      // One delivery more than maxDeliver: a replica that dies on the last one leaves it to be dead-lettered.
      max_deliver: c.trigger.maxDeliver + 1,
      ack_wait: nanos(Math.max(10_000, 2 * fn.limits.timeoutMs)),
      max_ack_pending: c.trigger.ordered ? 10_000 : Math.max(this.deps.concurrency, c.trigger.batch),
      ...filter,
    };
    try {
      await jsm.consumers.info(c.stream, c.durable);
      await jsm.consumers.update(c.stream, c.durable, config);
    } catch {
      await jsm.consumers.add(c.stream, { durable_name: c.durable, deliver_policy: DeliverPolicy.All, ...config });
    }
  }

  private stop(c: Consumer): void {
    c.stopped = true;
    void c.messages?.close().catch(() => undefined);
  }

  private async consume(c: Consumer): Promise<void> {
    const consumer = await this.deps.cluster.js.consumers.get(c.stream, c.durable);
    const messages = await consumer.consume({ max_messages: Math.max(c.trigger.batch, c.trigger.ordered ? 256 : this.deps.concurrency) });
    c.messages = messages;
    if (c.stopped) await messages.close();
    // Messages waiting for their subject's turn keep their ack timers held off.
    const hold = c.trigger.ordered ? setInterval(() => {
      for (const q of c.waiting.values()) for (const m of q) m.working();
    }, HOLD_EVERY_MS) : null;
    try {
      await this.dispatch(c, messages);
    } finally {
      if (hold) clearInterval(hold);
    }
  }

  private async dispatch(c: Consumer, messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      if (c.stopped) break;
      if (c.trigger.ordered) {
        const q = c.waiting.get(m.subject);
        if (q || c.busySubjects.has(m.subject)) {
          if (q) q.push(m);
          else c.waiting.set(m.subject, [m]);
          continue;
        }
        c.busySubjects.add(m.subject);
      }
      this.track(this.handle(c, m));
    }
  }

  private track(p: Promise<void>): void {
    const run = p.catch((e) => this.deps.log.error({ err: e }, 'could not settle a stream message')).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async handle(c: Consumer, m: JsMsg): Promise<void> {
    c.inFlight++;
    try {
      let attempt = m.info.deliveryCount;
      for (;;) {
        const fn = this.deps.registry.get(c.fn);
        if (!fn || c.stopped) return m.nak();
        if (attempt > c.trigger.maxDeliver) return this.dead(c, m, attempt - 1, c.lastError ?? 'delivered too many times');
        const input = messageInput(m.subject, m.seq, m.data, `stream:${c.stream}:${m.seq}:${attempt}`, sharedNow());
        const out = await callWaitingForRoom(this.deps.pool, fn, input);
        this.deps.sink.record(triggeredRecord('stream', fn, input, out));
        if (out.ok && out.status >= 200 && out.status < 300) return m.ack();
        const error = out.ok ? `status ${out.status}` : `${out.error.code}: ${out.error.message}`;
        c.lastError = error;
        if (attempt >= c.trigger.maxDeliver) return this.dead(c, m, attempt, error);
        if (!c.trigger.ordered) return m.nak(redeliveryDelayMs(attempt));
        // Ordered: retried here, so that no later message of the subject passes this one.
        m.working();
        await this.sleepWorking(m, redeliveryDelayMs(attempt));
        attempt++;
      }
    } finally {
      c.inFlight--;
      if (c.trigger.ordered) this.nextOfSubject(c, m.subject);
    }
  }

  private nextOfSubject(c: Consumer, subject: string): void {
    const q = c.waiting.get(subject);
    const next = q?.shift();
    if (!q || !next) {
      c.busySubjects.delete(subject);
      return;
    }
    if (q.length === 0) c.waiting.delete(subject);
    this.track(this.handle(c, next));
  }

  private async sleepWorking(m: JsMsg, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(1000, end - Date.now())));
      m.working();
    }
  }

  /** Terminated in the stream only once the dead letter is stored; until then it is delivered again later. */
  private async dead(c: Consumer, m: JsMsg, attempts: number, error: string): Promise<void> {
    try {
      await this.deps.deadLetters.add({ fn: c.fn, trigger: triggerId(c.trigger), seq: m.seq, subject: m.subject, payload: m.data, attempts, error });
    } catch (e) {
      this.deps.log.warn({ err: e, function: c.fn, seq: m.seq }, 'could not store a dead letter; the message stays in its stream');
      return m.nak(redeliveryDelayMs(attempts));
    }
    m.term(error.slice(0, 200));
  }
}

// The cluster queue on JetStream: a work-queue stream holds one message per pending attempt ({id}); a durable pull
// consumer shared by every replica hands each to one of them. A failed attempt is nak'ed with its backoff as the
// delay; one cut short by a dead replica comes back after ack_wait (above any function's timeout). Records live
// in a KV bucket whose max age is the retention; the record, not the message, counts attempts, so a message
// delivered again after a crash counts as the attempt it was.

import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type Consumer, type JsMsg } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import { WasmfnError } from '../errors.js';
import type { ClusterConnection } from '../cluster/connection.js';
import { ensureStream, openKv } from '../cluster/jetstream-setup.js';
import { kvKeys } from '../cluster/kv-keys.js';
import { MAX_ASYNC_ATTEMPTS } from '../store/events-config.js';
import type { AsyncQueue, Claimed, Settlement } from './queue.js';
import type { Invocation, InvocationState } from './invocation.js';

export interface ClusterQueueOptions {
  retentionMs: number;
  ackWaitMs: number;
}

/** Deliveries beyond the policy's attempts that a message may take (replicas stopping or dying mid-attempt). */
const SPARE_DELIVERIES = 10;
const DUPLICATE_WINDOW_MS = 10 * 60_000;
/** How long a schedule tick's lease is kept (only to stop a late replica from firing the same tick). */
const TICK_LEASE_MS = 10 * 60_000;
/** JSON and base64 overhead of a record next to its body. */
const RECORD_SLACK_BYTES = 64 * 1024;
/** The KV bucket of invocation records and their dead-letter keys. */
const RECORDS_BUCKET = 'invocations';

const ms = (n: number) => n * 1_000_000;

interface StoredRecord extends Omit<Invocation, 'request'> {
  request: Omit<Invocation['request'], 'body'> & { body: string };
}

export class ClusterQueue implements AsyncQueue {
  readonly maxBodyBytes: number;
  private stopping = false;

  private constructor(
    private readonly c: ClusterConnection,
    private readonly consumer: Consumer,
    private readonly records: KV,
    private readonly ticks: KV,
    private readonly ackWaitMs: number,
  ) {
    const maxPayload = c.nc.info?.max_payload ?? 1024 * 1024;
    this.maxBodyBytes = Math.max(0, Math.floor(((maxPayload - RECORD_SLACK_BYTES) * 3) / 4));
  }

  static async open(c: ClusterConnection, o: ClusterQueueOptions): Promise<ClusterQueue> {
    const stream = c.name('async');
    const streamConfig = {
      name: stream, subjects: [c.subject('async.>')], retention: RetentionPolicy.Workqueue, storage: StorageType.File,
      duplicate_window: ms(DUPLICATE_WINDOW_MS),
    };
    await ensureStream(c, streamConfig);
    const durable = 'dispatch';
    const consumerConfig = {
      durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All,
      ack_wait: ms(o.ackWaitMs), max_deliver: MAX_ASYNC_ATTEMPTS + SPARE_DELIVERIES, max_ack_pending: -1,
    };
    // The first replica's ack_wait stays: every replica has the same function timeout ceiling in a sane cluster.
    await c.jsm.consumers.info(stream, durable).catch(() => c.jsm.consumers.add(stream, consumerConfig)).catch(async (e) => {
      await c.jsm.consumers.info(stream, durable).catch(() => { throw e; });
    });
    const consumer = await c.js.consumers.get(stream, durable);
    const records = await openBucket(c, c.name(RECORDS_BUCKET), o.retentionMs);
    const ticks = await openBucket(c, c.name('schedule_ticks'), TICK_LEASE_MS);
    return new ClusterQueue(c, consumer, records, ticks, o.ackWaitMs);
  }

  async enqueue(inv: Invocation): Promise<void> {
    await this.records.create(recordKey(inv.id), encode(inv)).catch((e) => { throw unavailable(e); });
    await this.publish(inv.function, inv.id, inv.id);
  }

  async get(id: string): Promise<InvocationState | null> {
    const e = await this.entry(id);
    return e ? stateOf(decode(e)) : null;
  }

  async deadLetters(fn: string, limit: number): Promise<InvocationState[]> {
    // A retried invocation's dead key is deleted; its record then no longer reads as dead and is left out below.
    const keys = await kvKeys(this.c, this.c.name(RECORDS_BUCKET), `dead.${fn}.*`).catch((e) => { throw unavailable(e); });
    const ids = keys.map((k) => k.slice(`dead.${fn}.`.length));
    const states = (await Promise.all(ids.map((id) => this.get(id)))).filter((s): s is InvocationState => s !== null && s.status === 'dead');
    return states.sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0)).slice(0, limit);
  }

  async retry(id: string): Promise<InvocationState> {
    const e = await this.entry(id);
    if (!e) throw new WasmfnError('not_found', `no invocation "${id}"`);
    const rec = decode(e);
    if (!rec) throw new WasmfnError('internal', `invocation "${id}" has an unreadable record`);
    if (rec.status !== 'dead') throw new WasmfnError('conflict', `invocation "${id}" is ${rec.status}: only a dead invocation can be retried`);
    const next: Invocation = { ...rec, status: 'queued', attemptBase: rec.attempts, nextAt: Date.now(), finishedAt: null, result: null, error: null };
    await this.records.update(recordKey(id), encode(next), e.revision).catch(() => {
      throw new WasmfnError('conflict', `invocation "${id}" changed meanwhile: try again`);
    });
    await this.records.delete(`dead.${rec.function}.${id}`).catch(() => undefined);
    await this.publish(rec.function, id, `${id}.retry${rec.attempts}`);
    return stateOf(next);
  }

  async take(waitMs: number): Promise<Claimed | null> {
    if (this.stopping) return null;
    const msg = await this.consumer.next({ expires: Math.max(1000, waitMs) });
    if (!msg) return null;
    if (this.stopping) {
      msg.nak();
      return null;
    }
    let id: string;
    try {
      id = (msg.json() as { id: string }).id;
    } catch {
      msg.term('not an invocation message');
      return null;
    }
    const e = await this.entry(id);
    const rec = e ? decode(e) : null;
    if (!e || !rec || rec.status === 'succeeded' || rec.status === 'dead') {
      // Past retention, or done already (a duplicate delivery): nothing to run.
      msg.term();
      return null;
    }
    if (rec.attempts - rec.attemptBase >= rec.policy.maxAttempts) {
      // Its attempts were all used by replicas that stopped mid-run.
      const dead: Invocation = { ...rec, status: 'dead', finishedAt: Date.now(), error: { code: 'internal', message: 'the host running it stopped on every attempt' } };
      await this.records.update(recordKey(id), encode(dead), e.revision).catch(() => undefined);
      await this.records.put(`dead.${rec.function}.${id}`, id).catch(() => undefined);
      msg.term();
      return null;
    }
    const running: Invocation = { ...rec, status: 'running', attempts: rec.attempts + 1, startedAt: Date.now() };
    try {
      await this.records.update(recordKey(id), encode(running), e.revision);
    } catch {
      msg.nak();
      return null;
    }
    return this.claimed(running, msg);
  }

  async claimTick(key: string): Promise<boolean> {
    try {
      await this.ticks.create(key, '');
      return true;
    } catch {
      return false;
    }
  }

  interrupt(): void {
    this.stopping = true;
  }

  async close(): Promise<void> {
    this.stopping = true;
  }

  private claimed(inv: Invocation, msg: JsMsg): Claimed {
    // A long wait for a worker must not look like a dead replica.
    const keepAlive = setInterval(() => msg.working(), Math.max(1000, this.ackWaitMs / 2));
    keepAlive.unref();
    const write = async (next: Invocation) => {
      await this.records.put(recordKey(inv.id), encode(next));
    };
    return {
      inv,
      settle: async (s: Settlement) => {
        clearInterval(keepAlive);
        const now = Date.now();
        const next: Invocation = {
          ...inv, status: s.status, version: s.version,
          finishedAt: s.status === 'failed' ? null : now,
          nextAt: s.status === 'failed' ? now + s.retryInMs : inv.nextAt,
          result: s.result ?? null,
          error: s.status === 'succeeded' ? null : s.error,
        };
        await write(next);
        if (s.status === 'dead') await this.records.put(`dead.${inv.function}.${inv.id}`, inv.id);
        if (s.status === 'failed') msg.nak(s.retryInMs);
        else await msg.ackAck();
        return stateOf(next);
      },
      release: async (delayMs = 0) => {
        clearInterval(keepAlive);
        await write({ ...inv, status: 'queued', attempts: inv.attempts - 1, nextAt: Date.now() + delayMs }).catch(() => undefined);
        msg.nak(delayMs > 0 ? delayMs : undefined);
      },
    };
  }

  private async publish(fn: string, id: string, msgID: string): Promise<void> {
    await this.c.js.publish(this.c.subject(`async.${fn}`), JSON.stringify({ id }), { msgID }).catch((e) => { throw unavailable(e); });
  }

  private async entry(id: string): Promise<KvEntry | null> {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) return null;
    const e = await this.records.get(recordKey(id)).catch((err) => { throw unavailable(err); });
    return e && e.operation === 'PUT' ? e : null;
  }
}

function openBucket(c: ClusterConnection, name: string, ttlMs: number): Promise<KV> {
  return openKv(c, name, { ttl: ttlMs, history: 1 });
}

const recordKey = (id: string) => `inv.${id}`;

function encode(inv: Invocation): string {
  const rec: StoredRecord = { ...inv, request: { ...inv.request, body: Buffer.from(inv.request.body).toString('base64') } };
  return JSON.stringify(rec);
}

function decode(e: KvEntry): Invocation | null {
  try {
    const rec = e.json<StoredRecord>();
    return { ...rec, request: { ...rec.request, body: new Uint8Array(Buffer.from(rec.request.body, 'base64')) } };
  } catch {
    return null;
  }
}

function stateOf(inv: Invocation | null): InvocationState {
  const { request: _request, ...state } = inv!;
  return state;
}

function unavailable(e: unknown): WasmfnError {
  return e instanceof WasmfnError ? e : new WasmfnError('unavailable', `the cluster queue is unreachable: ${(e as Error).message}`);
}

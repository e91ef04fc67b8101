// The cluster key-value backend: one JetStream KV bucket per store (`<cluster>_kv_<store>`), so every replica
// sees the same data. Counters use the bucket's revision compare-and-set (create / update at a revision); the
// size cap is the bucket's own max_bytes (JetStream refuses a write past it). NATS keys allow only a few
// characters, so a key is stored hex-encoded, which keeps byte order and prefixes.

import type { KV } from '@nats-io/kv';
import { CapabilityError } from '../abi/capability-codes.js';
import type { KeysPage, KvBackend } from '../kv/backend.js';
import { addCounter, MAX_VALUE_BYTES, parseCounter } from '../kv/limits.js';
import type { ClusterConnection } from './connection.js';
import { openKv } from './jetstream-setup.js';
import { kvKeys } from './kv-keys.js';

/** Compare-and-set attempts of one increment before it gives up (only a storm of writers to one key gets there). */
const MAX_CAS_ATTEMPTS = 200;
/** Entries read at once while a key listing skips deleted keys. */
const READ_BATCH = 64;

const encodeKey = (key: string): string => Buffer.from(key, 'utf8').toString('hex');
const decodeKey = (hex: string): string => Buffer.from(hex, 'hex').toString('utf8');

export class JetStreamKv implements KvBackend {
  private readonly buckets = new Map<string, Promise<KV>>();

  constructor(private readonly cluster: ClusterConnection) {}

  /** While NATS is away a call fails at once (the guest gets `unavailable`) instead of waiting out its deadline. */
  private up(): void {
    if (!this.cluster.connected()) throw new CapabilityError('unavailable', "the cluster's key-value store is unavailable: not connected to NATS");
  }

  private bucketName(store: string): string {
    return this.cluster.name(`kv_${store}`);
  }

  /** The store's bucket, created on first use with the first writer's cap. */
  private bucket(store: string, capBytes: number): Promise<KV> {
    this.up();
    let b = this.buckets.get(store);
    if (!b) {
      // A bucket made earlier (by another replica, or under another kvMb) is used as it is.
      b = openKv(this.cluster, this.bucketName(store), { history: 1, max_bytes: capBytes, maxValueSize: MAX_VALUE_BYTES + 1024 });
      this.buckets.set(store, b);
      b.catch(() => this.buckets.delete(store));
    }
    return b.catch((e: Error) => {
      throw unavailable(e);
    });
  }

  /** For reads: a store nobody wrote to has no bucket yet, which reads as empty. */
  private async existing(store: string): Promise<KV | null> {
    this.up();
    const cached = this.buckets.get(store);
    if (cached) return this.bucket(store, 0);
    try {
      const kv = await this.cluster.kvm.open(this.bucketName(store));
      await kv.status();
      this.buckets.set(store, Promise.resolve(kv));
      return kv;
    } catch (e) {
      if (/not found/i.test((e as Error).message)) return null;
      throw unavailable(e as Error);
    }
  }

  async get(store: string, key: string): Promise<Uint8Array | null> {
    const kv = await this.existing(store);
    if (!kv) return null;
    const e = await kv.get(encodeKey(key)).catch((err: Error) => { throw unavailable(err); });
    return e && e.operation === 'PUT' ? e.value : null;
  }

  async set(store: string, key: string, value: Uint8Array, capBytes: number): Promise<void> {
    const kv = await this.bucket(store, capBytes);
    await kv.put(encodeKey(key), value).catch((e: Error) => { throw writeError(store, e); });
  }

  async delete(store: string, key: string): Promise<boolean> {
    const kv = await this.existing(store);
    if (!kv) return false;
    const k = encodeKey(key);
    const e = await kv.get(k).catch((err: Error) => { throw unavailable(err); });
    if (!e || e.operation !== 'PUT') return false;
    await kv.delete(k).catch((err: Error) => { throw unavailable(err); });
    return true;
  }

  async exists(store: string, key: string): Promise<boolean> {
    return (await this.get(store, key)) !== null;
  }

  async keys(store: string, prefix: string, cursor: string, limit: number): Promise<KeysPage> {
    const kv = await this.existing(store);
    if (!kv) return { keys: [], cursor: null };
    const hexPrefix = encodeKey(prefix);
    const hexCursor = encodeKey(cursor);
    const live: string[] = [];
    try {
      // Subject filters only match whole tokens, so the prefix is applied here, over every key of the bucket.
      const candidates = (await kvKeys(this.cluster, this.bucketName(store)))
        .filter((k) => k.startsWith(hexPrefix) && k > hexCursor)
        .sort();
      // Deleted keys keep a marker: entries are read in key order until one past the page is known to be live.
      for (let i = 0; i < candidates.length && live.length <= limit; i += READ_BATCH) {
        const batch = candidates.slice(i, i + READ_BATCH);
        const entries = await Promise.all(batch.map((k) => kv.get(k)));
        for (const e of entries) if (e && e.operation === 'PUT') live.push(e.key);
      }
    } catch (e) {
      throw unavailable(e as Error);
    }
    const page = live.slice(0, limit).map(decodeKey);
    return { keys: page, cursor: live.length > limit ? page[page.length - 1]! : null };
  }

  async increment(store: string, key: string, delta: bigint, capBytes: number): Promise<bigint> {
    const kv = await this.bucket(store, capBytes);
    const k = encodeKey(key);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const e = await kv.get(k).catch((err: Error) => { throw unavailable(err); });
      const live = e !== null && e.operation === 'PUT';
      const next = addCounter(parseCounter(live ? e.value : null), delta);
      const bytes = Buffer.from(next.toString(), 'latin1');
      try {
        // Written only if nobody else wrote the key since it was read: the revision is the compare in the swap.
        if (e === null) await kv.create(k, bytes);
        else await kv.update(k, bytes, e.revision);
        return next;
      } catch (err) {
        if (!isWrongRevision(err as Error)) throw writeError(store, err as Error);
      }
    }
    throw new CapabilityError('unavailable', `too many concurrent writers on the counter "${key.slice(0, 80)}"`);
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}

function isWrongRevision(e: Error): boolean {
  return /wrong last sequence|key exists/i.test(e.message);
}

function writeError(store: string, e: Error): CapabilityError {
  if (/maximum bytes|insufficient resources|exceeds.*max/i.test(e.message)) {
    return new CapabilityError('store_full', `store "${store}" is full`);
  }
  return unavailable(e);
}

function unavailable(e: Error): CapabilityError {
  if (e instanceof CapabilityError) return e;
  return new CapabilityError('unavailable', `the cluster's key-value store is unavailable: ${e.message}`);
}

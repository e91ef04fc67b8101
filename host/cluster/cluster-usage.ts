// Cluster-wide usage: every replica puts a snapshot of its own usage buckets per function into a KV bucket (key
// <function>.<instance>), at most every PUBLISH_MS and only for functions it ran since; a total is its own live
// buckets plus every other instance's snapshot. Snapshots never expire: usage is what gets billed, and a replica
// that is gone still ran what it ran. The instance id lives in the data dir, so a replica restarted on the same
// data dir (whose usage is read back from it) replaces its own snapshot instead of counting twice.

import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { StorageType } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ClusterConnection } from './connection.js';
import type { UsageStore } from '../observe/usage-store.js';
import { summarize, type UsageBucket, type UsageSummary } from '../observe/usage-buckets.js';
import { writeFileAtomic } from '../store/atomic-fs.js';
import { asUnavailable } from './nats-errors.js';
import { openKv } from './jetstream-setup.js';
import { kvKeys } from './kv-keys.js';

export const PUBLISH_MS = 2000;
const BUCKET = 'usage';

export class ClusterUsage {
  private readonly changed = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly cluster: ClusterConnection, private readonly kv: KV, private readonly local: UsageStore, private readonly instance: string) {}

  static async start(cluster: ClusterConnection, local: UsageStore, dataDir: string): Promise<ClusterUsage> {
    const kv = await openKv(cluster, cluster.name(BUCKET), { history: 1, storage: StorageType.File });
    const u = new ClusterUsage(cluster, kv, local, await instanceId(dataDir));
    u.timer = setInterval(() => void u.publish(), PUBLISH_MS);
    u.timer.unref();
    return u;
  }

  /** Called for every invocation; the snapshot goes out with the next publish. */
  touched(name: string): void {
    this.changed.add(name);
  }

  async publish(): Promise<void> {
    if (!this.cluster.connected()) return; // kept for a publish after the reconnect
    const names = [...this.changed];
    this.changed.clear();
    for (const name of names) {
      try {
        await this.kv.put(`${name}.${this.instance}`, JSON.stringify(this.local.buckets(name)));
      } catch {
        this.changed.add(name); // NATS away: sent with a later publish
      }
    }
  }

  async has(name: string): Promise<boolean> {
    if (this.local.has(name)) return true;
    return (await this.snapshotKeys(name)).length > 0;
  }

  async summary(name: string, sinceMs: number | null, nowMs = Date.now()): Promise<UsageSummary> {
    return summarize(await this.buckets(name), sinceMs, nowMs);
  }

  /** This replica's live buckets and every other instance's snapshot, side by side (not merged). */
  async buckets(name: string): Promise<UsageBucket[]> {
    const buckets: UsageBucket[] = [...this.local.buckets(name)];
    for (const key of await this.snapshotKeys(name)) {
      if (key === `${name}.${this.instance}`) continue;
      const e = await this.kv.get(key).catch(asUnavailable);
      if (!e || e.operation !== 'PUT') continue;
      try {
        const b = e.json<UsageBucket[]>();
        if (Array.isArray(b)) buckets.push(...b);
      } catch {
        // an unreadable snapshot counts as none; the replica replaces it with its next publish
      }
    }
    return buckets;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.publish();
  }

  private async snapshotKeys(name: string): Promise<string[]> {
    // Snapshots of other replicas are rewritten while this reads them.
    return kvKeys(this.cluster, this.cluster.name(BUCKET), `${name}.*`).catch(asUnavailable);
  }
}

async function instanceId(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'cluster-instance');
  try {
    const id = (await fs.readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{32}$/.test(id)) return id;
  } catch {
    // first start on this data dir
  }
  const id = crypto.randomBytes(16).toString('hex');
  await writeFileAtomic(file, id);
  return id;
}

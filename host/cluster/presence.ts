// Which replicas are up: each one puts a heartbeat under its own key of a KV bucket whose entries expire
// (the bucket's max age), and a replica is listed while its last heartbeat is recent.

import { StorageType } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ClusterConnection } from './connection.js';
import { asUnavailable } from './nats-errors.js';
import { openKv } from './jetstream-setup.js';
import { kvKeys } from './kv-keys.js';

export interface ReplicaInfo {
  id: string;
  url: string;
  startedAt: string;
  lastSeen: string;
  /** Invocations running or waiting on that replica. */
  inflight: number;
  /** Functions live on that replica. */
  functions: number;
  /** Worker threads of that replica (absent from replicas of earlier releases). */
  workers?: number;
}

export interface PresenceSource {
  url: string;
  inflight: () => number;
  functions: () => number;
  workers: number;
}

export const HEARTBEAT_MS = 2000;
/** A replica not heard from for this long is no longer listed. */
export const SEEN_WINDOW_MS = 15_000;
const BUCKET = 'presence';

export class Presence {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt = new Date().toISOString();
  /** Worker threads of the replicas up when last counted, this one's own until then. */
  private workersSeen: number;
  private countedAt = 0;
  private counting = false;

  private constructor(private readonly cluster: ClusterConnection, private readonly kv: KV, private readonly src: PresenceSource) {
    this.workersSeen = src.workers;
  }

  static async start(cluster: ClusterConnection, src: PresenceSource): Promise<Presence> {
    const kv = await openKv(cluster, cluster.name(BUCKET), { history: 1, ttl: SEEN_WINDOW_MS, storage: StorageType.Memory });
    const p = new Presence(cluster, kv, src);
    await p.beat().catch(() => undefined);
    p.timer = setInterval(() => void p.beat().catch(() => undefined), HEARTBEAT_MS);
    p.timer.unref();
    return p;
  }

  private async beat(): Promise<void> {
    if (!this.cluster.connected()) return;
    const info: ReplicaInfo = {
      id: this.cluster.replica,
      url: this.src.url,
      startedAt: this.startedAt,
      lastSeen: new Date().toISOString(),
      inflight: this.src.inflight(),
      functions: this.src.functions(),
      workers: this.src.workers,
    };
    await this.kv.put(replicaKey(this.cluster.replica), JSON.stringify(info));
  }

  /**
   * Worker threads over the replicas up (at least this replica's), as last counted. Counting reads every
   * heartbeat, so it is done in the background when asked for and at most once per heartbeat interval: the answer
   * may be one interval old.
   */
  workers(nowMs = Date.now()): number {
    if (!this.counting && nowMs - this.countedAt >= HEARTBEAT_MS) {
      this.countedAt = nowMs;
      this.counting = true;
      this.list()
        .then((seen) => {
          this.workersSeen = Math.max(this.src.workers, seen.reduce((n, r) => n + (r.workers ?? 1), 0));
        }, () => undefined)
        .finally(() => {
          this.counting = false;
        });
    }
    return this.workersSeen;
  }

  /** The replicas heard from within SEEN_WINDOW_MS, by id. */
  async list(nowMs = Date.now()): Promise<ReplicaInfo[]> {
    const out: ReplicaInfo[] = [];
    // Every replica rewrites its key every HEARTBEAT_MS, so the listing must hold while keys change under it.
    try {
      for (const k of await kvKeys(this.cluster, this.cluster.name(BUCKET))) {
        const e = await this.kv.get(k);
        if (!e || e.operation !== 'PUT') continue;
        const info = e.json<ReplicaInfo>();
        if (nowMs - Date.parse(info.lastSeen) <= SEEN_WINDOW_MS) out.push(info);
      }
    } catch (e) {
      asUnavailable(e);
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // Gone at once rather than after the window, when the replica stops in good order.
    if (this.cluster.connected()) await this.kv.delete(replicaKey(this.cluster.replica)).catch(() => undefined);
  }
}

/** Replica ids may hold characters KV keys may not (host:port): the key is their base64url. */
function replicaKey(id: string): string {
  return Buffer.from(id).toString('base64url');
}

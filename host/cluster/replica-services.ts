// What makes a replica one of a cluster besides the registry: its heartbeat, its share of usage and its logs.

import os from 'node:os';
import type { ClusterConnection } from './connection.js';
import type { Observability } from '../observe/observability.js';
import { ClusterUsage } from './cluster-usage.js';
import { ClusterLogs } from './cluster-logs.js';
import { HEARTBEAT_MS, Presence, type PresenceSource, type ReplicaInfo } from './presence.js';
import { WasmfnError } from '../errors.js';

export class ReplicaServices {
  private presence: Presence | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(readonly cluster: ClusterConnection, readonly usage: ClusterUsage, readonly logs: ClusterLogs) {}

  static async start(cluster: ClusterConnection, observability: Observability, dataDir: string): Promise<ReplicaServices> {
    const usage = await ClusterUsage.start(cluster, observability.routeDeps().usage, dataDir);
    const logs = await ClusterLogs.start(cluster);
    observability.tap((r) => {
      usage.touched(r.function);
      logs.record(r);
    });
    observability.routeDeps().registry.onChange((e) => {
      if (e.type === 'delete') void logs.forget(e.name);
    });
    return new ReplicaServices(cluster, usage, logs);
  }

  /** Starts the heartbeat once the replica listens (its URL is part of it). */
  async announce(src: PresenceSource): Promise<void> {
    // Listening on every interface says nothing about where others reach it: the host name does.
    const url = src.url.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, `//${os.hostname()}`);
    // A replica that serves is not stopped by NATS failing it now: it keeps trying, and is listed once it succeeds.
    const start = async (): Promise<void> => {
      try {
        this.presence = await Presence.start(this.cluster, { ...src, url });
      } catch {
        if (!this.closed) this.retry = setTimeout(() => void start(), HEARTBEAT_MS).unref();
      }
    };
    await start();
  }

  replicas(): Promise<ReplicaInfo[]> {
    if (!this.presence) throw new WasmfnError('unavailable', 'this replica is still starting', { retryAfterS: 1 });
    return this.presence.list();
  }

  /** Worker threads over the replicas up, as last counted; this replica's own before the first heartbeat. */
  workers(fallback: number): number {
    return this.presence?.workers() ?? fallback;
  }

  health(): { nats: { connected: boolean }; replica: string } {
    return { nats: { connected: this.cluster.connected() }, replica: this.cluster.replica };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.presence?.close();
    await this.usage.close().catch(() => undefined);
  }
}

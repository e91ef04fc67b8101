// Cluster-wide invocation logs: every replica publishes each invocation (with its own id as `replica`) to a
// subject per function, which a stream keeps (the newest per function, for a day); the logs route reads that
// stream back, and an entry's `seq` is its stream sequence, so `after` works on any replica.

import { DiscardPolicy, StorageType } from '@nats-io/jetstream';
import type { ClusterConnection } from './connection.js';
import type { InvocationRecord } from '../invocation/record.js';
import { invocationEntry, type LogEntry } from '../observe/log-entry.js';
import { asUnavailable } from './nats-errors.js';
import { ensureStream, readSubject } from './jetstream-setup.js';

/** Invocations kept per function, as on one host. */
export const KEPT_PER_FUNCTION = 200;
const KEPT_FOR_NS = 24 * 3600 * 1e9;

export class ClusterLogs {
  private readonly stream: string;

  private constructor(private readonly cluster: ClusterConnection) {
    this.stream = cluster.name('logs');
  }

  static async start(cluster: ClusterConnection): Promise<ClusterLogs> {
    const l = new ClusterLogs(cluster);
    const config = {
      name: l.stream,
      subjects: [cluster.subject('logs.>')],
      max_msgs_per_subject: KEPT_PER_FUNCTION,
      max_age: KEPT_FOR_NS,
      discard: DiscardPolicy.Old,
      storage: StorageType.File,
    };
    await ensureStream(cluster, config);
    return l;
  }

  /** Hot path: one publish without waiting for an acknowledgement; lost only if NATS is away. */
  record(r: InvocationRecord): void {
    if (!this.cluster.connected()) return;
    const entry = { ...invocationEntry(0, r), replica: this.cluster.replica };
    try {
      this.cluster.nc.publish(this.subject(r.function), JSON.stringify(entry));
    } catch {
      // the connection is closing
    }
  }

  /** The newest `limit` invocations after stream sequence `after`, oldest first. */
  async list(name: string, limit: number, after: number): Promise<LogEntry[]> {
    try {
      const msgs = await readSubject(this.cluster, this.stream, this.subject(name), after);
      return msgs.slice(-limit).map((m) => ({ ...m.json<LogEntry>(), seq: m.seq }));
    } catch (e) {
      return asUnavailable(e);
    }
  }

  /** The newest entry of a function from any replica (the stream's last message on its subject), or null. */
  async last(name: string): Promise<LogEntry | null> {
    try {
      const m = await this.cluster.jsm.streams.getMessage(this.stream, { last_by_subj: this.subject(name) });
      return m ? { ...m.json<LogEntry>(), seq: m.seq } : null;
    } catch (e) {
      if (/no message found|not found/i.test((e as Error).message)) return null;
      return asUnavailable(e);
    }
  }

  /** A deleted function's invocations go with it (as on one host); a deploy of the name starts afresh. */
  async forget(name: string): Promise<void> {
    if (!this.cluster.connected()) return;
    await this.cluster.jsm.streams.purge(this.stream, { filter: this.subject(name) }).catch(() => undefined);
  }

  private subject(name: string): string {
    return this.cluster.subject(`logs.${name}`);
  }
}

// Buckets and streams every replica sets up at start, and reading one subject of a stream back. Replicas start
// together and race to create the same bucket or stream: the loser uses what the winner made (also when an earlier
// release made it with another configuration, which creating it again would be refused for).

import type { JsMsg, StreamConfig } from '@nats-io/jetstream';
import { DeliverPolicy } from '@nats-io/jetstream';
import type { KV, KvOptions } from '@nats-io/kv';
import type { ObjectStore, ObjectStoreOptions } from '@nats-io/obj';
import type { ClusterConnection } from './connection.js';

/** The KV bucket `name`, created with `opts` unless it exists. */
export function openKv(c: ClusterConnection, name: string, opts: Partial<KvOptions>): Promise<KV> {
  return c.kvm.create(name, opts).catch(() => c.kvm.open(name));
}

/** The object store `name`, created with `opts` unless it exists. */
export function openObjectStore(c: ClusterConnection, name: string, opts: Partial<ObjectStoreOptions>): Promise<ObjectStore> {
  return c.objm.create(name, opts).catch(() => c.objm.open(name));
}

/** The stream `config.name`, created unless it exists. */
export async function ensureStream(c: ClusterConnection, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  await c.jsm.streams.add(config).catch(async (e: unknown) => {
    await c.jsm.streams.info(config.name).catch(() => { throw e; });
  });
}

/** The messages `stream` holds on `subject` after stream sequence `after`, oldest first. */
export async function readSubject(c: ClusterConnection, stream: string, subject: string, after = 0): Promise<JsMsg[]> {
  const info = await c.jsm.streams.info(stream, { subjects_filter: subject });
  const count = info.state.subjects?.[subject] ?? 0;
  if (count === 0 || info.state.last_seq <= after) return [];
  const consumer = await c.js.consumers.get(stream, {
    filter_subjects: subject,
    ...(after > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 } : {}),
  });
  const out: JsMsg[] = [];
  try {
    const msgs = await consumer.fetch({ max_messages: count, expires: 2000 });
    for await (const m of msgs) {
      out.push(m);
      if (m.info.pending === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return out;
}

// A map over the replicas of a cluster: NATS core request-reply on `<cluster>.map.run`, queue group
// `<cluster>.map`. Every replica answers batches there (this one included, so one replica alone maps as it would
// embedded); the replica that took the HTTP request sends its items there in batches (cluster-items.ts).

import { Counter, type Registry as PromRegistry } from 'prom-client';
import type { ClusterConnection } from '../cluster/connection.js';
import type { Registry } from '../store/registry.js';
import type { WorkerPool } from '../sandbox/pool.js';
import type { InvocationSink } from '../invocation/record.js';
import { MapResponder } from './map-responder.js';

export interface MapClusterDeps {
  cluster: ClusterConnection;
  registry: Registry;
  pool: WorkerPool;
  sink: InvocationSink;
  metrics: PromRegistry;
  /** Worker threads over the replicas up: a map's default concurrency. */
  workers: () => number;
}

/** What became of a batch sent: answered, sent again (timeout, no responders, refused), or run here in the end. */
export type BatchOutcome = 'answered' | 'resent' | 'local';

/** NATS's default max_payload, when the server has not said yet. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export class MapCluster {
  private readonly subject: string;
  private readonly responder: MapResponder;
  private readonly batches: Counter<'outcome'>;

  constructor(private readonly d: MapClusterDeps) {
    this.subject = d.cluster.subject('map.run');
    const ran = new Counter({
      name: 'wasmfn_map_batch_items_total',
      help: 'Map items this replica ran for batches sent over the cluster (by any replica, itself included).',
      registers: [d.metrics],
    });
    this.batches = new Counter({
      name: 'wasmfn_map_batches_total',
      help: 'Batches of map items this replica sent over the cluster, by what became of them: answered, resent (timeout, no responders, refused) or local (run here after the last send failed).',
      labelNames: ['outcome'],
      registers: [d.metrics],
    });
    this.responder = new MapResponder({
      nc: d.cluster.nc, subject: this.subject, queue: d.cluster.subject('map'),
      registry: d.registry, pool: d.pool, sink: d.sink, maxPayload: () => this.maxPayload(),
      ran: (n) => ran.inc(n),
    });
  }

  /** Sends a batch to whichever replica the queue group picks; rejects on timeout, no responders or no connection. */
  async request(payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const msg = await this.d.cluster.nc.request(this.subject, payload, { timeout: timeoutMs });
    return msg.data;
  }

  /** False while NATS is away: batches then run here at once rather than wait for their timeouts. */
  connected(): boolean {
    return this.d.cluster.connected();
  }

  /** Largest message NATS takes, in bytes. */
  maxPayload(): number {
    return this.d.cluster.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** Worker threads over the replicas up, so that a map without `concurrency` keeps all of them busy. */
  workers(): number {
    return this.d.workers();
  }

  count(outcome: BatchOutcome): void {
    this.batches.inc({ outcome });
  }

  /** Takes no further batch and waits for those being answered. */
  close(): Promise<void> {
    return this.responder.close();
  }
}

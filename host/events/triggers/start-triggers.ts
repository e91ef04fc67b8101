// Starts the host's triggers: topics on the embedded database, or JetStream streams when the host is in a cluster.

import type { Registry as PromRegistry } from 'prom-client';
import type { Logger } from '../../observe/logger.js';
import type { Registry } from '../../store/registry.js';
import type { WorkerPool } from '../../sandbox/pool.js';
import type { InvocationSink } from '../../invocation/record.js';
import type { ClusterConnection } from '../../cluster/connection.js';
import { TopicTriggers } from './topic-triggers.js';
import { StreamTriggers } from './stream-triggers.js';
import { TopicStore } from './topic-store.js';
import { openEmbeddedDb } from '../../store/embedded-db.js';
import { lagGauge, type TriggerService } from './trigger-service.js';

export interface StartTriggerDeps {
  dataDir: string;
  registry: Registry;
  pool: WorkerPool;
  sink: InvocationSink;
  log: Logger;
  cluster: ClusterConnection | null;
  metrics: PromRegistry;
  /** Messages of one unordered trigger in flight at once. */
  concurrency: number;
}

export function startTriggers(deps: StartTriggerDeps): TriggerService {
  let service: TriggerService;
  if (deps.cluster) {
    // Dead letters of stream messages are kept on the replica that gave up on them, in its embedded database.
    const { db, release } = openEmbeddedDb(deps.dataDir);
    service = new StreamTriggers({ ...deps, cluster: deps.cluster, deadLetters: new TopicStore(db), releaseStore: release });
  } else service = new TopicTriggers(deps);
  lagGauge(deps.metrics, () => service.all());
  return service;
}

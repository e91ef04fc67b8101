// Starts the host's triggers: topics on the embedded database, or JetStream streams when the host is in a cluster.

import type { Registry as PromRegistry } from 'prom-client';
import type { Logger } from '../../observe/logger.js';
import type { Registry } from '../../store/registry.js';
import type { WorkerPool } from '../../sandbox/pool.js';
import type { InvocationSink } from '../../invocation/record.js';
import type { ClusterConnection } from '../../cluster/connection.js';
import { TopicTriggers } from './topic-triggers.js';
import { StreamTriggers } from './stream-triggers.js';
import { StreamDeadLetters } from './stream-dead-letters.js';
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
    service = new StreamTriggers({ ...deps, cluster: deps.cluster, deadLetters: new StreamDeadLetters(deps.cluster) });
  } else service = new TopicTriggers(deps);
  lagGauge(deps.metrics, () => service.all());
  return service;
}

// GET /api/cluster (admin): the replicas of the cluster heard from recently. Mounted only in cluster mode.

import type { Hono } from 'hono';
import { bearerAuth } from './auth.js';
import type { ReplicaInfo } from '../cluster/presence.js';

type App = Hono<{ Variables: { requestId: string } }>;

export interface ClusterRouteDeps {
  cluster: string;
  replica: string;
  replicas: () => Promise<ReplicaInfo[]>;
}

export function mountClusterRoutes(app: App, token: string, d: ClusterRouteDeps): void {
  app.get('/api/cluster', bearerAuth(token), async (c) => c.json({ cluster: d.cluster, replica: d.replica, replicas: await d.replicas() }));
}

// The Hono application: health, admin API, invocation routes, and the single error handler.

import { Hono } from 'hono';
import { WasmfnError } from '../errors.js';
import type { HostOptions } from '../config.js';
import type { Registry } from '../store/registry.js';
import type { WorkerPool } from '../sandbox/pool.js';
import type { InvocationSink } from '../invocation/record.js';
import { adminRoutes } from './admin-routes.js';
import { invokeRoutes } from './invoke-routes.js';
import { mapRoutes } from './map-routes.js';
import { topicRoutes } from './topic-routes.js';
import type { TriggerService } from '../events/triggers/trigger-service.js';
import { errorResponse } from './error-response.js';
import { requestId } from './request-id.js';
import type { BodyBudget } from './body-budget.js';
import type { AsyncIntake } from './async-intake.js';
import type { MapCluster } from '../map/map-cluster.js';

export interface AppDeps {
  registry: Registry;
  pool: WorkerPool;
  opts: HostOptions;
  token: string;
  sink: InvocationSink;
  /** Bytes of request bodies (invocations and uploads) held host-wide. */
  bodies: BodyBudget;
  /** Extra routes mounted before the catch-all (metrics, logs, usage). */
  extend?: (app: Hono<{ Variables: { requestId: string } }>) => void;
  /** Extra fields of /healthz (in cluster mode, whether NATS is connected). */
  health?: () => Record<string, unknown>;
  /** Host-level failures (not guest errors) go here, for the log. */
  onInternalError?: (e: unknown) => void;
  /** Topic and stream triggers: publishing, and each function's trigger status. */
  triggers?: TriggerService | null;
  /** Calls with `Prefer: respond-async` go here (asynchronous invocations). */
  intake?: AsyncIntake;
  /** Fields added to GET /api/functions/:name (schedules' next runs). */
  functionExtras?: (name: string) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** In a cluster: /map spreads items over the replicas. */
  mapCluster?: MapCluster | null;
}

export function createApp(deps: AppDeps): Hono<{ Variables: { requestId: string } }> {
  const app = new Hono<{ Variables: { requestId: string } }>();
  // First, so the request-id middleware below (registered later) never runs for invocations: that route sets
  // the id and its header itself, without materialising the response's headers.
  app.route('/fn', invokeRoutes(deps));
  app.route('/map', mapRoutes(deps));
  app.use('*', requestId());
  app.get('/healthz', (c) => c.json({ status: 'ok', ...deps.health?.() }));
  deps.extend?.(app);
  if (deps.triggers) app.route('/api/topics', topicRoutes(deps.triggers, deps.opts, deps.token, deps.bodies));
  app.route('/api', adminRoutes(deps.registry, deps.opts, deps.token, deps.bodies, deps.functionExtras));
  app.notFound((c) => {
    const res = errorResponse(c, new WasmfnError('not_found', 'no such route: functions are under /fn/<name>, the admin API under /api/functions'));
    res.headers.set('x-request-id', c.get('requestId') ?? '');
    return res;
  });
  app.onError((e, c) => {
    if (!(e instanceof WasmfnError)) deps.onInternalError?.(e);
    const res = errorResponse(c, e);
    res.headers.set('x-request-id', c.get('requestId') ?? '');
    return res;
  });
  return app;
}

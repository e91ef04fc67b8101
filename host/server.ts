// Starts a host: options, token, function store, worker pool, HTTP server; and stops it gracefully.

import os from 'node:os';
import v8 from 'node:v8';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { resolveOptions, type HostOptions } from './config.js';
import { resolveToken } from './token.js';
import { FunctionStore } from './store/function-store.js';
import { openDataDir } from './store/data-dir.js';
import { Registry } from './store/registry.js';
import type { RegistryBackend } from './store/registry-backend.js';
import { PrepareWorker } from './wasm/prepare-worker.js';
import { DEFAULT_POOL_OPTIONS, WorkerPool } from './sandbox/pool.js';
import { createApp } from './http/app.js';
import { closeServer } from './http/graceful-close.js';
import { BodyBudget } from './http/body-budget.js';
import { deployExamples } from './examples.js';
import { createLogger, type Logger } from './observe/logger.js';
import { Observability } from './observe/observability.js';
import { mountObserveRoutes } from './http/observe-routes.js';
import { lineLevels } from './observe/invocation-log.js';
import { connectCluster, type ClusterConnection } from './cluster/connection.js';
import { JetStreamKv } from './cluster/kv-jetstream.js';
import { EmbeddedKv } from './kv/embedded.js';
import type { KvBackend } from './kv/backend.js';
import { CapabilityHost } from './sandbox/capability-host.js';
import { SecretBox } from './secrets/secret-box.js';
import { defaultSecretKeyFile, loadSecretKey } from './secrets/secret-key.js';
import { mountKvRoutes } from './http/kv-routes.js';
import { startTriggers } from './events/triggers/start-triggers.js';
import type { TriggerService } from './events/triggers/trigger-service.js';
import { JetStreamStore } from './cluster/jetstream-store.js';
import { ReplicaServices } from './cluster/replica-services.js';
import { mountClusterRoutes } from './http/cluster-routes.js';
import { mountUi } from './ui/routes.js';
import { AsyncEvents } from './events/async-events.js';
import { asyncIntake } from './http/async-intake.js';
import { mountAsyncRoutes } from './http/async-routes.js';
import { MapCluster } from './map/map-cluster.js';

export interface RunningHost {
  url: string;
  token: string;
  opts: HostOptions;
  registry: Registry;
  /** Where the registry prepares uploads; closed with the host. */
  preparer: PrepareWorker;
  pool: WorkerPool;
  observability: Observability;
  /** Bytes of request bodies the host holds now, against maxBufferedBodyBytes. */
  bodies: BodyBudget;
  log: Logger;
  /** The cluster's NATS connection when WASMFN_NATS_URL is set; null in the embedded default. */
  cluster: ClusterConnection | null;
  /** Guests' key-value stores: a JetStream bucket per store in a cluster, else the data dir's database. */
  kv: KvBackend;
  /** Topic (embedded) or stream (cluster) triggers of the functions. */
  triggers: TriggerService;
  /** Asynchronous invocations (queue, dispatcher, callbacks) and schedules. */
  events: AsyncEvents;
  /** Stops taking connections, lets in-flight requests finish, then stops the workers. */
  close(): Promise<void>;
}

export interface StartOptions extends Partial<HostOptions> {
  logger?: Logger;
  onTokenGenerated?: (file: string, token: string) => void;
}

let backstopSet = false;

export async function startHost(start: StartOptions = {}): Promise<RunningHost> {
  const { logger, onTokenGenerated, ...overrides } = start;
  const opts = resolveOptions(overrides);
  const log = logger ?? createLogger(opts.logLevel);
  setMemoryBackstop(opts.maxima.memoryMb);

  const { looseMode } = await openDataDir(opts.dataDir);
  if (looseMode !== null) {
    const mode = `0${looseMode.toString(8).padStart(3, '0')}`;
    log.warn({ event: 'data_dir_mode', dataDir: opts.dataDir, mode },
      `data dir ${opts.dataDir} has mode ${mode}: other users can read or change the admin token and functions' env values; chmod 700 it`);
  }

  const { token, generated, file } = await resolveToken(opts.dataDir, opts.token);
  if (generated) onTokenGenerated?.(file, token);

  const cluster = opts.natsUrl
    ? await connectCluster({ natsUrl: opts.natsUrl, cluster: opts.cluster, replica: opts.replica, port: opts.port })
    : null;

  const store: RegistryBackend = cluster ? new JetStreamStore(cluster, opts.dataDir) : new FunctionStore(opts.dataDir);
  const preparer = new PrepareWorker();
  // The key is read (or made) only when a secret is first sealed or opened, and never inside the data dir.
  const secrets = new SecretBox(() => loadSecretKey(opts.secretKey, opts.secretKeyFile ?? defaultSecretKeyFile(opts.dataDir)));
  const registry = new Registry(store, opts, (module, prepareOpts, timeLimitMs) => preparer.prepare(module, prepareOpts, timeLimitMs), secrets);
  const kv: KvBackend = cluster ? new JetStreamKv(cluster) : new EmbeddedKv(opts.dataDir);
  await registry.load((name, e) => log.error({ function: name, err: e }, 'could not load function'));

  const pool = new WorkerPool({
    workers: opts.workers,
    maxQueue: opts.maxQueue,
    maxConcurrencyPerFunction: opts.maxConcurrencyPerFunction,
    maxRunningPerFunction: opts.maxRunningPerFunction,
    memoryPoolBytesPerWorker: opts.memoryPoolBytesPerWorker,
    memoryPoolMaxMemoryBytes: opts.memoryPoolMaxMemoryBytes,
    maxResponseBytes: opts.maxResponseBytes,
    workerHeapMb: opts.workerHeapMb,
    workerNice: opts.workerNice,
    inlineFuel: opts.inlineFuel,
    inlineBusyPercent: opts.inlineBusyPercent,
    ...DEFAULT_POOL_OPTIONS,
    lineLevels: lineLevels(log),
    capabilities: new CapabilityHost({ kv, maxFetchResponseBytes: opts.maxResponseBytes }),
    isLive: (fn) => registry.get(fn.name) === fn,
  });
  const observability = await Observability.create({ dataDir: opts.dataDir, log, pool, registry, recent: { maxBytes: opts.maxRecentLogBytes } });
  registry.onChange((e) => pool.forget(e.name, e.type === 'delete' ? undefined : `${e.name}@${e.version}`));
  await pool.ready();
  const shared = cluster ? await ReplicaServices.start(cluster, observability, opts.dataDir) : null;
  // Answers batches of map items from any replica (this one's own included).
  const mapCluster = cluster ? new MapCluster({
    cluster, registry, pool, sink: observability, metrics: observability.metrics.registry,
    workers: () => shared!.workers(opts.workers),
  }) : null;

  // A cluster gets the examples from its first replicas only: one started later would bring back those deleted.
  if (opts.deployExamples && !(cluster && registry.list().length > 0)) {
    await deployExamples(registry, (name, e) => log.warn({ function: name, err: e }, 'could not deploy example function'));
  }

  const triggers = startTriggers({ dataDir: opts.dataDir, registry, pool, sink: observability, log, cluster, metrics: observability.metrics.registry, concurrency: opts.maxConcurrencyPerFunction });
  const events = await AsyncEvents.open({ opts, registry, pool, sink: observability, log, cluster });
  const onInternalError = (e: unknown) => log.error({ err: e }, 'internal error');
  const bodies = new BodyBudget(opts.maxBufferedBodyBytes);
  const shuttingDown = new AbortController();
  const app = createApp({
    registry,
    pool,
    opts,
    token,
    sink: observability,
    bodies,
    extend: (a) => {
      mountObserveRoutes(a, token, { ...observability.routeDeps(), ...(shared ? { shared, hostId: `cluster:${opts.cluster}` } : {}) });
      if (shared) mountClusterRoutes(a, token, { cluster: opts.cluster, get replica() { return shared.cluster.replica; }, replicas: () => shared.replicas() });
      mountKvRoutes(a, token, kv, registry);
      mountAsyncRoutes(a, token, events, (fn, limit) => triggers.deadLetters(fn, limit));
    },
    ...(shared ? { health: () => shared.health() } : {}),
    onInternalError,
    intake: asyncIntake(events, bodies, onInternalError),
    functionExtras: async (name) => {
      const nextRuns = events.nextRuns(name);
      // Each trigger's lag (pending messages) and last error, when the function has any.
      const withTriggers = registry.get(name)?.triggers.length ? { triggers: await triggers.status(name) } : {};
      return { ...(nextRuns.length ? { nextRuns } : {}), ...withTriggers };
    },
    triggers,
    mapCluster,
  });
  mountUi(app, { token, observe: { ...observability.routeDeps(), closing: shuttingDown.signal, ...(shared ? { sharedLogs: shared.logs, shared, hostId: `cluster:${opts.cluster}` } : {}) } });

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port, serverOptions: serverTimeouts(opts) }, () => resolve(s));
    s.once('error', reject);
  });
  events.start();
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;

  // Named by the port it really listens on (port 0 picks one only now), unless WASMFN_REPLICA names it.
  if (cluster && !opts.replica) cluster.replica = `${os.hostname()}:${addr.port}`;
  await shared?.announce({ url, inflight: () => pool.stats().inflight, functions: () => registry.list().length, workers: opts.workers });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      shuttingDown.abort();
      await closeServer(server as Server, opts.maxima.timeoutMs + CLOSE_MARGIN_MS);
      await mapCluster?.close();
      await triggers.close();
      await events.close();
      await pool.drain();
      await pool.close();
      preparer.close();
      await observability.close();
      await kv.close();
      await shared?.close();
      await store.close?.();
      await cluster?.close();
    })());

  return { url, token, opts, registry, preparer, pool, observability, bodies, log, cluster, kv, events, triggers, close };
}

/**
 * A client that never finishes its headers or its body is cut (Node answers 408) instead of holding a connection
 * and what it sent for ever. Node looks for such clients every connectionsCheckingInterval, 30 s unless set,
 * which would let a short timeout run late by that much: a quarter of the headers timeout, at most a second.
 */
function serverTimeouts(opts: HostOptions): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  const connectionsCheckingInterval = Math.min(1000, Math.max(10, Math.floor(opts.headersTimeoutMs / 4)));
  return { headersTimeout: opts.headersTimeoutMs, requestTimeout: opts.requestTimeoutMs, connectionsCheckingInterval };
}

/** How long past the longest allowed invocation a shutdown waits for connections before cutting them. */
const CLOSE_MARGIN_MS = 5000;

/** Process-wide cap on any wasm memory, in case a per-function check is ever missed. */
function setMemoryBackstop(maxMemoryMb: number): void {
  if (backstopSet) return;
  backstopSet = true;
  v8.setFlagsFromString(`--wasm-max-mem-pages=${maxMemoryMb * 16}`);
}

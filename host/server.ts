// Starts a host: options, token, function store, worker pool, HTTP server; and stops it gracefully.

import v8 from 'node:v8';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { resolveOptions, type HostOptions } from './config.js';
import { resolveToken } from './token.js';
import { FunctionStore } from './store/function-store.js';
import { Registry } from './store/registry.js';
import { DEFAULT_POOL_OPTIONS, WorkerPool } from './sandbox/pool.js';
import { createApp } from './http/app.js';
import { closeServer } from './http/graceful-close.js';
import { deployExamples } from './examples.js';
import { createLogger, type Logger } from './observe/logger.js';
import { Observability } from './observe/observability.js';
import { lineLevels } from './observe/invocation-log.js';

export interface RunningHost {
  url: string;
  token: string;
  opts: HostOptions;
  registry: Registry;
  pool: WorkerPool;
  observability: Observability;
  log: Logger;
  /** The Hono application the server serves (app.request() reaches it without a socket). */
  app: ReturnType<typeof createApp>;
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

  const { token, generated, file } = await resolveToken(opts.dataDir, opts.token);
  if (generated) onTokenGenerated?.(file, token);

  const store = new FunctionStore(opts.dataDir);
  const registry = new Registry(store, opts);
  await registry.load((name, e) => log.error({ function: name, err: e }, 'could not load function'));

  const pool = new WorkerPool({
    workers: opts.workers,
    maxQueue: opts.maxQueue,
    maxConcurrencyPerFunction: opts.maxConcurrencyPerFunction,
    maxRunningPerFunction: opts.maxRunningPerFunction,
    memoryPoolBytesPerWorker: opts.memoryPoolBytesPerWorker,
    memoryPoolMaxMemoryBytes: opts.memoryPoolMaxMemoryBytes,
    maxResponseBytes: opts.maxResponseBytes,
    ...DEFAULT_POOL_OPTIONS,
    lineLevels: lineLevels(log),
  });
  const observability = await Observability.create({ dataDir: opts.dataDir, log, pool, registry, recent: { maxBytes: opts.maxRecentLogBytes } });
  registry.onChange((e) => pool.forget(e.name, e.type === 'delete' ? undefined : `${e.name}@${e.version}`));
  await pool.ready();

  if (opts.deployExamples) {
    await deployExamples(registry, (name, e) => log.warn({ function: name, err: e }, 'could not deploy example function'));
  }

  const app = createApp({
    registry,
    pool,
    opts,
    token,
    sink: observability,
    extend: (a) => observability.mount(a, token),
    onInternalError: (e) => log.error({ err: e }, 'internal error'),
  });

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port }, () => resolve(s));
    s.once('error', reject);
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await closeServer(server as Server, opts.maxima.timeoutMs + CLOSE_MARGIN_MS);
      await pool.drain();
      await pool.close();
      await observability.close();
    })());

  return { url, token, opts, registry, pool, observability, log, app, close };
}

/** How long past the longest allowed invocation a shutdown waits for connections before cutting them. */
const CLOSE_MARGIN_MS = 5000;

/** Process-wide cap on any wasm memory, in case a per-function check is ever missed. */
function setMemoryBackstop(maxMemoryMb: number): void {
  if (backstopSet) return;
  backstopSet = true;
  v8.setFlagsFromString(`--wasm-max-mem-pages=${maxMemoryMb * 16}`);
}

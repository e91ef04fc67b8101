// POST /map/:name: the body is NDJSON, one item per line; the response streams one NDJSON line per item, in input
// order, as items finish (host/map). Answered on Node's response directly, like /fn: the output starts before the
// input ends, and the request body is read only as fast as the items run.

import { Hono, type Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { WasmfnError } from '../errors.js';
import type { HostOptions } from '../config.js';
import type { Registry } from '../store/registry.js';
import type { WorkerPool } from '../sandbox/pool.js';
import type { InvocationSink } from '../invocation/record.js';
import { headerFacts, nodeOf } from './incoming.js';
import { newRequestId } from './request-id.js';
import { LineReader } from '../map/line-reader.js';
import { MapRun } from '../map/map-run.js';
import { mapQuery } from '../map/map-query.js';
import type { MapCluster } from '../map/map-cluster.js';

type Env = { Variables: { requestId: string } };

export interface MapRouteDeps {
  registry: Registry;
  pool: WorkerPool;
  opts: HostOptions;
  sink: InvocationSink;
  /** In a cluster: items are spread over the replicas. */
  mapCluster?: MapCluster | null;
  onInternalError?: (e: unknown) => void;
}

/** Input lines read ahead of the items running, at most (in lines, and in bytes besides one line). */
const READ_AHEAD_LINES = 1024;
const READ_AHEAD_BYTES = 4 * 1024 * 1024;

export function mapRoutes(deps: MapRouteDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.post('/:name', (c: Context<Env>) => {
    const node = nodeOf(c);
    if (!node) throw new WasmfnError('internal', 'the map route answers on Node\'s response: serve the app with @hono/node-server');
    const requestId = newRequestId(headerFacts(node.incoming.rawHeaders).requestId);
    c.set('requestId', requestId);
    const fn = deps.registry.require(c.req.param('name')!);
    // In a cluster, the default concurrency is every replica's workers: items in flight are what spreads them.
    const q = mapQuery(c.req.query(), deps.mapCluster?.workers() ?? deps.opts.workers);
    const { incoming, outgoing } = node;
    outgoing.writeHead(200, {
      'content-type': 'application/x-ndjson', 'x-request-id': requestId, 'cache-control': 'no-store',
      'x-wasmfn-map-concurrency': String(q.concurrency),
    });
    outgoing.flushHeaders();
    let run: MapRun | null = null;
    const reader = new LineReader(incoming, {
      maxLineBytes: deps.opts.maxRequestBytes, maxPendingLines: READ_AHEAD_LINES, maxPendingBytes: READ_AHEAD_BYTES,
    }, () => run?.pump());
    run = new MapRun({ pool: deps.pool, sink: deps.sink, cluster: deps.mapCluster ?? null }, fn, { ...q, requestId, remoteAddr: incoming.socket.remoteAddress ?? '' }, reader, {
      write: (chunk) => outgoing.write(chunk),
      onDrain: (cb) => outgoing.once('drain', cb),
    });
    // The client gone (its connection closed before the last line went out): the rest is not run.
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) run!.cancel();
    });
    run.done.then((s) => {
      if (s.cancelled) {
        incoming.destroy();
        outgoing.destroy();
      } else outgoing.end();
    }, (e) => {
      deps.onInternalError?.(e);
      outgoing.destroy();
    });
    run.pump();
    return RESPONSE_ALREADY_SENT;
  });
  return app;
}

// A replica's side of a map over the cluster: it takes batches from the queue group, runs their items in its own
// pool exactly as a local map item (its own registry's function, its limits, log line and usage with trigger
// "map"), and answers each item's result. A batch for a function it lacks, or serves at another version, is
// refused as a whole, so the coordinator sends it elsewhere or runs it itself.

import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { WasmfnError, type SerializedError } from '../errors.js';
import type { Registry } from '../store/registry.js';
import type { WorkerPool } from '../sandbox/pool.js';
import type { InvocationSink } from '../invocation/record.js';
import { decodeRequest, encodeJson, type BatchRequest } from './batch-wire.js';
import { runBatch } from './batch-run.js';

export interface ResponderDeps {
  nc: NatsConnection;
  subject: string;
  queue: string;
  registry: Registry;
  pool: WorkerPool;
  sink: InvocationSink;
  maxPayload: () => number;
  /** Counts items run for batches. */
  ran: (n: number) => void;
}

export class MapResponder {
  private readonly sub: Subscription;
  private readonly inflight = new Set<Promise<void>>();
  private closing = false;

  constructor(private readonly d: ResponderDeps) {
    this.sub = d.nc.subscribe(d.subject, {
      queue: d.queue,
      callback: (err, msg) => {
        if (err) return;
        const p = this.answer(msg).catch(() => undefined);
        this.inflight.add(p);
        void p.finally(() => this.inflight.delete(p));
      },
    });
  }

  private async answer(msg: Msg): Promise<void> {
    let req: BatchRequest;
    try {
      req = decodeRequest(msg.data);
    } catch (e) {
      return refuse(msg, e instanceof WasmfnError ? e : new WasmfnError('bad_request', 'not a map batch'));
    }
    if (this.closing) return refuse(msg, new WasmfnError('unavailable', 'this replica is shutting down'));
    const fn = this.d.registry.get(req.fn);
    if (!fn) return refuse(msg, new WasmfnError('function_not_found', `this replica has no function "${req.fn}" (yet)`));
    if (fn.version !== req.version) {
      return refuse(msg, new WasmfnError('version_not_found', `this replica serves "${req.fn}" at ${fn.version}, not ${req.version}`));
    }
    const answer = await runBatch({ pool: this.d.pool, sink: this.d.sink }, fn, req, this.d.maxPayload());
    this.d.ran(req.items.length);
    msg.respond(answer);
  }

  /** Takes no further batch and waits for those being run. */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.sub.isClosed()) this.sub.unsubscribe();
    await Promise.all([...this.inflight]);
  }
}

function refuse(msg: Msg, e: WasmfnError): void {
  const error: SerializedError = { code: e.code, message: e.message };
  msg.respond(encodeJson({ error }));
}

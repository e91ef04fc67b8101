// A map's items spread over the replicas: gathered into batches (at most 32 items, and what fits in a NATS
// message), each sent to the queue group, where any replica may take it. A batch that times out, finds no
// responder, or is refused (the replica lacks the function or its version) is sent again, and after the last send
// runs here: no item is lost, and since a batch's late answer is never read, none is answered twice.

import type { LiveFunction } from '../store/registry.js';
import type { ItemRunner, Pending, Settle } from './map-item-runner.js';
import type { LocalItems } from './local-items.js';
import type { MapCluster } from './map-cluster.js';
import { b64, decodeAnswer, encodeJson, itemResult, wireItemBytes, type BatchRequest } from './batch-wire.js';

export const MAX_BATCH_ITEMS = 32;
/** A batch is cut so that its items' time limits add up to about this, keeping a dead replica's cost bounded. */
const BATCH_BUDGET_MS = 10_000;
/** Past the items' time limits, what a batch may take to travel and wait on a busy replica. */
const MARGIN_MS = 2_000;
/** Sends of a batch over NATS before it runs here. */
const SENDS = 3;
/** Room left in a NATS message for the request's own fields. */
const ENVELOPE_BYTES = 1024;

export interface ClusterItemSettings {
  concurrency: number;
  headers: boolean;
  requestId: string;
  remoteAddr: string;
}

export class ClusterItems implements ItemRunner {
  private batch: Pending[] = [];
  private bytes = 0;
  private cancelled = false;
  private readonly size: number;
  private readonly maxBytes: number;

  constructor(
    private readonly cluster: MapCluster,
    private readonly fn: LiveFunction,
    private readonly settings: ClusterItemSettings,
    private readonly local: LocalItems,
    private readonly settle: Settle,
  ) {
    this.size = batchSize(fn.limits.timeoutMs, settings.concurrency);
    this.maxBytes = Math.max(0, cluster.maxPayload() - ENVELOPE_BYTES);
  }

  submit(p: Pending): void {
    const { method, path, query, rawHeaders, body } = p.input;
    const n = wireItemBytes(method, path, query, rawHeaders, body);
    // Too big for any message: it runs here.
    if (n > this.maxBytes) return this.local.submit(p);
    if (this.bytes + n > this.maxBytes) this.flush();
    this.batch.push(p);
    this.bytes += n;
    if (this.batch.length >= this.size) this.flush();
  }

  flush(): void {
    if (!this.batch.length) return;
    const batch = this.batch;
    this.batch = [];
    this.bytes = 0;
    this.send(batch, this.encode(batch), 1);
  }

  cancel(): void {
    this.cancelled = true;
    this.batch = [];
    this.local.cancel();
  }

  private encode(batch: Pending[]): Uint8Array {
    const req: BatchRequest = {
      fn: this.fn.name, version: this.fn.version, rid: this.settings.requestId, addr: this.settings.remoteAddr,
      headers: this.settings.headers ? 1 : 0,
      items: batch.map(({ index, input: x }) => ({ i: index, m: x.method, p: x.path, q: x.query, h: [...x.rawHeaders], b: b64(x.body) })),
    };
    return encodeJson(req);
  }

  private send(batch: Pending[], payload: Uint8Array, sends: number): void {
    if (!this.cluster.connected()) {
      this.cluster.count('local');
      return this.runHere(batch);
    }
    const timeoutMs = this.fn.limits.timeoutMs * batch.length + MARGIN_MS;
    this.cluster.request(payload, timeoutMs).then(
      (data) => this.answered(batch, payload, sends, data),
      () => this.again(batch, payload, sends),
    );
  }

  private answered(batch: Pending[], payload: Uint8Array, sends: number, data: Uint8Array): void {
    let answer;
    try {
      answer = decodeAnswer(data);
    } catch {
      return this.again(batch, payload, sends);
    }
    if ('error' in answer) return this.again(batch, payload, sends);
    this.cluster.count('answered');
    const open = new Map(batch.map((p) => [p.index, p]));
    const redo: Pending[] = [];
    for (const r of answer.results) {
      const p = open.get(r.i);
      if (!p) continue;
      open.delete(r.i);
      const result = itemResult(r);
      if (result) this.settle(p, result);
      else redo.push(p);
    }
    // Items the answer had no room for (or left out) run here.
    this.runHere([...redo, ...open.values()]);
  }

  private again(batch: Pending[], payload: Uint8Array, sends: number): void {
    if (this.cancelled) return;
    if (sends < SENDS) {
      this.cluster.count('resent');
      return this.send(batch, payload, sends + 1);
    }
    this.cluster.count('local');
    this.runHere(batch);
  }

  private runHere(items: Pending[]): void {
    if (this.cancelled) return;
    for (const p of items) this.local.submit(p);
  }
}

/** Items per batch: at most 32, a quarter of the concurrency (so batches in flight reach several replicas), and
 * few enough that their time limits stay within the budget. */
export function batchSize(timeoutMs: number, concurrency: number): number {
  return Math.max(1, Math.min(MAX_BATCH_ITEMS, Math.ceil(concurrency / 4), Math.floor(BATCH_BUDGET_MS / Math.max(1, timeoutMs))));
}

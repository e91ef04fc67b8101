// The items of one batch run in this replica's pool (as local map items), and the batch's answer: every item's
// result, as many as fit in one NATS message; the rest are marked for the coordinator to run itself.

import type { LiveFunction } from '../store/registry.js';
import type { WorkerPool } from '../sandbox/pool.js';
import type { InvocationSink } from '../invocation/record.js';
import { sharedNow } from '../invocation/clock.js';
import { LocalItems } from './local-items.js';
import type { ItemResult, Pending } from './map-item-runner.js';
import { b64, unb64, type BatchRequest } from './batch-wire.js';

/** Room kept in the answer for its own fields. */
const ANSWER_SLACK = 64;

export function runBatch(deps: { pool: WorkerPool; sink: InvocationSink }, fn: LiveFunction, req: BatchRequest, maxPayload: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const results = new Map<number, ItemResult>();
    let left = req.items.length;
    if (!left) return resolve(pack(req, results, maxPayload));
    const items = new LocalItems(deps.pool, deps.sink, fn, (p, r) => {
      results.set(p.index, r);
      if (--left === 0) resolve(pack(req, results, maxPayload));
    });
    const remoteAddr = fn.abi === 'wagi' ? req.addr : '';
    for (const it of req.items) {
      const p: Pending = {
        index: it.i, attempt: 0, sliceFuel: 0,
        input: { method: it.m, path: it.p, query: it.q, rawHeaders: it.h, body: unb64(it.b), remoteAddr, requestId: `${req.rid}:${it.i}`, receivedAt: sharedNow() },
      };
      items.submit(p);
    }
  });
}

function pack(req: BatchRequest, results: Map<number, ItemResult>, maxPayload: number): Uint8Array {
  const parts: string[] = [];
  let size = 16;
  for (const it of req.items) {
    const r = results.get(it.i);
    let part: string;
    if (!r) part = JSON.stringify({ i: it.i, redo: 1 });
    else if (r.ok) part = JSON.stringify({ i: it.i, s: r.status, ...(req.headers ? { h: r.headers } : {}), b: b64(r.body) });
    else part = JSON.stringify({ i: it.i, e: { code: r.error.code, message: r.error.message } });
    // An answer that would not fit leaves the item to the coordinator (it runs it again there).
    if (size + Buffer.byteLength(part) + 1 > maxPayload - ANSWER_SLACK) part = JSON.stringify({ i: it.i, redo: 1 });
    size += Buffer.byteLength(part) + 1;
    parts.push(part);
  }
  return Buffer.from(`{"results":[${parts.join(',')}]}`);
}

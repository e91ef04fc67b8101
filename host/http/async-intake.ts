// /fn/<name> with `Prefer: respond-async`: the request is read (under the same body cap), durably queued, and
// answered 202 with where to look for the outcome. The 202 goes out only after the queue's commit.

import type { IncomingMessage } from 'node:http';
import { WasmfnError } from '../errors.js';
import type { LiveFunction } from '../store/registry.js';
import type { JobInput } from '../sandbox/job-codec.js';
import type { AsyncEvents } from '../events/async-events.js';
import { newInvocation } from '../events/new-invocation.js';
import { declaredLength, readIncomingBody, type HeaderFacts } from './incoming.js';
import type { BodyBudget } from './body-budget.js';
import { writeError } from './error-response.js';
import type { Outgoing } from './head-reply.js';

/** Headers the host acts on itself, not kept for the guest. */
const CONSUMED = new Set(['prefer', 'x-callback-url', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'expect']);

export type AsyncIntake = (incoming: IncomingMessage, outgoing: Outgoing, facts: HeaderFacts, fn: LiveFunction, input: JobInput) => void;

export function asyncIntake(events: AsyncEvents, bodies: BodyBudget, onInternalError?: (e: unknown) => void): AsyncIntake {
  const intake = async (incoming: IncomingMessage, outgoing: Outgoing, facts: HeaderFacts, fn: LiveFunction, input: JobInput): Promise<void> => {
    const rawHeaders: string[] = [];
    let callback: string | null = null;
    const raw = input.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (name === 'x-callback-url') callback = raw[i + 1]!;
      if (!CONSUMED.has(name)) rawHeaders.push(raw[i]!, raw[i + 1]!);
    }
    let body: Uint8Array = new Uint8Array(0);
    try {
      const callbackUrl = callback === null ? null : events.checkCallback(callback);
      if (facts.hasBody) {
        const max = events.maxBodyBytes;
        body = await readIncomingBody(incoming, declaredLength(incoming, facts, max), max, bodies);
      }
      const inv = newInvocation(fn, { method: input.method, path: input.path, query: input.query, rawHeaders, body }, callbackUrl);
      try {
        await events.enqueue(inv);
      } finally {
        if (body.byteLength) bodies.give(body.byteLength);
      }
      const json = JSON.stringify({ id: inv.id, status: 'queued' });
      outgoing.writeHead(202, [
        'content-type', 'application/json; charset=utf-8', 'location', `/api/invocations/${inv.id}`,
        'x-request-id', input.requestId, 'content-length', String(Buffer.byteLength(json)),
      ]);
      outgoing.end(json);
    } catch (e) {
      if (!(e instanceof WasmfnError)) onInternalError?.(e);
      // Refused before the body was all read: the connection cannot carry another request.
      const unread = facts.hasBody && !incoming.complete;
      writeError(outgoing, e instanceof WasmfnError && unread ? e.closingConnection() : e, ['x-request-id', input.requestId]);
    }
  };
  return (incoming, outgoing, facts, fn, input) => {
    intake(incoming, outgoing, facts, fn, input).catch((e) => {
      onInternalError?.(e);
      outgoing.destroy();
    });
  };
}

// An invocation's request as the pool takes it (JobInput), read straight from Node's IncomingMessage that
// @hono/node-server hands the route: touching `Request.headers` or `.body` there would build a full undici
// Request on every invocation (docs/design.md, "Costs behind the design").

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { WasmfnError } from '../errors.js';
import type { JobInput } from '../sandbox/job-codec.js';
import { formatBytes } from './read-body.js';
import type { BodyBudget } from './body-budget.js';

export interface NodePair {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

export function nodeOf(c: Context): NodePair | null {
  const env = c.env as Partial<NodePair> | undefined;
  return env?.incoming && env.outgoing ? (env as NodePair) : null;
}

/** The headers the route itself needs, found in one pass over Node's raw list (no header object is built). */
export interface HeaderFacts {
  requestId: string | undefined;
  contentLength: string | undefined;
  hasBody: boolean;
  /** `Prefer: respond-async`: queue the call and answer 202 at once. */
  respondAsync: boolean;
}

export function headerFacts(raw: readonly string[]): HeaderFacts {
  let requestId: string | undefined;
  let contentLength: string | undefined;
  let chunked = false;
  let respondAsync = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    // Length first: most names are ruled out without lower-casing them.
    if (name.length === 12 && name.toLowerCase() === 'x-request-id') requestId ??= raw[i + 1];
    else if (name.length === 14 && name.toLowerCase() === 'content-length') contentLength = raw[i + 1];
    else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') chunked = true;
    else if (name.length === 6 && name.toLowerCase() === 'prefer' && /(^|[\s,;])respond-async($|[\s,;=])/i.test(raw[i + 1]!)) respondAsync = true;
  }
  return { requestId, contentLength, hasBody: chunked || (contentLength !== undefined && contentLength !== '0'), respondAsync };
}

/** Path after /fn/<name> (raw, "/" at least) and the raw query, from a request target such as "/fn/echo/a?x=1". */
export function splitTarget(target: string): { path: string; query: string } {
  if (!target.startsWith('/')) {
    // Absolute form ("GET http://host/fn/x"): only proxies send it.
    const u = new URL(target);
    return splitTarget(u.pathname + u.search);
  }
  const q = target.indexOf('?');
  const end = q < 0 ? target.length : q;
  const slash = target.indexOf('/', 4); // past "/fn/"
  return { path: slash >= 0 && slash < end ? target.slice(slash, end) : '/', query: q < 0 ? '' : target.slice(q + 1) };
}

/**
 * Whether URL parsing would rewrite the request target's path: a "." or ".." segment (percent-encoded too) or a
 * "#". Routing reads the parsed URL and the guest the raw target, so such a target would name one function and
 * hand it a path meant for another; it is refused instead (clients that parse URLs never send one).
 */
export function rewrittenByUrlParsing(target: string): boolean {
  if (target.includes('#')) return true;
  const q = target.indexOf('?');
  const end = q < 0 ? target.length : q;
  // A dot segment starts "/." or "/%": most targets are ruled out without a copy or the regular expression.
  const dot = target.indexOf('/.');
  const pct = target.indexOf('/%');
  if ((dot < 0 || dot >= end) && (pct < 0 || pct >= end)) return false;
  return DOT_SEGMENT.test(q < 0 ? target : target.slice(0, q));
}

const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?=\/|$)/i;

const EMPTY = new Uint8Array(0);

/** The request from Node's objects, without its body (see readIncomingBody). */
export function nodeJobInput(incoming: IncomingMessage, remote: boolean, requestId: string, receivedAt: number): JobInput {
  const { path, query } = splitTarget(incoming.url ?? '/');
  return {
    method: incoming.method ?? 'GET',
    path,
    query,
    rawHeaders: incoming.rawHeaders,
    body: EMPTY,
    remoteAddr: remote ? (incoming.socket.remoteAddress ?? '') : '',
    requestId,
    receivedAt,
  };
}

/** The declared Content-Length (-1 without one), refused with payload_too_large before reading when over `maxBytes`. */
export function declaredLength(incoming: IncomingMessage, facts: HeaderFacts, maxBytes: number): number {
  if (facts.contentLength === undefined) return -1;
  const n = Number(facts.contentLength);
  if (n > maxBytes) throw tooLarge(incoming, maxBytes);
  return n;
}

/**
 * The body, its bytes taken from `budget` (a declared length before any is read, a chunked body as it comes):
 * refused with payload_too_large past `maxBytes`, overloaded past the budget, bad_request when the client stops
 * halfway. On success body.byteLength bytes stay taken, for the caller to give back once the request is answered;
 * on failure none do. The connection of a request that failed here cannot be reused: its body was not all read.
 * The pieces are copied into one buffer as they come: Node hands over one Buffer per piece the client sent, an
 * object far bigger than a byte, so a body kept as its pieces would cost many times what the budget counts.
 */
export async function readIncomingBody(incoming: IncomingMessage, declared: number, maxBytes: number, budget: BodyBudget): Promise<Uint8Array> {
  let taken = 0;
  if (declared > 0) {
    budget.take(declared);
    taken = declared;
  }
  let buf = declared > 0 ? new Uint8Array(declared) : EMPTY;
  let total = 0;
  const append = (chunk: Uint8Array): void => {
    const end = total + chunk.byteLength;
    if (end > maxBytes) throw tooLarge(incoming, maxBytes);
    if (end > buf.byteLength) {
      // A chunked body grows by doubling; the budget counts what is allocated, so it is taken first.
      const size = Math.min(Math.max(end, buf.byteLength * 2, MIN_GROWTH_BYTES), maxBytes);
      if (size > taken) {
        budget.take(size - taken);
        taken = size;
      }
      const bigger = new Uint8Array(size);
      bigger.set(buf.subarray(0, total));
      buf = bigger;
    }
    buf.set(chunk, total);
    total = end;
  };
  try {
    await eachChunk(incoming, append);
  } catch (e) {
    budget.give(taken);
    // Stop reading: the answer goes out with Connection: close instead of draining the rest of the upload.
    incoming.pause();
    if (e instanceof WasmfnError) throw e;
    throw clientGone();
  }
  if (!incoming.complete) {
    budget.give(taken);
    throw clientGone();
  }
  if (total === 0) {
    budget.give(taken);
    return EMPTY;
  }
  if (total === buf.byteLength) return buf;
  // Room left from growing: the body keeps only its own bytes, and only those stay taken.
  const exact = buf.slice(0, total);
  budget.give(taken - total);
  return exact;
}

/**
 * Hands each piece of the body to `take` as it comes, through the stream's events: a request costs less this way
 * than through its async iterator (docs/benchmarks.md). Settles once: at the end, at the first error (`take`'s own
 * included), or when the stream closes before its end (the client went away).
 */
function eachChunk(incoming: IncomingMessage, take: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (e?: unknown): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', settle);
      incoming.off('close', onClose);
      if (e === undefined) resolve();
      else reject(e);
    };
    const onData = (chunk: Buffer): void => {
      try {
        take(chunk);
      } catch (e) {
        settle(e);
      }
    };
    const onEnd = (): void => settle();
    const onClose = (): void => settle(clientGone());
    if (incoming.destroyed) return settle(clientGone());
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', settle);
    incoming.once('close', onClose);
    // A listener starts the flow only if nothing paused the stream before.
    incoming.resume();
  });
}

/** The first allocation of a chunked body. */
const MIN_GROWTH_BYTES = 64 * 1024;

function clientGone(): WasmfnError {
  return new WasmfnError('bad_request', 'the client closed the connection before sending the whole body');
}

function tooLarge(incoming: IncomingMessage, maxBytes: number): WasmfnError {
  incoming.pause();
  return new WasmfnError('payload_too_large', `request body is larger than the ${formatBytes(maxBytes)} limit`);
}

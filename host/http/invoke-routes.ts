// ANY /fn/:name[/*]: hands the request to the pool and the outcome back as the response. This runs on the main
// thread for every invocation, so it does no more than it must. Under @hono/node-server the handler returns
// RESPONSE_ALREADY_SENT at once (a synchronous handler is Hono's and node-server's fast path) and answers on
// Node's response itself when the outcome arrives: headers come from Node's raw list, the request is encoded
// once (by the pool, into shared memory), and the response is one writeHead/end.

import { Hono, type Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { WasmfnError } from '../errors.js';
import type { HostOptions } from '../config.js';
import type { LiveFunction, Registry } from '../store/registry.js';
import type { WorkerPool, InvokeOutcome } from '../sandbox/pool.js';
import type { JobInput } from '../sandbox/job-codec.js';
import type { InvocationRecord, InvocationSink } from '../invocation/record.js';
import { declaredLength, fetchJobInput, headerFacts, nodeJobInput, nodeOf, readIncomingBody, rewrittenByUrlParsing, splitTarget, type HeaderFacts, type NodePair } from './incoming.js';
import { BodyLease, type BodyBudget } from './body-budget.js';
import { errorResponse, writeError } from './error-response.js';
import { newRequestId } from './request-id.js';
import { hostHeaders, writeSuccess, successResponse } from './invocation-response.js';
import { sharedNow } from '../invocation/clock.js';
import { afterSlice, type InlineAttempt } from '../sandbox/inline-runner.js';

type Env = { Variables: { requestId: string } };

export interface InvokeDeps {
  registry: Registry;
  pool: WorkerPool;
  opts: HostOptions;
  sink: InvocationSink;
  /** Bytes of request bodies held host-wide. */
  bodies: BodyBudget;
  /** Host-level failures (not guest errors) go here, for the log. */
  onInternalError?: (e: unknown) => void;
}

export function invokeRoutes(deps: InvokeDeps): Hono<Env> {
  const { registry, pool, opts, sink, bodies } = deps;
  const app = new Hono<Env>();

  /** After the handler returned: every outcome, including a host bug, is answered and recorded. */
  const settle = (node: NodePair, fn: LiveFunction, input: JobInput, run: Promise<InvokeOutcome>): void => {
    // The body's bytes stay taken until the answer: a queued job still holds its body.
    const held = input.body.byteLength;
    // Nothing may throw out of these: a rejection nobody handles would end the host process. (try/catch rather
    // than one more .catch(): no extra promise per request.)
    run.then(
      (out) => {
        if (held) bodies.give(held);
        try {
          answer(node, fn, input, out);
        } catch (e) {
          broken(node, fn, input, e);
        }
      },
      (e) => {
        if (held) bodies.give(held);
        try {
          refuse(node, fn, input, e, false);
        } catch (again) {
          broken(node, fn, input, again);
        }
      },
    );
  };

  const answer = (node: NodePair, fn: LiveFunction, input: JobInput, out: InvokeOutcome): void => {
    if (out.ok) {
      const bytesOut = out.body.byteLength;
      writeSuccess(node.outgoing, input.requestId, out);
      sink.record(record(fn, input, out.status, null, out, bytesOut));
      return;
    }
    const failure = WasmfnError.from(out.error);
    writeError(node.outgoing, failure, hostHeaders(input.requestId, out));
    sink.record(record(fn, input, failure.status, failure, out));
  };

  /** A call answered on this thread: answered at once, its memory recycled after. */
  const answerInline = (node: NodePair, fn: LiveFunction, input: JobInput, out: InvokeOutcome): void => {
    try {
      answer(node, fn, input, out);
    } catch (e) {
      broken(node, fn, input, e);
    } finally {
      pool.inline!.recycle();
    }
  };

  /** The pool's run of a call whose inline slice was thrown away counts that slice's fuel. */
  const counted = (run: Promise<InvokeOutcome>, first: InlineAttempt | null): Promise<InvokeOutcome> =>
    first ? run.then((o) => afterSlice(o, first.hit ? 0 : first.sliceFuel)) : run;

  /** A host bug while answering: a 500 if nothing went out yet, else the connection is cut (no half response). */
  const broken = (node: NodePair, fn: LiveFunction, input: JobInput, e: unknown): void => {
    deps.onInternalError?.(e);
    const failure = new WasmfnError('internal', 'the response could not be written');
    try {
      writeError(node.outgoing, failure, ['x-request-id', input.requestId]);
      sink.record(record(fn, input, failure.status, failure, null));
    } catch (again) {
      deps.onInternalError?.(again);
      node.outgoing.destroy();
    }
  };

  /** `close`: the body was not (all) read, so the connection cannot carry another request. */
  const refuse = (node: NodePair, fn: LiveFunction, input: JobInput, e: unknown, close: boolean): void => {
    if (!(e instanceof WasmfnError)) deps.onInternalError?.(e);
    const headers = ['x-request-id', input.requestId];
    if (close) headers.push('connection', 'close');
    writeError(node.outgoing, e, headers);
    // Refused before running (body too large, overloaded): still counted in logs, metrics and usage.
    if (e instanceof WasmfnError) sink.record(record(fn, withoutBody(input), e.status, e, null));
  };

  /** Admitted (or refused) before a byte of the body is read: a refusal costs neither memory nor the upload. */
  const withBody = async (node: NodePair, facts: HeaderFacts, fn: LiveFunction, input: JobInput): Promise<void> => {
    let declared: number;
    try {
      declared = declaredLength(node.incoming, facts, opts.maxRequestBytes);
      pool.reserve(fn);
    } catch (e) {
      return refuse(node, fn, input, e, true);
    }
    try {
      input.body = await readIncomingBody(node.incoming, declared, opts.maxRequestBytes, bodies);
    } catch (e) {
      pool.release(fn);
      return refuse(node, fn, input, e, true);
    }
    const first = pool.tryInline(fn, input);
    if (first?.hit) {
      pool.release(fn);
      answerInline(node, fn, input, first.outcome);
      bodies.give(input.body.byteLength);
      return;
    }
    let run: Promise<InvokeOutcome>;
    try {
      run = pool.invokeReserved(fn, input);
    } catch (e) {
      bodies.give(input.body.byteLength);
      return refuse(node, fn, input, e, false);
    }
    settle(node, fn, input, counted(run, first));
  };

  const invoke = (node: NodePair, fn: LiveFunction, input: JobInput): void => {
    const first = pool.tryInline(fn, input);
    if (first?.hit) return answerInline(node, fn, input, first.outcome);
    let run: Promise<InvokeOutcome>;
    try {
      run = pool.invoke(fn, input);
    } catch (e) {
      return refuse(node, fn, input, e, false);
    }
    settle(node, fn, input, counted(run, first));
  };

  const handler = (c: Context<Env>): Response | Promise<Response> => {
    const receivedAt = sharedNow();
    const node = nodeOf(c);
    if (node && rewrittenByUrlParsing(node.incoming.url ?? '/')) throw rewrittenPath();
    // Hono answers HEAD by running the GET route and re-wrapping its Response, which would hide
    // RESPONSE_ALREADY_SENT from node-server: HEAD goes the Response way.
    if (!node || node.incoming.method === 'HEAD') return viaFetch(c, deps, receivedAt);
    const facts = headerFacts(node.incoming.rawHeaders);
    const requestId = newRequestId(facts.requestId);
    c.set('requestId', requestId);
    const fn = registry.require(c.req.param('name')!);
    const input = nodeJobInput(node.incoming, fn.abi === 'wagi', requestId, receivedAt);
    if (facts.hasBody) withBody(node, facts, fn, input).catch((e) => broken(node, fn, input, e));
    else invoke(node, fn, input);
    return RESPONSE_ALREADY_SENT;
  };
  app.all('/:name', handler);
  app.all('/:name/*', handler);
  return app;
}

const EMPTY = new Uint8Array(0);

function rewrittenPath(): WasmfnError {
  return new WasmfnError('bad_request', 'the request path has a "." or ".." segment or a "#": send the path as a URL parser resolves it');
}

/** A refused request's record counts no body bytes: none reached a guest. */
const withoutBody = (input: JobInput): JobInput => ({ ...input, body: EMPTY });

/** Outside Node (app.request() in tests): the same, through Fetch Request and Response objects. */
async function viaFetch(c: Context<Env>, deps: InvokeDeps, receivedAt: number): Promise<Response> {
  const requestId = newRequestId(c.req.header('x-request-id'));
  c.set('requestId', requestId);
  const fn = deps.registry.require(c.req.param('name')!);
  const { path, query } = splitTarget(new URL(c.req.url).pathname);
  let input: JobInput = { method: c.req.method, path, query, rawHeaders: [], body: EMPTY, remoteAddr: '', requestId, receivedAt };
  let out: InvokeOutcome;
  const lease = new BodyLease(deps.bodies);
  try {
    deps.pool.reserve(fn);
    try {
      input = await fetchJobInput(c.req.raw, deps.opts.maxRequestBytes, requestId, receivedAt, lease);
    } catch (e) {
      deps.pool.release(fn);
      throw e;
    }
    out = await deps.pool.invokeReserved(fn, input);
  } catch (e) {
    if (e instanceof WasmfnError) deps.sink.record(record(fn, withoutBody(input), e.status, e, null));
    throw e;
  } finally {
    lease.release();
  }
  if (out.ok) {
    deps.sink.record(record(fn, input, out.status, null, out, out.body.byteLength));
    return successResponse(requestId, out);
  }
  const failure = WasmfnError.from(out.error);
  const res = errorResponse(c, failure);
  const h = hostHeaders(requestId, out);
  for (let i = 0; i < h.length; i += 2) res.headers.set(h[i]!, h[i + 1]!);
  deps.sink.record(record(fn, input, res.status, failure, out));
  return res;
}

/** One object shape for every record (no spreads): built on the main thread for every request. */
function record(fn: LiveFunction, input: JobInput, status: number, failure: WasmfnError | null, out: InvokeOutcome | null, bytesOut = 0): InvocationRecord {
  const ran = out !== null && out.line !== null;
  return {
    requestId: input.requestId, time: Date.now(), function: fn.name, version: fn.version, method: input.method, path: input.path, status,
    code: failure ? failure.code : null,
    message: failure ? failure.message : undefined,
    trapStack: failure ? (out && !out.ok ? out.trapStack : []) : undefined,
    queueMs: out ? out.queueMs : 0, instantiateMs: out ? out.instantiateMs : 0, runMs: out ? out.runMs : 0,
    // The worker's own figure when it ran the job, so the log line (which it formatted) and metrics agree.
    totalMs: ran ? out.totalMs : sharedNow() - input.receivedAt,
    fuelUsed: out ? out.fuelUsed : null, peakPages: out ? out.peakPages : 0, memoryMb: fn.limits.memoryMb,
    bytesIn: input.body.byteLength, bytesOut, logs: out ? out.logs : [],
    line: ran ? out.line! : undefined,
  };
}

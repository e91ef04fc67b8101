// ANY /fn/:name[/*]: hands the request to the pool and the outcome back as the response. This runs on the main
// thread for every invocation, so it does no more than it must. The handler returns RESPONSE_ALREADY_SENT at once
// (a synchronous handler is Hono's and node-server's fast path) and answers on Node's response itself when the
// outcome arrives: headers come from Node's raw list, the request is encoded once (by the pool, into shared
// memory), and the response is one writeHead/end. A HEAD is answered the same way, onto a HeadReply. The call
// itself waits for the end of the turn's I/O and runs with the other calls of the turn (call-batch.ts).

import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { WasmfnError } from '../errors.js';
import type { HostOptions } from '../config.js';
import type { LiveFunction, Registry } from '../store/registry.js';
import type { WorkerPool, InvokeOutcome } from '../sandbox/pool.js';
import type { JobInput } from '../sandbox/job-codec.js';
import type { InvocationRecord, InvocationSink } from '../invocation/record.js';
import { declaredLength, headerFacts, nodeJobInput, nodeOf, readIncomingBody, rewrittenByUrlParsing, type HeaderFacts } from './incoming.js';
import type { BodyBudget } from './body-budget.js';
import { writeError } from './error-response.js';
import { newRequestId } from './request-id.js';
import { hostHeaders, writeSuccess } from './invocation-response.js';
import { HeadReply, type Outgoing } from './head-reply.js';
import { sharedNow } from '../invocation/clock.js';
import { invocationRecord } from '../sandbox/invocation-record.js';
import { afterSlice, type InlineAttempt, type InlineMiss } from '../sandbox/inline-runner.js';
import type { AsyncIntake } from './async-intake.js';
import { ClientWindow } from './client-window.js';
import { CallBatch } from './call-batch.js';

type Env = { Variables: { requestId: string } };

/**
 * A call waiting for the end of this turn's I/O. `reserved`: admitted with its body read (withBody). `contended`:
 * whether other connections sent calls lately, counted once when the call is queued, for the batch and the busy gate.
 */
interface Call {
  node: Exchange;
  fn: LiveFunction;
  input: JobInput;
  reserved: boolean;
  contended: boolean;
}

/** One request and where its answer goes: Node's response, or a HeadReply. */
interface Exchange {
  incoming: IncomingMessage;
  outgoing: Outgoing;
}

export interface InvokeDeps {
  registry: Registry;
  pool: WorkerPool;
  opts: HostOptions;
  sink: InvocationSink;
  /** Bytes of request bodies held host-wide. */
  bodies: BodyBudget;
  /** Host-level failures (not guest errors) go here, for the log. */
  onInternalError?: (e: unknown) => void;
  /** Takes calls with `Prefer: respond-async`; without it such calls run synchronously. */
  intake?: AsyncIntake;
}

export function invokeRoutes(deps: InvokeDeps): Hono<Env> {
  const { registry, pool, opts, sink, bodies } = deps;
  const app = new Hono<Env>();
  const clients = new ClientWindow();

  /** After the handler returned: every outcome, including a host bug, is answered and recorded. */
  const settle = (node: Exchange, fn: LiveFunction, input: JobInput, run: Promise<InvokeOutcome>): void => {
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
          refuse(node, fn, input, e);
        } catch (again) {
          broken(node, fn, input, again);
        }
      },
    );
  };

  const answer = (node: Exchange, fn: LiveFunction, input: JobInput, out: InvokeOutcome): void => {
    if (out.ok) {
      const bytesOut = out.body.byteLength;
      writeSuccess(node.outgoing, input.requestId, out);
      sink.record(invocationRecord(fn, input, out.status, null, out, bytesOut));
      return;
    }
    const failure = WasmfnError.from(out.error);
    writeError(node.outgoing, failure, hostHeaders(input.requestId, out));
    sink.record(invocationRecord(fn, input, failure.status, failure, out, 0));
  };

  /** A call answered on this thread: answered at once, its memory recycled after. */
  const answerInline = (node: Exchange, fn: LiveFunction, input: JobInput, out: InvokeOutcome): void => {
    try {
      answer(node, fn, input, out);
    } catch (e) {
      broken(node, fn, input, e);
    } finally {
      pool.inline!.recycle();
    }
  };

  /** The pool's run of a call whose inline slice was thrown away counts that slice's fuel. */
  const counted = (run: Promise<InvokeOutcome>, miss: InlineMiss | null): Promise<InvokeOutcome> =>
    miss ? run.then((o) => afterSlice(o, miss.sliceFuel)) : run;

  /** A host bug while answering: a 500 if nothing went out yet, else the connection is cut (no half response). */
  const broken = (node: Exchange, fn: LiveFunction, input: JobInput, e: unknown): void => {
    deps.onInternalError?.(e);
    const failure = new WasmfnError('internal', 'the response could not be written');
    try {
      writeError(node.outgoing, failure, ['x-request-id', input.requestId]);
      sink.record(invocationRecord(fn, input, failure.status, failure, null, 0));
    } catch (again) {
      deps.onInternalError?.(again);
      node.outgoing.destroy();
    }
  };

  const refuse = (node: Exchange, fn: LiveFunction, input: JobInput, e: unknown): void => {
    if (!(e instanceof WasmfnError)) deps.onInternalError?.(e);
    writeError(node.outgoing, e, ['x-request-id', input.requestId]);
    // Refused before running (body too large, overloaded): still counted in logs, metrics and usage.
    if (e instanceof WasmfnError) sink.record(invocationRecord(fn, withoutBody(input), e.status, e, null, 0));
  };

  /** Admitted (or refused) before a byte of the body is read: a refusal costs neither memory nor the upload. */
  const withBody = async (node: Exchange, facts: HeaderFacts, fn: LiveFunction, input: JobInput): Promise<void> => {
    let declared: number;
    try {
      declared = declaredLength(node.incoming, facts, opts.maxRequestBytes);
      pool.reserve(fn);
    } catch (e) {
      return refuse(node, fn, input, bodyUnread(e));
    }
    try {
      input.body = await readIncomingBody(node.incoming, declared, opts.maxRequestBytes, bodies);
    } catch (e) {
      pool.release(fn);
      return refuse(node, fn, input, bodyUnread(e));
    }
    queue(node, fn, input, true);
  };

  /** A call whose body is read and admitted (reserve()d): answered here, or handed to the pool. */
  const invokeReserved = ({ node, fn, input, contended }: Call): void => {
    let first: InlineAttempt | null;
    try {
      first = pool.tryInline(fn, input, contended);
    } catch (e) {
      // A host bug (the batch answers it with a 500): the slot and the body's bytes still go back.
      pool.release(fn);
      bodies.give(input.body.byteLength);
      throw e;
    }
    if (first?.hit) {
      // Both given back first: answering cannot then skip them, whatever it throws.
      pool.release(fn);
      bodies.give(input.body.byteLength);
      answerInline(node, fn, input, first.outcome);
      return;
    }
    let run: Promise<InvokeOutcome>;
    try {
      run = pool.invokeReserved(fn, input);
    } catch (e) {
      bodies.give(input.body.byteLength);
      return refuse(node, fn, input, e);
    }
    settle(node, fn, input, counted(run, first));
  };

  const invoke = ({ node, fn, input, contended }: Call): void => {
    const first = pool.tryInline(fn, input, contended);
    if (first?.hit) return answerInline(node, fn, input, first.outcome);
    let run: Promise<InvokeOutcome>;
    try {
      run = pool.invoke(fn, input);
    } catch (e) {
      return refuse(node, fn, input, e);
    }
    settle(node, fn, input, counted(run, first));
  };

  const calls = new CallBatch<Call>(
    (c) => (c.reserved ? invokeReserved(c) : invoke(c)),
    (c, e) => broken(c.node, c.fn, c.input, e),
    () => pool.wakeNow(),
  );

  /** A lone client's call has no other to run with in its turn: it runs at once, without the batch's extra turn. */
  const queue = (node: Exchange, fn: LiveFunction, input: JobInput, reserved: boolean): void => {
    const contended = clients.contended(node.incoming.socket);
    const c: Call = { node, fn, input, reserved, contended };
    if (contended) calls.add(c);
    else calls.run(c);
  };

  const handler = (c: Context<Env>): Response | Promise<Response> => {
    const receivedAt = sharedNow();
    const node = nodeOf(c);
    if (!node) throw new WasmfnError('internal', 'the invocation route answers on Node\'s response: serve the app with @hono/node-server');
    if (rewrittenByUrlParsing(node.incoming.url ?? '/')) throw rewrittenPath();
    const facts = headerFacts(node.incoming.rawHeaders);
    const requestId = newRequestId(facts.requestId);
    c.set('requestId', requestId);
    const fn = registry.require(c.req.param('name')!);
    const input = nodeJobInput(node.incoming, fn.abi === 'wagi', requestId, receivedAt);
    if (facts.respondAsync && deps.intake) {
      deps.intake(node.incoming, node.outgoing, facts, fn, input);
      return RESPONSE_ALREADY_SENT;
    }
    const head = node.incoming.method === 'HEAD' ? new HeadReply(node.outgoing) : null;
    const to: Exchange = head ? { incoming: node.incoming, outgoing: head } : node;
    if (facts.hasBody) withBody(to, facts, fn, input).catch((e) => broken(to, fn, input, e));
    else queue(to, fn, input, false);
    return head ? head.response : RESPONSE_ALREADY_SENT;
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

/** Refused before its body was all read: the connection cannot carry another request, so the answer ends it. */
const bodyUnread = (e: unknown): unknown => (e instanceof WasmfnError ? e.closingConnection() : e);


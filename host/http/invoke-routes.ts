// ANY /fn/:name[/*]: turns an HTTP request into a GuestRequest, runs it in the pool, and the result into a response.

import { Hono, type Context } from 'hono';
import { WasmfnError } from '../errors.js';
import type { HostOptions } from '../config.js';
import type { Registry } from '../store/registry.js';
import type { WorkerPool, InvokeOutcome } from '../sandbox/pool.js';
import type { GuestRequest } from '../abi/types.js';
import type { InvocationRecord, InvocationSink } from '../observe/invocation.js';
import { requestBody, requestHeaders, incomingOf } from './incoming.js';
import { errorResponse } from './error-response.js';
import { markHasRequestId } from './request-id.js';

type Env = { Variables: { requestId: string } };

/** Headers a guest may not set: the host owns framing and connection handling. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);

export function invokeRoutes(registry: Registry, pool: WorkerPool, opts: HostOptions, sink: InvocationSink): Hono<Env> {
  const app = new Hono<Env>();
  const handler = async (c: Context<Env>) => {
    const t0 = performance.now();
    const name = c.req.param('name')!;
    const fn = registry.require(name);
    const url = new URL(c.req.url);
    const prefix = `/fn/${name}`;
    const path = url.pathname.slice(prefix.length) || '/';
    const record = (status: number, failure: WasmfnError | null, run: RunFacts): void =>
      sink.record({
        requestId: c.get('requestId'), time: new Date().toISOString(), function: fn.name, version: fn.version,
        method: c.req.method, path, status, code: failure ? failure.code : null,
        ...(failure ? { message: failure.message, trapStack: run.trapStack } : {}),
        queueMs: run.queueMs, instantiateMs: run.instantiateMs, runMs: run.runMs, totalMs: performance.now() - t0,
        fuelUsed: run.fuelUsed, peakPages: run.peakPages, memoryMb: fn.limits.memoryMb,
        bytesIn: run.bytesIn, bytesOut: run.bytesOut, logs: run.logs,
      });
    // Requests refused before they run (body too large, overloaded) still count in logs, metrics and usage.
    const recordRefusal = (e: unknown): unknown => {
      if (e instanceof WasmfnError) record(e.status, e, NOT_RUN);
      return e;
    };
    let body: Uint8Array;
    try {
      body = await requestBody(c, opts.maxRequestBytes, 'request body');
    } catch (e) {
      throw recordRefusal(e);
    }
    const request: GuestRequest = {
      method: c.req.method,
      path,
      query: url.search.slice(1),
      headers: requestHeaders(c),
      body,
      fn: { name: fn.name, version: fn.version, env: fn.env },
      server: {
        host: url.hostname,
        port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        protocol: 'HTTP/1.1',
        remoteAddr: remoteAddr(c),
        fullUrl: url.href,
        matchedRoute: prefix,
      },
    };
    let out: InvokeOutcome;
    try {
      out = await pool.invoke(fn, request);
    } catch (e) {
      throw recordRefusal(e);
    }
    const timing = timingHeaders(c.get('requestId'), out);
    let failure = out.ok ? null : WasmfnError.from(out.error);
    let res: Response | WasmfnError | null = out.ok ? guestResponse(out, timing) : null;
    if (res instanceof WasmfnError) [failure, res] = [res, null];
    if (!res) {
      res = errorResponse(c, failure);
      for (const [k, v] of Object.entries(timing)) res.headers.set(k, v as string);
    }
    markHasRequestId(res);
    record(res.status, failure, {
      ...out,
      trapStack: out.ok ? [] : out.trapStack,
      bytesIn: body.byteLength,
      bytesOut: out.ok && !failure ? out.response.body.byteLength : 0,
    });
    return res;
  };
  app.all('/:name', handler);
  app.all('/:name/*', handler);
  return app;
}

/** What a run contributes to the invocation record. */
interface RunFacts {
  queueMs: number;
  instantiateMs: number;
  runMs: number;
  fuelUsed: number | null;
  peakPages: number;
  bytesIn: number;
  bytesOut: number;
  logs: InvocationRecord['logs'];
  trapStack: string[];
}

const NOT_RUN: RunFacts = { queueMs: 0, instantiateMs: 0, runMs: 0, fuelUsed: null, peakPages: 0, bytesIn: 0, bytesOut: 0, logs: [], trapStack: [] };

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\u0000\r\n]/;

/**
 * Plain-object headers let @hono/node-server write the response without building undici Headers, which is a
 * visible share of the per-request cost; repeated names become arrays (set-cookie).
 */
function guestResponse(out: Extract<InvokeOutcome, { ok: true }>, headers: Record<string, string | string[]>): Response | WasmfnError {
  for (const [k, v] of out.response.headers) {
    const name = k.toLowerCase();
    if (HOP_BY_HOP.has(name) || name in headers && TIMING_HEADERS.has(name)) continue;
    if (!HEADER_NAME.test(name) || BAD_VALUE.test(v)) return new WasmfnError('bad_gateway', 'the function returned an invalid header');
    const prev = headers[name];
    headers[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const status = out.response.status;
  const nullBody = status === 204 || status === 304 || (status >= 100 && status < 200);
  return new Response(nullBody ? null : (out.response.body as Uint8Array<ArrayBuffer>), { status, headers: headers as Record<string, string> });
}

/** Headers the host owns on every invocation response. */
const TIMING_HEADERS = new Set(['x-request-id', 'server-timing', 'x-wasmfn-fuel']);

function timingHeaders(requestId: string, out: InvokeOutcome): Record<string, string | string[]> {
  const h: Record<string, string> = {
    'x-request-id': requestId,
    'server-timing': `queue;dur=${out.queueMs.toFixed(3)}, instantiate;dur=${out.instantiateMs.toFixed(3)}, run;dur=${out.runMs.toFixed(3)}`,
  };
  if (out.fuelUsed !== null) h['x-wasmfn-fuel'] = String(out.fuelUsed);
  return h;
}

function remoteAddr(c: Context): string {
  return incomingOf(c)?.socket.remoteAddress ?? '';
}

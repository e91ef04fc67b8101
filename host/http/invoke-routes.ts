// ANY /fn/:name[/*]: turns an HTTP request into a GuestRequest, runs it in the pool, and the result into a response.

import { Hono, type Context } from 'hono';
import { WasmfnError } from '../errors.js';
import type { HostOptions } from '../config.js';
import type { Registry } from '../store/registry.js';
import type { WorkerPool, InvokeOutcome } from '../sandbox/pool.js';
import type { GuestRequest } from '../abi/types.js';
import type { InvocationSink } from '../observe/invocation.js';
import { requestBody, requestHeaders, incomingOf } from './incoming.js';
import { errorResponse } from './error-response.js';

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
    const body = await requestBody(c, opts.maxRequestBytes, 'request body');
    const request: GuestRequest = {
      method: c.req.method,
      path: url.pathname.slice(prefix.length) || '/',
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
    const out = await pool.invoke(fn, request);
    let failure = out.ok ? null : WasmfnError.from(out.error);
    let res = out.ok ? guestResponse(out) : null;
    if (res instanceof WasmfnError) [failure, res] = [res, null];
    if (!res) res = errorResponse(c, failure);
    setTimingHeaders(res, out);
    sink.record({
      requestId: c.get('requestId'),
      time: new Date().toISOString(),
      function: fn.name,
      version: fn.version,
      method: request.method,
      path: request.path,
      status: res.status,
      code: failure ? failure.code : null,
      ...(failure ? { message: failure.message, trapStack: out.ok ? [] : out.trapStack } : {}),
      queueMs: out.queueMs,
      instantiateMs: out.instantiateMs,
      runMs: out.runMs,
      totalMs: performance.now() - t0,
      fuelUsed: out.fuelUsed,
      peakPages: out.peakPages,
      memoryMb: fn.limits.memoryMb,
      bytesIn: body.byteLength,
      bytesOut: out.ok && !failure ? out.response.body.byteLength : 0,
      logs: out.logs,
    });
    return res;
  };
  app.all('/:name', handler);
  app.all('/:name/*', handler);
  return app;
}

function guestResponse(out: Extract<InvokeOutcome, { ok: true }>): Response | WasmfnError {
  const headers = new Headers();
  try {
    for (const [k, v] of out.response.headers) if (!HOP_BY_HOP.has(k.toLowerCase())) headers.append(k, v);
  } catch {
    return new WasmfnError('bad_gateway', 'the function returned an invalid header');
  }
  const status = out.response.status;
  const nullBody = status === 204 || status === 304 || (status >= 100 && status < 200);
  return new Response(nullBody ? null : (out.response.body as Uint8Array<ArrayBuffer>), { status, headers });
}

function setTimingHeaders(res: Response, out: InvokeOutcome): void {
  const ms = (n: number) => n.toFixed(3);
  res.headers.set('server-timing', `queue;dur=${ms(out.queueMs)}, instantiate;dur=${ms(out.instantiateMs)}, run;dur=${ms(out.runMs)}`);
  if (out.fuelUsed !== null) res.headers.set('x-wasmfn-fuel', String(out.fuelUsed));
}

function remoteAddr(c: Context): string {
  return incomingOf(c)?.socket.remoteAddress ?? '';
}

// The HTTP part's `sandbox` server: the constant Hono route's server with `hello` run per request as the host's
// sandbox runs it (the Executor: fresh instance, pooled zeroed memory, fuel metering), and nothing else of the
// host (no request id, logs, metrics, usage, limits on concurrency). Between the constant route and wasmfn, it
// shows what the sandbox itself costs over HTTP and what the host's bookkeeping adds. `/reset/hello` runs the same
// module in one kept instance reset before each call (reset-instance.ts), a design wasmfn does not use. `/empty`
// makes a fresh instance per request of the emptiest module (an imported memory, one exported function that does
// nothing) and calls it: the least any design that instantiates per request on V8 pays, whatever the guest.
// `/instance/hello` makes a fresh instance of `hello` as deployed per request and does not run it (host functions
// that do nothing, one memory for all): the least wasmfn can pay for this guest, before its run and its memory.

import type { IncomingMessage } from 'node:http';
import { Hono } from 'hono';
import { serve, type HttpBindings } from '@hono/node-server';
import { Executor } from '../sandbox/executor.js';
import { requestSource } from '../sandbox/job-codec.js';
import type { GuestRequest } from '../abi/types.js';
import { deployHello, FUEL, helloRequest, MAX_RESPONSE_BYTES } from './contenders/executor-common.js';
import { readGuest } from './guests.js';
import { EXPECTED } from './contender.js';
import { ResetInstance, withGlobalsExported } from './reset-instance.js';
import { emptyInstanceCall } from './wat-modules.js';
import { helloInstanceCall } from './instantiate-parts.js';

export interface SandboxServer { url: string; close(): Promise<void> }

const decoder = new TextDecoder();

/** The request as the host would hand it to the guest: the query as sent, the headers as received. */
function guestRequest(base: GuestRequest, incoming: IncomingMessage): GuestRequest {
  const url = incoming.url ?? '/';
  const q = url.indexOf('?');
  const raw = incoming.rawHeaders;
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return { ...base, query: q < 0 ? '' : url.slice(q + 1), headers };
}

export async function startSandboxServer(): Promise<SandboxServer> {
  const deployed = await deployHello(await readGuest('hello'));
  if (!deployed.memory) throw new Error('hello has no memory to reset');
  const executor = new Executor();
  const reset = new ResetInstance(new WebAssembly.Module(withGlobalsExported(deployed.bytes)), deployed.memory, FUEL, MAX_RESPONSE_BYTES);
  const base = helloRequest();
  const callEmpty = emptyInstanceCall();
  const helloInstance = helloInstanceCall(deployed);
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get('/fn/hello', (c) => {
    const r = executor.run({
      module: deployed.module, abi: deployed.abi, memory: deployed.memory, fuel: FUEL,
      request: requestSource(guestRequest(base, c.env.incoming)), maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    const text = decoder.decode(r.response.body);
    executor.recycle();
    return c.text(text);
  });
  app.get('/empty', (c) => {
    callEmpty();
    // The answer `hello` gives, so every target sends the same response.
    return c.text(EXPECTED);
  });
  app.get('/instance/hello', (c) => {
    helloInstance();
    return c.text(EXPECTED);
  });
  app.get('/reset/hello', (c) => c.text(decoder.decode(reset.run(requestSource(guestRequest(base, c.env.incoming))).body)));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

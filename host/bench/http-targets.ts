// What the HTTP part loads: each target is a request on one of the servers http-server-child.ts runs.

import { INPUT } from './contender.js';
import type { ServerName } from './http-server-child.js';
import type { HttpTarget, Isolation } from './results.js';

export interface TargetSpec {
  target: HttpTarget;
  server: ServerName;
  isolation: Isolation;
  method: 'GET' | 'POST';
  path: string;
  /** Sent as text/plain with every request of a POST target. */
  body?: string;
}

/**
 * In the order of the report. `sandbox` and `sandbox-reset` run `hello` with nothing of the host around it but the
 * sandbox (sandbox-server.ts): with the constant route and wasmfn they split the cost of a call in three.
 * `sandbox-empty` instantiates the emptiest module per request there instead: the floor of any per-request instance;
 * `sandbox-instance` instantiates `hello` and does not run it: the floor for this guest. The loader-form pair runs the same module (`bench-greet`, handle(string): string,
 * called with the body): wasmfn through its loader ABI, workerd through a JS worker that instantiates it per request.
 */
export const TARGETS: readonly TargetSpec[] = [
  { target: 'wasmfn', server: 'wasmfn', isolation: 'wasm-instance', method: 'GET', path: `/fn/hello?name=${INPUT}` },
  { target: 'hono', server: 'hono', isolation: 'none', method: 'GET', path: '/' },
  { target: 'sandbox', server: 'sandbox', isolation: 'wasm-instance', method: 'GET', path: `/fn/hello?name=${INPUT}` },
  { target: 'sandbox-reset', server: 'sandbox', isolation: 'wasm-reset', method: 'GET', path: `/reset/hello?name=${INPUT}` },
  { target: 'sandbox-empty', server: 'sandbox', isolation: 'wasm-instance', method: 'GET', path: '/empty' },
  { target: 'sandbox-instance', server: 'sandbox', isolation: 'wasm-instance', method: 'GET', path: '/instance/hello' },
  { target: 'wasmfn-loader', server: 'wasmfn', isolation: 'wasm-instance', method: 'POST', path: '/fn/bench-greet', body: INPUT },
  { target: 'workerd', server: 'workerd', isolation: 'v8-isolate', method: 'POST', path: '/', body: INPUT },
];

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
 * In the order of the report. The loader-form pair runs the same module (`bench-greet`, handle(string): string,
 * called with the body): wasmfn through its loader ABI, workerd through a JS worker that instantiates it per request.
 */
export const TARGETS: readonly TargetSpec[] = [
  { target: 'wasmfn', server: 'wasmfn', isolation: 'wasm-instance', method: 'GET', path: `/fn/hello?name=${INPUT}` },
  { target: 'hono', server: 'hono', isolation: 'none', method: 'GET', path: '/' },
  { target: 'wasmfn-loader', server: 'wasmfn', isolation: 'wasm-instance', method: 'POST', path: '/fn/bench-greet', body: INPUT },
  { target: 'workerd', server: 'workerd', isolation: 'v8-isolate', method: 'POST', path: '/', body: INPUT },
];

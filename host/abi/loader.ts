// The loader ABI: AssemblyScript `handle(input: string): string` through @assemblyscript/loader, body in, text out.

import { instantiateSync } from '@assemblyscript/loader';
import { WasmfnError } from '../errors.js';
import { asEnvFunctions } from './as-env.js';
import type { InvokeContext, InvokeFn } from './runtime.js';

interface LoaderExports extends Record<string, unknown> {
  handle(input: number): number;
}

const TEXT_PLAIN = 'text/plain; charset=utf-8';
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The call in progress on this thread, for the shared env functions. */
let current: InvokeContext | null = null;
const ENV = asEnvFunctions(() => {
  if (current === null) throw new WasmfnError('trap', 'an env import was called outside a request');
  return current;
});

export const invokeLoader: InvokeFn = (ctx) => {
  const { memory } = ctx;
  const outer = current;
  current = ctx;
  try {
    // A new object per call: the loader adds to it (Math, Date, ...). It fills in env.abort/trace/seed only where
    // absent, so ours (which throw `trap`) win.
    const imports = { ...ctx.runtimeImports, env: { memory, ...ENV } };
    const { exports, instance } = instantiateSync<LoaderExports>(ctx.module, imports);
    ctx.markInstantiated(instance);
    if (typeof exports.handle !== 'function') throw new WasmfnError('invalid_module', 'the module exports no "handle" function');

    const input = exports.__pin(exports.__newString(decoder.decode(ctx.request.body)));
    const out = exports.handle(input);
    const text = readResult(memory, exports.__getString, out, ctx.maxResponseBytes);
    const body = encoder.encode(text);
    if (body.length > ctx.maxResponseBytes) {
      throw new WasmfnError('response_too_large', `response body of ${body.length} bytes exceeds the limit of ${ctx.maxResponseBytes}`);
    }
    return { status: 200, headers: [['content-type', TEXT_PLAIN]], body };
  } finally {
    current = outer;
  }
};

/** The returned string, checked against memory and the size limit before the loader copies it out. */
function readResult(memory: WebAssembly.Memory, getString: (ptr: number) => string, ptr: number, maxResponseBytes: number): string {
  const at = ptr >>> 0;
  if (at === 0) return '';
  const buf = memory.buffer;
  if (at < 20 || at > buf.byteLength) throw new WasmfnError('bad_gateway', `handle() returned an invalid string pointer ${at}`);
  const byteLen = new DataView(buf).getUint32(at - 4, true);
  if (at + byteLen > buf.byteLength) throw new WasmfnError('bad_gateway', 'handle() returned a string that runs past memory');
  // Each UTF-16 unit becomes at least one UTF-8 byte, so this rejects oversize results before decoding them.
  if (byteLen / 2 > maxResponseBytes) {
    throw new WasmfnError('response_too_large', `response of ${byteLen / 2} characters exceeds the limit of ${maxResponseBytes} bytes`);
  }
  try {
    return getString(at);
  } catch (e) {
    throw new WasmfnError('bad_gateway', `handle() did not return a string: ${e instanceof Error ? e.message : String(e)}`);
  }
}

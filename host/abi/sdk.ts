// The SDK ABI: one fresh instance per call; the request goes in through request_len/request_read, the response
// comes out through response_write, log lines through log (wire format in functions/sdk/README.md).

import { WasmfnError } from '../errors.js';
import { asEnvFunctions } from './as-env.js';
import { capabilityFunctions } from './capabilities.js';
import { frozenFunctions, importNamespace, SharedImports, instantiateLinked } from './import-object.js';
import { decodeResponse } from './sdk-wire.js';
import type { InstantiateFn, InvokeContext, InvokeFn } from './runtime.js';
import type { GuestResponse, LogLevel } from './types.js';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
/** Longest log line decoded; the sandbox's guest log trims further. */
const MAX_LOG_LINE_BYTES = 16 * 1024;

/** The call in progress on this thread (calls are synchronous and never nest). */
let current: InvokeContext | null = null;
let response: GuestResponse | null = null;

function call(): InvokeContext {
  if (current === null) throw new WasmfnError('trap', 'a wasmfn import was called outside a request');
  return current;
}

const capabilities = capabilityFunctions(() => {
  const c = call();
  return { memory: c.memory, capabilities: c.capabilities, request: c.request, config: () => c.request.config() };
});

const wasmfn = importNamespace(frozenFunctions({
  ...capabilities,
  request_len: (): number => call().request.wireLength,
  request_read: (ptr: number): void => {
    const { memory, request } = call();
    const at = ptr >>> 0;
    const buf = memory.buffer;
    if (at + request.wireLength > buf.byteLength) {
      throw new WasmfnError('trap', `request_read: ${request.wireLength} bytes at ${at} do not fit in memory`);
    }
    request.writeWire(new Uint8Array(buf), at);
  },
  response_write: (ptr: number, len: number): void => {
    const c = call();
    response = decodeResponse(c.memory, ptr >>> 0, len >>> 0, c.maxResponseBytes, c.copyOut);
  },
  log: (level: number, ptr: number, len: number): void => {
    const c = call();
    const at = ptr >>> 0;
    const n = Math.min(len >>> 0, MAX_LOG_LINE_BYTES);
    const buf = c.memory.buffer;
    if (at + n > buf.byteLength) throw new WasmfnError('trap', `log: ${n} bytes at ${at} are outside memory`);
    // A number from the guest indexes only the array's own elements, never what the array inherits.
    const lv = level >>> 0;
    c.log(lv < LOG_LEVELS.length ? LOG_LEVELS[lv]! : 'info', Buffer.from(buf, at, n).toString('utf8'));
  },
}));

/**
 * One import object for every call on this thread, its functions acting on `current`: linking function objects V8
 * has seen before is faster than new closures per request, and none of them holds request state. Only the memory
 * is set per call; the runtime namespaces come with the sandbox's recycled set (SharedImports).
 */
const env = importNamespace({ memory: null as WebAssembly.Memory | null, ...asEnvFunctions(call) });
const imports = new SharedImports({ env, wasmfn });

export const invokeSdk: InvokeFn = (ctx) => {
  const outer = current;
  const outerResponse = response;
  current = ctx;
  response = null;
  env.memory = ctx.memory;
  try {
    const instance = ctx.instance ?? new WebAssembly.Instance(ctx.module, imports.with(ctx.runtimeImports));
    ctx.markInstantiated(instance);
    const handle = instance.exports['handle'];
    if (typeof handle !== 'function') throw new WasmfnError('invalid_module', 'the module exports no "handle" function');
    (handle as () => void)();
    const out = response as GuestResponse | null;
    if (out === null) throw new WasmfnError('bad_gateway', 'the function returned without writing a response');
    return out;
  } finally {
    current = outer;
    response = outerResponse;
    // Drops this call's memory from the shared objects, so nothing keeps it reachable past the call.
    env.memory = outer?.memory ?? null;
  }
};

export const instantiateSdk: InstantiateFn = (module, memory, runtimeImports) => instantiateLinked(env, imports, module, memory, runtimeImports);

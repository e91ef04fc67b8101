// The SDK ABI: one fresh instance per call; the request goes in through request_len/request_read, the response
// comes out through response_write, log lines through log (wire format in functions/sdk/README.md).

import { WasmfnError } from '../errors.js';
import { asEnvImports } from './as-env.js';
import { decodeResponse, encodeRequest, writeRequest } from './sdk-wire.js';
import type { InvokeFn } from './runtime.js';
import type { GuestResponse, LogLevel } from './types.js';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
/** Longest log line decoded; the sandbox's guest log trims further. */
const MAX_LOG_LINE_BYTES = 16 * 1024;

export const invokeSdk: InvokeFn = (ctx) => {
  const { memory, log } = ctx;
  const request = encodeRequest(ctx.request);
  let response: GuestResponse | null = null;

  const imports: WebAssembly.Imports = {
    ...ctx.runtimeImports,
    env: { memory, ...asEnvImports(memory, log) },
    wasmfn: {
      request_len: (): number => request.length,
      request_read: (ptr: number): void => writeRequest(memory, ptr >>> 0, request),
      response_write: (ptr: number, len: number): void => {
        response = decodeResponse(memory, ptr >>> 0, len >>> 0, ctx.maxResponseBytes);
      },
      log: (level: number, ptr: number, len: number): void => {
        const at = ptr >>> 0;
        const n = Math.min(len >>> 0, MAX_LOG_LINE_BYTES);
        const buf = memory.buffer;
        if (at + n > buf.byteLength) throw new WasmfnError('trap', `log: ${n} bytes at ${at} are outside memory`);
        log(LOG_LEVELS[level] ?? 'info', Buffer.from(buf, at, n).toString('utf8'));
      },
    },
  };

  const instance = new WebAssembly.Instance(ctx.module, imports);
  ctx.markInstantiated();
  const handle = instance.exports['handle'];
  if (typeof handle !== 'function') throw new WasmfnError('invalid_module', 'the module exports no "handle" function');
  (handle as () => void)();
  if (response === null) throw new WasmfnError('bad_gateway', 'the function returned without writing a response');
  return response;
};

// Test helpers for ABI invoke functions: a built function prepared as at deploy time, and one call's context.

import fs from 'node:fs/promises';
import { prepareModule, DEFAULT_MAX_TABLE_ELEMENTS } from '../../host/wasm/prepare.js';
import type { InvokeContext } from '../../host/abi/runtime.js';
import type { GuestRequest, LogLevel } from '../../host/abi/types.js';
import { requestSource } from '../../host/sandbox/job-codec.js';
import { RUNTIME_MODULE, runtimeNamespace } from '../../host/wasm/fuel-contract.js';

export interface PreparedFn {
  module: WebAssembly.Module;
  initialPages: number;
  maximumPages: number;
}

/** dist/functions/<name>.wasm rewritten by the deploy pipeline (imported memory, fuel metering). */
export async function preparedFunction(name: string, memoryMb = 16): Promise<PreparedFn> {
  return prepared(new Uint8Array(await fs.readFile(new URL(`../../functions/${name}.wasm`, import.meta.url))), memoryMb);
}

/** Module bytes rewritten by the deploy pipeline. */
export function prepared(bytes: Uint8Array, memoryMb = 16): PreparedFn {
  const p = prepareModule(bytes, { memoryMb, fuel: true, maxTableElements: DEFAULT_MAX_TABLE_ELEMENTS });
  if (!p.memory) throw new Error('the module has no memory');
  return { module: new WebAssembly.Module(p.bytes as Uint8Array<ArrayBuffer>), initialPages: p.memory.initialPages, maximumPages: p.memory.maximumPages };
}

export function guestRequest(over: Partial<GuestRequest> = {}): GuestRequest {
  return {
    method: 'GET',
    path: '/',
    query: '',
    headers: [],
    body: new Uint8Array(0),
    fn: { name: 'test', version: '1', env: {} },
    server: { host: 'localhost', port: 8080, protocol: 'HTTP/1.1', remoteAddr: '127.0.0.1', fullUrl: 'http://localhost:8080/fn/test', matchedRoute: '/fn/test' },
    ...over,
  };
}

export interface CallContext extends InvokeContext {
  logs: { level: LogLevel; line: string }[];
}

/** A context like the sandbox's: the given (or a new) memory, runtime globals only if the module imports them. */
export function callContext(
  fn: PreparedFn,
  request: Partial<GuestRequest> = {},
  opts: { maxResponseBytes?: number; memory?: WebAssembly.Memory } = {},
): CallContext {
  const memory = opts.memory ?? new WebAssembly.Memory({ initial: fn.initialPages, maximum: fn.maximumPages });
  const metered = WebAssembly.Module.imports(fn.module).some((i) => i.module === RUNTIME_MODULE);
  const logs: CallContext['logs'] = [];
  return {
    module: fn.module,
    memory,
    runtimeImports: metered ? { [RUNTIME_MODULE]: runtimeNamespace(10_000_000_000n) } : {},
    request: requestSource(guestRequest(request)),
    maxResponseBytes: opts.maxResponseBytes ?? 1 << 20,
    log: (level, line) => logs.push({ level, line }),
    markInstantiated: () => {},
    logs,
  };
}

/** The WasmfnError code of what `fn` throws, or "(no error)". */
export function thrownCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? `(not a WasmfnError: ${String(e)})`;
  }
  return '(no error)';
}

export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Text as Node hands over a header or URL: its UTF-8 bytes, one character each. */
export const arrived = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

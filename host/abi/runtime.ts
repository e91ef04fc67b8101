// The contract between the sandbox (in a worker thread) and each guest ABI's invoke function.

import type { GuestResponse, LogLevel, RequestSource } from './types.js';
import type { CopyOut } from './sdk-wire.js';
import { RUNTIME_IMPORTS } from './detect.js';
import { importNamespace } from './import-object.js';

export interface InvokeContext {
  /** Compiled, rewritten module: its memory is the import `env.memory`. */
  module: WebAssembly.Module;
  /** Pooled, zeroed memory sized to the module's declared limits; pass it as `env.memory`. */
  memory: WebAssembly.Memory;
  /**
   * Imports the deploy-time rewrite added (namespace `wasmfn_rt`: the fuel budget, the out-of-fuel and
   * grow-failed flags), reset by the sandbox before every call. Passed into the import object unchanged.
   */
  runtimeImports: { wasmfn_rt?: Record<string, WebAssembly.Global | bigint> };
  request: RequestSource;
  /** Bytes of response body allowed; past it throw WasmfnError('response_too_large'). */
  maxResponseBytes: number;
  /** The guest's own output (console, stderr); bounded by the caller. */
  log(level: LogLevel, line: string): void;
  /** Call once the instance exists, so instantiate and run are timed apart (and fuel left can be read from it). */
  markInstantiated(instance: WebAssembly.Instance): void;
  /** Where response bytes are copied out of guest memory; a fresh copy when absent. */
  copyOut?: CopyOut;
}

/**
 * Runs one request in one fresh instance, synchronously. Guest-level failures the ABI understands
 * (abort with a message, a bad CGI response, a non-zero exit) are thrown as WasmfnError; raw wasm traps
 * (RuntimeError, RangeError on stack overflow) are left to the sandbox, which classifies them.
 */
export type InvokeFn = (ctx: InvokeContext) => GuestResponse;

/** A `wasmfn_rt` namespace of the current form. */
export interface RuntimeNamespace {
  [RUNTIME_IMPORTS.budget]: bigint;
  [RUNTIME_IMPORTS.fuelOut]: WebAssembly.Global;
  [RUNTIME_IMPORTS.growFailed]: WebAssembly.Global;
}

/** A namespace of its own for one instance (tests, benchmarks); the sandbox recycles one per thread instead. */
export function runtimeNamespace(budget: bigint): RuntimeNamespace {
  const flag = () => new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  return importNamespace({ [RUNTIME_IMPORTS.budget]: budget, [RUNTIME_IMPORTS.fuelOut]: flag(), [RUNTIME_IMPORTS.growFailed]: flag() });
}

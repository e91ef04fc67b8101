// The contract between the sandbox (in a worker thread) and each guest ABI's invoke function.

import type { GuestResponse, LogLevel, RequestSource } from './types.js';
import type { CopyOut } from './sdk-wire.js';
import type { CapabilityBridge } from './capability-bridge.js';

export interface InvokeContext {
  /** Compiled, rewritten module: its memory is the import `env.memory`. */
  module: WebAssembly.Module;
  /** Pooled, zeroed memory sized to the module's declared limits; pass it as `env.memory`. */
  memory: WebAssembly.Memory;
  /**
   * Namespaces the deploy-time rewrite's imports come from, by module name (wasm/fuel-contract.ts), reset by the
   * sandbox before every call and linked as they are. The sandbox passes the same object to every call of a
   * thread, so the import object built around it is made once (SharedImports).
   */
  runtimeImports: Readonly<Record<string, object>>;
  request: RequestSource;
  /** Bytes of response body allowed; past it throw WasmfnError('response_too_large'). */
  maxResponseBytes: number;
  /** The guest's own output (console, stderr); bounded by the caller. */
  log(level: LogLevel, line: string): void;
  /**
   * An instance made ahead for this call (InstantiateFn) and never run: the invoker calls it instead of making one.
   * Absent or null: the invoker makes the instance itself.
   */
  instance?: WebAssembly.Instance | null;
  /** Call once the instance exists, so instantiate and run are timed apart (and fuel left can be read from it). */
  markInstantiated(instance: WebAssembly.Instance): void;
  /** Where response bytes are copied out of guest memory; a fresh copy when absent. */
  copyOut?: CopyOut;
  /** Where key-value and HTTP calls go; absent: they answer `unavailable`. */
  capabilities?: CapabilityBridge;
}

/**
 * Runs one request in one fresh instance, synchronously. Guest-level failures the ABI understands
 * (abort with a message, a bad CGI response, a non-zero exit) are thrown as WasmfnError; raw wasm traps
 * (RuntimeError, RangeError on stack overflow) are left to the sandbox, which classifies them.
 */
export type InvokeFn = (ctx: InvokeContext) => GuestResponse;

/**
 * Makes an instance of the module for a call still to come, with no call in progress: an import its start function
 * calls throws (there is no request to act on, and the start function must not learn when it ran), and the
 * instance is refused. Only ABIs whose import object holds no call state offer one.
 */
export type InstantiateFn = (module: WebAssembly.Module, memory: WebAssembly.Memory, runtimeImports: Readonly<Record<string, object>>) => WebAssembly.Instance;

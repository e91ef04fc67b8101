// Turns whatever a guest run threw into one of the host's error codes, using the runtime globals as evidence.

import { WasmfnError } from '../errors.js';

export interface TrapEvidence {
  fuelLeft: bigint | null;
  growFailed: boolean;
}

export function classifyFailure(e: unknown, ev: TrapEvidence): WasmfnError {
  // Fuel first: running out ends in `unreachable`, which must not read as a guest bug.
  if (ev.fuelLeft !== null && ev.fuelLeft < 0n) return new WasmfnError('fuel_exhausted', 'the function used up its fuel budget');
  if (ev.growFailed) return new WasmfnError('memory_limit', 'the function tried to grow its memory past its memoryMb limit');
  if (e instanceof WasmfnError) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return new WasmfnError('trap', 'stack overflow');
  if (e instanceof WebAssembly.RuntimeError) return new WasmfnError('trap', `wasm trap: ${e.message}`);
  if (e instanceof WebAssembly.LinkError) return new WasmfnError('trap', `link error: ${e.message}`);
  if (e instanceof Error && /memory/i.test(e.message) && e instanceof RangeError) {
    return new WasmfnError('memory_limit', 'the host could not provide the memory the function needs');
  }
  return new WasmfnError('trap', `the function failed: ${e instanceof Error ? e.message : String(e)}`);
}

/** Characters kept of one frame: its names come from the module, and the frames go into the call's log line. */
const MAX_FRAME_CHARS = 512;

/** The wasm frames of a trap's stack (function names come from the name section where present). */
export function wasmFrames(e: unknown, max = 32): string[] {
  if (!(e instanceof Error) || !e.stack) return [];
  return e.stack
    .split('\n')
    .filter((l) => l.includes('wasm://') || l.includes('wasm-function'))
    .slice(0, max)
    .map((l) => {
      const frame = l.trim().replace(/^at /, '');
      return frame.length > MAX_FRAME_CHARS ? `${frame.slice(0, MAX_FRAME_CHARS)}…` : frame;
    });
}

/**
 * The error for the call a worker was running when its thread died. Node ends a worker whose JS heap reached its
 * limit (resourceLimits) with ERR_WORKER_OUT_OF_MEMORY: the call made the host hold more than the worker may, so it
 * is the call's memory_limit, as a guest's memory.grow past its cap is.
 */
export function crashError(cause: Error | undefined): WasmfnError {
  if ((cause as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new WasmfnError('memory_limit', 'the function made its worker run out of JS heap; the worker was replaced');
  }
  return new WasmfnError('trap', `the function crashed its worker: ${cause?.message ?? 'unknown reason'}`);
}

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

/** The wasm frames of a trap's stack (function names come from the name section where present). */
export function wasmFrames(e: unknown, max = 32): string[] {
  if (!(e instanceof Error) || !e.stack) return [];
  return e.stack
    .split('\n')
    .filter((l) => l.includes('wasm://') || l.includes('wasm-function'))
    .slice(0, max)
    .map((l) => l.trim().replace(/^at /, ''));
}

// Turns whatever a guest run threw into one of the host's error codes, using the runtime globals as evidence.
// Everything that leaves here is shown to callers, the logs endpoint and terminals, and much of it is the guest's
// own text (an abort message, an import name in a link error, function names in the stack), so it is escaped.

import { WasmfnError } from '../errors.js';
import { escapeControl } from '../control-chars.js';

export interface TrapEvidence {
  fuelLeft: bigint | null;
  growFailed: boolean;
}

export function classifyFailure(e: unknown, ev: TrapEvidence): WasmfnError {
  return escaped(classify(e, ev));
}

function classify(e: unknown, ev: TrapEvidence): WasmfnError {
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

/** The error itself when it holds no control character, else a copy with its message and details escaped. */
function escaped(err: WasmfnError): WasmfnError {
  const message = escapeControl(err.message);
  const details = err.details?.map(escapeControl);
  if (message === err.message && (details ?? []).every((d, i) => d === err.details![i])) return err;
  return new WasmfnError(err.code, message, {
    ...(details ? { details } : {}),
    ...(err.retryAfterS !== undefined ? { retryAfterS: err.retryAfterS } : {}),
  });
}

/**
 * The wasm frames of a trap's stack, escaped. A frame shows the module's and the function's names from the name
 * section, which may hold line breaks: read from V8's structured frames, one such name stays one frame instead of
 * splitting into lines that read as frames of their own.
 */
export function wasmFrames(e: unknown, max = 32): string[] {
  if (!(e instanceof Error)) return [];
  const sites = callSites(e);
  if (sites !== null) {
    return sites
      .filter((s) => (s.getScriptNameOrSourceURL() ?? '').startsWith('wasm://'))
      .slice(0, max)
      .map((s) => frameText(String(s)));
  }
  // The stack was already formatted as text: the best that is left is its lines.
  if (typeof e.stack !== 'string') return [];
  return e.stack
    .split('\n')
    .filter((l) => l.includes('wasm://') || l.includes('wasm-function'))
    .slice(0, max)
    .map((l) => frameText(l.trim().replace(/^at /, '')));
}

/** V8 formats a stack on its first read, through Error.prepareStackTrace; null when it was read before. */
function callSites(e: Error): NodeJS.CallSite[] | null {
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = (_err, sites) => sites;
  try {
    const stack: unknown = e.stack;
    if (!Array.isArray(stack)) return null;
    const sites = stack as NodeJS.CallSite[];
    // What V8 would have made of it, for anyone who reads the error later.
    e.stack = [`${e.name}: ${e.message}`, ...sites.map((s) => `    at ${String(s)}`)].join('\n');
    return sites;
  } finally {
    Error.prepareStackTrace = saved;
  }
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
  return new WasmfnError('trap', `the function crashed its worker: ${escapeControl(cause?.message ?? 'unknown reason')}`);
}

/** One frame as it is shown: escaped, and cut to MAX_FRAME_CHARS. */
function frameText(frame: string): string {
  const cut = frame.length > MAX_FRAME_CHARS ? `${frame.slice(0, MAX_FRAME_CHARS)}…` : frame;
  return escapeControl(cut);
}

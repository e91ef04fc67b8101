// Whether a function may run on the HTTP thread: decided at deploy from its imports and tables, recorded in its metadata.
//
// A call that runs out of its short slice there is thrown away and run again from scratch in a worker, so running
// it inline must be invisible: every import it calls may act only on its own instance and its buffered output, and
// none may block the thread. Imports are judged against a list of those known to be so; anything else (a sleeping
// poll_oneoff, and any capability with an effect outside the instance: key-value, outbound HTTP) is not eligible.

import type { AbiName } from './types.js';
import { WASI_MODULE, type ImportDesc } from './detect.js';

export interface InlineEligibility {
  inline: boolean;
  /** Why not, or which ABI made it eligible; shown in the function's metadata. */
  reason: string;
}

/** WASI calls that may block the thread (poll_oneoff sleeps on clock subscriptions). */
const BLOCKING_WASI = new Set(['poll_oneoff']);

/** Imports of the SDK and loader ABIs whose only effect is on the instance or its buffered output. */
const PURE_IMPORTS: Record<string, ReadonlySet<string>> = {
  env: new Set(['abort', 'trace', 'seed', 'Date.now', 'console.log', 'console.debug', 'console.info', 'console.warn', 'console.error']),
  wasmfn: new Set(['request_len', 'request_read', 'response_write', 'log']),
};

function pure(i: ImportDesc): boolean {
  if (i.kind === 'memory') return i.module === 'env' && i.name === 'memory';
  if (i.kind !== 'function') return false;
  if (i.module === WASI_MODULE) return !BLOCKING_WASI.has(i.name);
  return PURE_IMPORTS[i.module]?.has(i.name) === true;
}

/**
 * Table elements a module may hold (all tables at their maximum, or their initial size where none is declared) past
 * which it runs in the pool: V8 allocates tables on the heap of the thread that instantiates them.
 */
export const INLINE_MAX_TABLE_ELEMENTS = 10_000;

export function inlineEligibility(abi: AbiName, imports: readonly ImportDesc[], tableElements: number): InlineEligibility {
  if (tableElements > INLINE_MAX_TABLE_ELEMENTS) {
    return { inline: false, reason: `its tables may hold ${tableElements} elements, more than ${INLINE_MAX_TABLE_ELEMENTS}` };
  }
  const effectful = imports.find((i) => !pure(i));
  if (effectful) {
    const why = effectful.module === WASI_MODULE && BLOCKING_WASI.has(effectful.name) ? 'may block the thread' : 'may act outside its instance';
    return { inline: false, reason: `imports "${effectful.module}"."${effectful.name}", which ${why}` };
  }
  return { inline: true, reason: `${abi} ABI with only instance-local imports` };
}

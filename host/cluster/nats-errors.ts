// NATS failures as the host's errors: a server that is gone or slow is `unavailable` (503, Retry-After).

import { WasmfnError } from '../errors.js';

export const RETRY_AFTER_S = 2;

export function asUnavailable(e: unknown): never {
  if (e instanceof WasmfnError) throw e;
  throw new WasmfnError('unavailable', `the cluster's NATS did not answer: ${(e as Error)?.message ?? String(e)}`, { retryAfterS: RETRY_AFTER_S });
}

/** A compare-and-set that found the key at another revision (JetStream API codes 10071 and 10164). */
export function isWrongLastSequence(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (code === 10071 || code === 10164) return true;
  const msg = String((e as Error)?.message ?? '');
  return /wrong last sequence/i.test(msg);
}

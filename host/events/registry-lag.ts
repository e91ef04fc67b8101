// In a cluster each replica's registry follows the shared one a moment behind, so an invocation queued on one
// replica right after a deploy may be pulled by another that has not seen the function (or that version) yet.
// Such an attempt is given back to come again a little later, for a bounded time after the invocation was queued;
// past that the replica's view is taken as the truth (not found ends it dead, another version runs it).

import type { Registry } from '../store/registry.js';
import type { Invocation } from './invocation.js';

/** The first wait; each later one doubles with the invocation's age, so few redeliveries cover the whole grace. */
const FIRST_WAIT_MS = 250;

/** How long to hold the invocation back before this replica tries it; 0 to run (or fail) it now. */
export async function registryLagMs(inv: Invocation, registry: Registry, graceMs: number, now = Date.now()): Promise<number> {
  if (graceMs <= 0) return 0;
  const age = now - inv.createdAt;
  if (age < 0 || age >= graceMs) return 0;
  const fn = registry.get(inv.function);
  if (fn) {
    // Only the first attempt of an invocation still names the version live when it was queued.
    if (fn.version === inv.version || inv.attemptBase > 0 || inv.attempts > 1) return 0;
    // A version this replica already replaced is not coming back: it is ahead, not behind.
    const known = await registry.versions(inv.function).catch(() => null);
    if (!known || known.history.includes(inv.version)) return 0;
  }
  return Math.min(graceMs - age, Math.max(FIRST_WAIT_MS, age));
}

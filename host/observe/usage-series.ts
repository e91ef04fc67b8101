// A function's usage as one point per minute (zeros where it was idle), for charts and sparklines.

import { MINUTE_MS, summarize, type UsageBucket } from './usage-buckets.js';

export interface SeriesPoint {
  /** Minute start, epoch ms. */
  t: number;
  invocations: number;
  outcomes: Record<string, number>;
  p50: number | null;
  p99: number | null;
  fuel: number;
  /** Memory cap in GiB x exec seconds, as the usage route's `gbSeconds.memoryCap`. */
  gbSeconds: number;
}

/** Minutes from the one holding `fromMs` to the one holding `toMs`; buckets wider than a minute are left out. */
export function minuteSeries(buckets: readonly UsageBucket[], fromMs: number, toMs: number): SeriesPoint[] {
  const first = fromMs - (fromMs % MINUTE_MS);
  const last = toMs - (toMs % MINUTE_MS);
  const byMinute = new Map<number, UsageBucket>();
  for (const b of buckets) if (b.spanMs === MINUTE_MS && b.t >= first && b.t <= last) byMinute.set(b.t, b);
  const out: SeriesPoint[] = [];
  for (let t = first; t <= last; t += MINUTE_MS) {
    const b = byMinute.get(t);
    if (!b) {
      out.push({ t, invocations: 0, outcomes: {}, p50: null, p99: null, fuel: 0, gbSeconds: 0 });
      continue;
    }
    const s = summarize([b], null, toMs);
    out.push({ t, invocations: b.invocations, outcomes: { ...b.outcomes }, p50: s.wallTimeMs.p50, p99: s.wallTimeMs.p99, fuel: b.fuel, gbSeconds: s.gbSeconds.memoryCap });
  }
  return out;
}

// A function's usage as one point per minute (zeros where it was idle), for charts and sparklines.

import { MINUTE_MS, emptyBucket, mergeInto, summarize, type UsageBucket } from './usage-buckets.js';

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
  for (const b of buckets) {
    if (b.spanMs !== MINUTE_MS || b.t < first || b.t > last) continue;
    // Several replicas' buckets of one minute add up.
    let m = byMinute.get(b.t);
    if (!m) byMinute.set(b.t, (m = emptyBucket(b.t, MINUTE_MS)));
    mergeInto(m, b);
  }
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

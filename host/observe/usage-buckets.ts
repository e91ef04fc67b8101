// Usage buckets: what one function used in a span of time, how spans roll up as they age, and their sum.

import type { InvocationRecord } from '../invocation/record.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const GIB = 1024 * 1024 * 1024;
const PAGE_BYTES = 65536;

/** Wall-time histogram bins: 20 per decade from 1 µs, so a percentile is off by at most ~12%. */
const BINS_PER_DECADE = 20;
const MAX_BIN = 10 * BINS_PER_DECADE; // 1 µs .. 10^4 s

export interface UsageBucket {
  /** Span start, epoch ms. */
  t: number;
  spanMs: number;
  invocations: number;
  outcomes: Record<string, number>;
  /** Sum of wall times as the HTTP route saw them (queue + instantiate + run + transfer to and from the worker). */
  wallMs: number;
  /** Sum of instantiate + run: the time a function actually held a worker. */
  execMs: number;
  fuel: number;
  /** Memory cap in GiB x exec seconds: what a platform billing by configured memory would charge. */
  gbSecondsCap: number;
  /** Peak memory in GiB x exec seconds: what the function really held. */
  gbSecondsPeak: number;
  bytesIn: number;
  bytesOut: number;
  /** Wall-time histogram, bin index -> count. */
  wallHist: Record<string, number>;
}

/** How long buckets of each span are kept before being merged into the next, coarser one. */
const TIERS: readonly { spanMs: number; keepMs: number }[] = [
  { spanMs: MINUTE_MS, keepMs: 6 * HOUR_MS },
  { spanMs: HOUR_MS, keepMs: 14 * DAY_MS },
  { spanMs: DAY_MS, keepMs: 730 * DAY_MS },
];

export function emptyBucket(t: number, spanMs: number): UsageBucket {
  return { t, spanMs, invocations: 0, outcomes: {}, wallMs: 0, execMs: 0, fuel: 0, gbSecondsCap: 0, gbSecondsPeak: 0, bytesIn: 0, bytesOut: 0, wallHist: {} };
}

export function wallBin(ms: number): number {
  if (!(ms > 0.001)) return 0;
  const bin = Math.floor(Math.log10(ms * 1000) * BINS_PER_DECADE);
  return bin > MAX_BIN ? MAX_BIN : bin;
}

/** The geometric middle of a bin, in ms. */
export function binValueMs(bin: number): number {
  return 10 ** ((bin + 0.5) / BINS_PER_DECADE) / 1000;
}

export function addRecord(b: UsageBucket, r: InvocationRecord): void {
  const execS = (r.instantiateMs + r.runMs) / 1000;
  const outcome = r.code ?? 'ok';
  b.invocations++;
  b.outcomes[outcome] = (b.outcomes[outcome] ?? 0) + 1;
  b.wallMs += r.totalMs;
  b.execMs += r.instantiateMs + r.runMs;
  if (r.fuelUsed !== null) b.fuel += r.fuelUsed;
  b.gbSecondsCap += ((r.memoryMb * 1024 * 1024) / GIB) * execS;
  b.gbSecondsPeak += ((r.peakPages * PAGE_BYTES) / GIB) * execS;
  b.bytesIn += r.bytesIn;
  b.bytesOut += r.bytesOut;
  const bin = wallBin(r.totalMs);
  b.wallHist[bin] = (b.wallHist[bin] ?? 0) + 1;
}

export function mergeInto(into: UsageBucket, b: UsageBucket): void {
  into.invocations += b.invocations;
  for (const k in b.outcomes) into.outcomes[k] = (into.outcomes[k] ?? 0) + b.outcomes[k]!;
  into.wallMs += b.wallMs;
  into.execMs += b.execMs;
  into.fuel += b.fuel;
  into.gbSecondsCap += b.gbSecondsCap;
  into.gbSecondsPeak += b.gbSecondsPeak;
  into.bytesIn += b.bytesIn;
  into.bytesOut += b.bytesOut;
  for (const k in b.wallHist) into.wallHist[k] = (into.wallHist[k] ?? 0) + b.wallHist[k]!;
}

/**
 * Rolls aged buckets up (minutes -> hours after 6 h, hours -> days after 14 days, days older than two years into
 * one archive bucket), so a function's file stays bounded (at most ~1,400 buckets) however long it runs.
 * Buckets that need no merge are kept as the same objects, so the live one stays valid.
 */
export function compact(buckets: UsageBucket[], nowMs: number): UsageBucket[] {
  const out = new Map<number, UsageBucket>();
  let archive: UsageBucket | null = null;
  for (const b of buckets) {
    const age = nowMs - (b.t + b.spanMs);
    const tier = TIERS.find((t) => age <= t.keepMs);
    if (!tier) {
      if (!archive) archive = emptyBucket(b.t, 0);
      const end = Math.max(archive.t + archive.spanMs, b.t + b.spanMs);
      archive.t = Math.min(archive.t, b.t);
      archive.spanMs = end - archive.t;
      mergeInto(archive, b);
      continue;
    }
    const span = Math.max(tier.spanMs, b.spanMs);
    const key = span === b.spanMs ? b.t : Math.floor(b.t / span) * span;
    const existing = out.get(key);
    if (!existing && span === b.spanMs) {
      out.set(key, b);
    } else {
      const target = existing ?? emptyBucket(key, span);
      if (!existing) out.set(key, target);
      mergeInto(target, b);
    }
  }
  const list = [...out.values()].sort((a, b) => a.t - b.t);
  return archive ? [archive, ...list] : list;
}

/** `YYYY-MM-DD`, or that with `THH:MM[:SS[.fraction]]` and `Z` or a `±HH:MM` offset (local times would depend on the host's zone). */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * Epoch ms of an ISO 8601 date or date-time, or null when it is anything else. Date.parse alone takes "foo 1" as
 * 2001-01-01 and rolls 2025-02-30 over into March.
 */
export function parseIsoDateTime(s: string): number | null {
  const m = ISO_DATE_TIME.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

export interface UsageSummary {
  /** Start of the earliest bucket counted (buckets overlapping `since` count whole), or null when empty. */
  from: string | null;
  to: string;
  invocations: { total: number; byOutcome: Record<string, number> };
  wallTimeMs: { total: number; p50: number | null; p90: number | null; p99: number | null };
  execTimeMs: { total: number };
  fuel: { total: number };
  gbSeconds: { memoryCap: number; peakMemory: number };
  bytes: { in: number; out: number };
}

export function summarize(buckets: readonly UsageBucket[], sinceMs: number | null, nowMs: number): UsageSummary {
  const sum = emptyBucket(0, 0);
  let from: number | null = null;
  for (const b of buckets) {
    if (sinceMs !== null && b.t + b.spanMs <= sinceMs) continue;
    if (b.invocations === 0) continue;
    if (from === null || b.t < from) from = b.t;
    mergeInto(sum, b);
  }
  const [p50, p90, p99] = percentiles(sum.wallHist, sum.invocations, [0.5, 0.9, 0.99]);
  return {
    from: from === null ? null : new Date(from).toISOString(),
    to: new Date(nowMs).toISOString(),
    invocations: { total: sum.invocations, byOutcome: sum.outcomes },
    wallTimeMs: { total: round(sum.wallMs, 3), p50: p50!, p90: p90!, p99: p99! },
    execTimeMs: { total: round(sum.execMs, 3) },
    fuel: { total: sum.fuel },
    gbSeconds: { memoryCap: round(sum.gbSecondsCap, 9), peakMemory: round(sum.gbSecondsPeak, 9) },
    bytes: { in: sum.bytesIn, out: sum.bytesOut },
  };
}

function percentiles(hist: Record<string, number>, total: number, qs: number[]): (number | null)[] {
  if (total === 0) return qs.map(() => null);
  const bins = Object.keys(hist).map(Number).sort((a, b) => a - b);
  return qs.map((q) => {
    const rank = Math.ceil(q * total);
    let seen = 0;
    for (const bin of bins) {
      seen += hist[bin]!;
      if (seen >= rank) return round(binValueMs(bin), 3);
    }
    return round(binValueMs(bins[bins.length - 1]!), 3);
  });
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

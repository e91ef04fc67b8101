// Percentiles, round medians and CDF points over timing samples (microseconds).

import type { Summary } from './results.js';

export const EMPTY_SUMMARY: Summary = { p50: null, p90: null, p99: null, max: null, mean: null, n: 0 };

/** Nearest-rank percentile of ascending samples: no interpolation, so p99 is a value that really occurred. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

function sortedCopy(samples: ArrayLike<number>): Float64Array {
  return Float64Array.from(samples).sort();
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function summarize(samples: ArrayLike<number>): Summary {
  if (samples.length === 0) return { ...EMPTY_SUMMARY };
  const s = sortedCopy(samples);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]!;
  return {
    p50: round3(percentile(s, 50)),
    p90: round3(percentile(s, 90)),
    p99: round3(percentile(s, 99)),
    max: round3(s[s.length - 1]!),
    mean: round3(sum / s.length),
    n: s.length,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Median across rounds of each round's percentiles, so one noisy round (a neighbour's burst, a GC storm)
 * cannot move the figure; max is over all samples, because GC spikes must stay visible.
 */
export function summarizeRounds(rounds: ArrayLike<number>[]): Summary {
  const filled = rounds.filter((r) => r.length > 0).map(summarize);
  if (filled.length === 0) return { ...EMPTY_SUMMARY };
  const pick = (k: 'p50' | 'p90' | 'p99' | 'mean'): number => round3(median(filled.map((f) => f[k]!)));
  return {
    p50: pick('p50'),
    p90: pick('p90'),
    p99: pick('p99'),
    max: Math.max(...filled.map((f) => f.max!)),
    mean: pick('mean'),
    n: filled.reduce((a, f) => a + f.n, 0),
  };
}

/**
 * Quantile levels for the CDF: fine steps in the tail (to 99.99%), where GC pauses and scheduler hiccups live,
 * but never past what the sample count can resolve; the max closes the curve at 1.
 */
function cdfLevels(n: number): number[] {
  const levels: number[] = [];
  const add = (from: number, to: number, step: number): void => {
    for (let i = Math.round(from / step); i < Math.round(to / step); i++) levels.push(i * step);
  };
  add(0, 0.9, 0.01);
  add(0.9, 0.99, 0.001);
  add(0.99, 0.999, 0.0001);
  add(0.999, 0.9999, 0.00001);
  return levels.filter((q) => q <= 1 - 1 / n).map((q) => Number(q.toFixed(5)));
}

/** [quantile 0..1, value] pairs of all samples, from the min (0) to the max (1). */
export function cdfPoints(samples: ArrayLike<number>): [number, number][] {
  if (samples.length === 0) return [];
  const s = sortedCopy(samples);
  const out: [number, number][] = cdfLevels(s.length).map((q) => [q, round3(q === 0 ? s[0]! : percentile(s, q * 100))]);
  out.push([1, round3(s[s.length - 1]!)]);
  return out;
}

export function countAbove(samples: ArrayLike<number>, limit: number): number {
  let n = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i]! > limit) n++;
  return n;
}

/** All rounds' samples in one array. */
export function concat(rounds: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(rounds.reduce((a, r) => a + r.length, 0));
  let at = 0;
  for (const r of rounds) {
    out.set(r as ArrayLike<number>, at);
    at += r.length;
  }
  return out;
}

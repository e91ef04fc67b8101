// The comparisons the HTTP part exists for, each within one run: `/fn/hello` against the constant route (req/s at
// every concurrency, p50 at one connection), and the loader-form module on wasmfn against the same on workerd.

import { sig3 } from './format.js';
import type { HttpResult, HttpTarget } from './results.js';

export interface HttpRatio {
  /** `of` divided by `to`: above 1 means `of` has more req/s, or a longer p50. */
  of: HttpTarget;
  to: HttpTarget;
  metric: 'req/s' | 'p50';
  concurrency: number;
  value: number;
}

const PAIRS: { of: HttpTarget; to: HttpTarget; metric: HttpRatio['metric']; onlyAt?: number }[] = [
  { of: 'wasmfn', to: 'hono', metric: 'req/s' },
  { of: 'wasmfn', to: 'hono', metric: 'p50', onlyAt: 1 },
  { of: 'sandbox', to: 'hono', metric: 'req/s' },
  { of: 'sandbox', to: 'hono', metric: 'p50', onlyAt: 1 },
  { of: 'sandbox-reset', to: 'hono', metric: 'req/s' },
  { of: 'sandbox-reset', to: 'hono', metric: 'p50', onlyAt: 1 },
  { of: 'sandbox-empty', to: 'hono', metric: 'req/s' },
  { of: 'sandbox-instance', to: 'hono', metric: 'req/s' },
  { of: 'wasmfn', to: 'sandbox', metric: 'req/s' },
  { of: 'wasmfn-loader', to: 'workerd', metric: 'req/s' },
];

function figure(h: HttpResult, metric: HttpRatio['metric']): number | null {
  return metric === 'req/s' ? h.requestsPerSec : h.latencyMs.p50;
}

/** Every ratio whose two sides were both measured. */
export function httpRatios(http: HttpResult[]): HttpRatio[] {
  const at = (target: HttpTarget, c: number): HttpResult | undefined =>
    http.find((h) => h.target === target && h.concurrency === c && !h.skipped);
  const concurrencies = [...new Set(http.map((h) => h.concurrency))];
  return PAIRS.flatMap(({ of, to, metric, onlyAt }) => concurrencies.flatMap((concurrency) => {
    if (onlyAt !== undefined && concurrency !== onlyAt) return [];
    const a = at(of, concurrency);
    const b = at(to, concurrency);
    const x = a && figure(a, metric);
    const y = b && figure(b, metric);
    return typeof x === 'number' && typeof y === 'number' && y > 0 ? [{ of, to, metric, concurrency, value: sig3(x / y) }] : [];
  }));
}

/** One line per pair, e.g. "wasmfn / hono, req/s: c=1 0.40x, c=50 0.27x". */
export function ratioLines(ratios: HttpRatio[]): string[] {
  const groups = new Map<string, HttpRatio[]>();
  for (const r of ratios) {
    const key = `${r.of} / ${r.to}, ${r.metric}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups].map(([key, rs]) => `${key}: ${rs.map((r) => `c=${r.concurrency} ${r.value.toFixed(2)}x`).join(', ')}`);
}

// One autocannon run against a URL, with every response's latency recorded at full (µs) resolution.

import autocannon from 'autocannon';
import { summarize } from './stats.js';
import type { HttpResult } from './results.js';

export interface LoadRun {
  requestsPerSec: number;
  latencyMs: HttpResult['latencyMs'];
  requests: number;
  errors: number;
  non2xx: number;
  durationS: number;
}

/**
 * autocannon's own histogram keeps whole milliseconds, which flattens sub-millisecond latencies to 0 or 1;
 * its per-response event carries the exact time, so percentiles are computed from those.
 */
export interface LoadRequest {
  url: string;
  method: 'GET' | 'POST';
  /** Sent as text/plain with every request. */
  body?: string;
}

export function load(req: LoadRequest, connections: number, durationS: number): Promise<LoadRun> {
  const latencies: number[] = [];
  const request = req.body === undefined
    ? { method: req.method }
    : { method: req.method, body: req.body, headers: { 'content-type': 'text/plain; charset=utf-8' } };
  return new Promise<LoadRun>((resolve, reject) => {
    const instance = autocannon({ url: req.url, connections, duration: durationS, pipelining: 1, timeout: 10, ...request }, (err, result) => {
      if (err) return reject(err);
      const s = summarize(latencies);
      resolve({
        requestsPerSec: Math.round((result['2xx'] / Math.max(result.duration, 1e-3)) * 10) / 10,
        latencyMs: { p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, mean: s.mean },
        requests: result.requests.total,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        durationS: result.duration,
      });
    });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
    });
  });
}

// The terminal form of the results: cold starts with ratios to wasmfn, deploy phases, HTTP.

import type { BenchResults } from './results.js';
import { cpuTotalUs, fmtInt, fmtMs, fmtRatio, fmtUs } from './format.js';
import { ratioLines } from './http-ratios.js';

function table(head: string[], rows: string[][], rightFrom = 1): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderTable(r: BenchResults): string {
  const out: string[] = [];
  const notes: string[] = [];
  if (r.contenders.length > 0) {
    out.push(`Cold start: one request in a fresh isolate, µs (median of ${r.options.rounds} rounds; max over all samples)`);
    out.push(table(
      ['contender', 'isolation', 'p50', 'p99', 'max', 'p50 vs wasmfn', 'p99 vs wasmfn', '>10x p50', 'n'],
      r.contenders.map((c) => {
        if (c.skipped) notes.push(`${c.name}: ${c.skipped}`);
        return c.skipped
          ? [c.name, c.isolation, '-', '-', '-', '-', '-', '-', 'skipped']
          : [c.host ? `${c.name} *` : c.name, c.isolation, fmtUs(c.coldStartUs.p50), fmtUs(c.coldStartUs.p99), fmtUs(c.coldStartUs.max),
            fmtRatio(c.ratioP50), fmtRatio(c.ratioP99), String(c.outliers10x), String(c.coldStartUs.n)];
      }),
      2,
    ));
  }
  const withPhases = r.contenders.filter((c) => c.phasesUs);
  if (withPhases.length > 0) {
    out.push('', 'First request after a deploy (fresh bytes, cold V8 cache), p50 µs per phase');
    out.push(table(
      ['contender', 'phases'],
      withPhases.map((c) => [c.name, Object.entries(c.phasesUs!).map(([k, v]) => `${k} ${fmtUs(v.p50)}`).join(' · ')]),
      9,
    ));
  }
  if (r.http.length > 0) {
    out.push('', 'HTTP end to end (autocannon, keep-alive), latency ms');
    out.push(table(
      ['target', 'isolation', 'request', 'connections', 'req/s', 'p50', 'p90', 'p99', 'max', 'errors'],
      r.http.map((h) => {
        const request = `${h.method} ${h.path}`;
        if (h.skipped) notes.push(`http ${h.target}: ${h.skipped}`);
        return h.skipped
          ? [h.target, h.isolation, request, String(h.concurrency), '-', '-', '-', '-', '-', 'skipped']
          : [h.target, h.isolation, request, String(h.concurrency), fmtInt(h.requestsPerSec), fmtMs(h.latencyMs.p50), fmtMs(h.latencyMs.p90),
            fmtMs(h.latencyMs.p99), fmtMs(h.latencyMs.max), String(h.errors + h.non2xx)];
      }),
      3,
    ));
    const ratios = ratioLines(r.httpRatios);
    if (ratios.length) out.push('', 'Ratios within this run (req/s: above 1 is faster; p50: above 1 is slower)', ...ratios);
    const withCpu = r.http.filter((h) => h.cpuPerRequest);
    if (withCpu.length) {
      out.push('', `CPU per request, µs (from /proc; the servers and the load generator share the ${r.machine.cores} cores)`);
      out.push(table(
        ['target', 'connections', 'server main', 'server other', 'load generator', 'total', 'switches/req'],
        withCpu.map((h) => {
          const c = h.cpuPerRequest!;
          return [h.target, String(h.concurrency), fmtUs(c.serverMainUs), fmtUs(c.serverOtherUs), fmtUs(c.loadGeneratorUs),
            fmtUs(cpuTotalUs(c)), c.switches.toFixed(2)];
        }),
      ));
    }
  }
  if (notes.length > 0) out.push('', ...[...new Set(notes)].map((n) => `note: ${n}`));
  return out.join('\n');
}

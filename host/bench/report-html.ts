// report.html: one self-contained page (inline CSS and SVG, no scripts, no network) from results.json.

import type { BenchResults, ContenderResult, HttpResult } from './results.js';
import { cdfChart, httpBars, percentileBars } from './charts-svg.js';
import { cpuTotalUs, fmtInt, fmtMs, fmtRatio, fmtUs } from './format.js';
import { escapeHtml as e } from './html-escape.js';
import { ratioLines } from './http-ratios.js';

const onHost = (h: HttpResult): boolean => h.target === 'wasmfn' || h.target === 'wasmfn-loader';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .5rem;border-bottom:1px solid #eee;text-align:right;vertical-align:top}
th:first-child,td:first-child,td.l,th.l{text-align:left}tr.host td{background:#fff4f2;font-weight:600}
.muted{color:#666}.small{font-size:12px}code{background:#f4f4f4;padding:0 .25rem;border-radius:3px}
svg text{font:12px system-ui,sans-serif;fill:#333}svg .label{fill:#666}svg .grid{stroke:#ccc;stroke-width:1}svg .grid.minor{stroke:#eee}
`;

function coldRow(c: ContenderResult): string {
  const s = c.coldStartUs;
  if (c.skipped) return `<tr><td>${e(c.name)}</td><td class="l">${e(c.isolation)}</td><td class="l muted" colspan="10">${e(c.skipped)}</td></tr>`;
  return `<tr${c.host ? ' class="host"' : ''}><td>${e(c.name)}</td><td class="l">${e(c.isolation)}</td>` +
    [s.p50, s.p90, s.p99, s.max, s.mean].map((v) => `<td>${fmtUs(v)}</td>`).join('') +
    `<td>${fmtRatio(c.ratioP50)}</td><td>${fmtRatio(c.ratioP99)}</td><td>${c.outliers10x}</td>` +
    `<td>${c.gc.count} / ${fmtMs(c.gc.totalMs)} ms</td><td>${fmtInt(s.n)}</td></tr>`;
}

function phasesTable(contenders: ContenderResult[]): string {
  const rows = contenders.filter((c) => c.phasesUs);
  if (rows.length === 0) return '<p class="muted">No deploy phases measured.</p>';
  return `<table><tr><th>contender</th><th class="l">phase</th><th>p50 µs</th><th>p99 µs</th><th>max µs</th><th>n</th></tr>` +
    rows.flatMap((c) => Object.entries(c.phasesUs!).map(([k, v], i) =>
      `<tr${c.host ? ' class="host"' : ''}><td>${i === 0 ? e(c.name) : ''}</td><td class="l">${e(k)}</td><td>${fmtUs(v.p50)}</td><td>${fmtUs(v.p99)}</td><td>${fmtUs(v.max)}</td><td>${v.n}</td></tr>`)).join('') +
    '</table>';
}

function httpTable(r: BenchResults): string {
  if (r.http.length === 0) return '<p class="muted">HTTP part not run.</p>';
  return `<table><tr><th>target</th><th class="l">isolation</th><th class="l">request</th><th>connections</th><th>req/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>requests</th><th>errors + non-2xx</th></tr>` +
    r.http.map((h) => h.skipped
      ? `<tr><td>${e(h.target)}</td><td class="l">${e(h.isolation)}</td><td class="l">${e(`${h.method} ${h.path}`)}</td><td>${h.concurrency}</td><td class="l muted" colspan="7">${e(h.skipped)}</td></tr>`
      : `<tr${onHost(h) ? ' class="host"' : ''}><td>${e(h.target)}</td><td class="l">${e(h.isolation)}</td><td class="l"><code>${e(`${h.method} ${h.path}`)}</code></td><td>${h.concurrency}</td><td>${fmtInt(h.requestsPerSec)}</td>` +
        [h.latencyMs.p50, h.latencyMs.p90, h.latencyMs.p99, h.latencyMs.max].map((v) => `<td>${fmtMs(v)}</td>`).join('') +
        `<td>${fmtInt(h.requests)}</td><td>${h.errors + h.non2xx}</td></tr>`).join('') +
    '</table>';
}

function cpuTable(r: BenchResults): string {
  const rows = r.http.filter((h) => h.cpuPerRequest);
  if (rows.length === 0) return '';
  return `<p>CPU time per request from <code>/proc</code>, by thread. The servers and the load generator share the ${r.machine.cores} cores, so once every core is busy, req/s follows the total.</p>` +
    `<table><tr><th>target</th><th>connections</th><th>server main µs</th><th>server other threads µs</th><th>load generator µs</th><th>total µs</th><th>context switches</th></tr>` +
    rows.map((h) => {
      const c = h.cpuPerRequest!;
      return `<tr${onHost(h) ? ' class="host"' : ''}><td>${e(h.target)}</td><td>${h.concurrency}</td>` +
        [c.serverMainUs, c.serverOtherUs, c.loadGeneratorUs, cpuTotalUs(c)].map((v) => `<td>${fmtUs(v)}</td>`).join('') +
        `<td>${c.switches.toFixed(2)}</td></tr>`;
    }).join('') +
    '</table>';
}

export function renderHtml(r: BenchResults): string {
  const m = r.machine;
  const o = r.options;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>wasmfn cold-start benchmark, ${e(r.startedAt)}</title><style>${CSS}</style></head><body>
<h1>wasmfn cold-start benchmark</h1>
<p class="muted">${e(r.startedAt)} · ${e(m.cpu)}, ${m.cores} cores, ${fmtInt(m.memoryMb)} MiB · Node ${e(m.node)} (V8 ${e(m.v8)}) · ${e(m.os)} · load average at start ${m.loadAvgAtStart.join(' / ')}${o.quick ? ' · <b>quick run</b>' : ''}</p>
<p>Every contender runs the same logic (${e(r.workload)}) and isolates each request its own way.
A cold start is one request on an already deployed function in a fresh isolate: create it, call once, get the answer.
Method: a warm-up, then ${o.rounds} rounds in rotating order (${fmtInt(o.iterations)} samples per round, ${fmtInt(o.slowIterations)} for thread and process contenders);
percentiles are the median of the rounds' percentiles, max is over all samples, and nothing is dropped: samples above 10× p50 are counted and garbage collections during each contender's rounds are listed.
Ratios compare with wasmfn (1.00 = same; above 1 = slower).</p>

<h2>Cold start per request</h2>
<table><tr><th>contender</th><th class="l">isolation</th><th>p50 µs</th><th>p90 µs</th><th>p99 µs</th><th>max µs</th><th>mean µs</th><th>p50 vs wasmfn</th><th>p99 vs wasmfn</th><th>&gt;10× p50</th><th>GCs / time</th><th>n</th></tr>
${r.contenders.map(coldRow).join('\n')}
</table>
<h3>Latency distribution (CDF, log scale)</h3>
${cdfChart(r.contenders)}
<h3>p50 (bar) and p99 (whisker)</h3>
${percentileBars(r.contenders)}

<h2>First request after a deploy</h2>
<p>Fresh module bytes every sample (a unique custom section, or a unique comment for JavaScript) so V8's compile cache misses; compiles are synchronous.
Phases that do not exist for a contender are absent; thread and process contenders have their own.</p>
${phasesTable(r.contenders)}

<h2>HTTP end to end</h2>
${r.http.length === 0 ? '' : `<p>On the running wasmfn host (default options, its worker pool): <code>hello</code> (SDK ABI) against a constant-response Hono route,
and the loader-form <code>bench-greet</code> module (<code>handle(string): string</code>, called with the request body) against workerd running the same module
in a JS worker that instantiates it per request. <code>sandbox</code> is the constant route's server running <code>hello</code> per request through the host's sandbox alone
(fresh instance, pooled memory, fuel; none of the host's request ids, logs, metrics or usage); <code>sandbox-reset</code> runs it in one kept instance whose memory and globals
are put back before each call, a design wasmfn does not use, for what per-call instantiation costs; <code>sandbox-empty</code> instantiates the emptiest module
(an imported memory, one exported function that does nothing) per request and calls it: the least a fresh instance per request costs on V8, whatever the guest;
<code>sandbox-instance</code> makes a fresh instance of <code>hello</code> per request and does not run it: the least a fresh instance of this guest costs.
Each server in its own process, loaded by autocannon (keep-alive, ${o.httpDurationS} s per point) from the bench process, on the same cores.</p>`}
${httpTable(r)}
${r.httpRatios.length === 0 ? '' : `<p>Ratios within this run (req/s: above 1 is faster; p50: above 1 is slower):</p><ul>${ratioLines(r.httpRatios).map((l) => `<li>${e(l)}</li>`).join('')}</ul>`}
${cpuTable(r)}
${httpBars(r.http)}

<h2>What each contender stands for</h2>
<table><tr><th>contender</th><th class="l">isolation</th><th class="l">what it is</th></tr>
${r.contenders.map((c) => `<tr><td>${e(c.name)}</td><td class="l">${e(c.isolation)}</td><td class="l">${e(c.description)}</td></tr>`).join('\n')}
</table>
<p class="small muted">Round p50s (µs): ${r.contenders.filter((c) => !c.skipped).map((c) => `${e(c.name)} ${c.roundP50sUs.map(fmtUs).join(' / ')}`).join(' · ')}</p>
<p class="small muted">Reproduce: <code>npm run bench${o.quick ? ' -- --quick' : ''}</code>. Raw figures: results.json next to this file.</p>
</body></html>
`;
}

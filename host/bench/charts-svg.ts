// Inline SVG charts for the report: latency CDFs and p50/p99 bars on a log scale, HTTP throughput bars.

import type { ContenderResult, HttpResult } from './results.js';
import { fmtInt } from './format.js';
import { escapeHtml } from './html-escape.js';

const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];

export function colorOf(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

function usLabel(us: number): string {
  if (us >= 1e6) return `${us / 1e6} s`;
  if (us >= 1e3) return `${us / 1e3} ms`;
  return `${us} µs`;
}

/** log10 axis covering [lo, hi] in whole decades. */
function decades(lo: number, hi: number): { from: number; to: number } {
  const from = Math.floor(Math.log10(Math.max(lo, 0.01)));
  return { from, to: Math.max(from + 1, Math.ceil(Math.log10(Math.max(hi, 0.01)))) };
}

interface Frame { w: number; h: number; left: number; right: number; top: number; bottom: number }

function logXAxis(f: Frame, d: { from: number; to: number }): { x: (us: number) => number; svg: string } {
  const plotW = f.w - f.left - f.right;
  const x = (us: number): number => f.left + ((Math.log10(Math.max(us, 10 ** d.from)) - d.from) / (d.to - d.from)) * plotW;
  let svg = '';
  for (let e = d.from; e <= d.to; e++) {
    const xx = x(10 ** e);
    svg += `<line x1="${xx}" y1="${f.top}" x2="${xx}" y2="${f.h - f.bottom}" class="grid"/>`;
    svg += `<text x="${xx}" y="${f.h - f.bottom + 16}" text-anchor="middle">${usLabel(10 ** e)}</text>`;
    if (e < d.to) for (let k = 2; k < 10; k++) {
      const xm = x(k * 10 ** e);
      svg += `<line x1="${xm}" y1="${f.top}" x2="${xm}" y2="${f.h - f.bottom}" class="grid minor"/>`;
    }
  }
  return { x, svg };
}

/**
 * Height share (0..1) of a quantile: 0-90% linear on the lower 40%, then 99%, 99.9%, 99.99% equally spaced
 * above it, so both the body and the tail of a distribution are readable.
 */
const TOP_NINES = 4;
function heightOf(q: number): number {
  if (q < 0.9) return (q / 0.9) * 0.4;
  const nines = q >= 1 ? TOP_NINES : Math.min(TOP_NINES, -Math.log10(1 - q));
  return 0.4 + ((nines - 1) / (TOP_NINES - 1)) * 0.6;
}

/** Each contender's cold-start distribution: share of requests (y, tail stretched) done within a latency (x, log). */
export function cdfChart(contenders: ContenderResult[]): string {
  const shown = contenders.map((c, i) => ({ c, color: colorOf(i) })).filter(({ c }) => c.cdfUs.length > 1);
  if (shown.length === 0) return '<p>No samples.</p>';
  const all = shown.flatMap(({ c }) => c.cdfUs.map(([, us]) => us));
  const f: Frame = { w: 900, h: 440, left: 64, right: 170, top: 16, bottom: 40 };
  const axis = logXAxis(f, decades(Math.min(...all), Math.max(...all)));
  const plotH = f.h - f.top - f.bottom;
  const y = (q: number): number => f.top + (1 - heightOf(q)) * plotH;
  let svg = axis.svg;
  const ticks: [number, string][] = [[0, '0%'], [0.25, '25%'], [0.5, '50%'], [0.75, '75%'], [0.9, '90%'], [0.99, '99%'], [0.999, '99.9%'], [0.9999, '99.99%']];
  for (const [q, label] of ticks) {
    svg += `<line x1="${f.left}" y1="${y(q)}" x2="${f.w - f.right}" y2="${y(q)}" class="grid${q === 0.5 || q === 0.99 ? '' : ' minor'}"/>`;
    svg += `<text x="${f.left - 6}" y="${y(q) + 4}" text-anchor="end">${label}</text>`;
  }
  shown.forEach(({ c, color }, i) => {
    // The max (quantile 1) is drawn at the top line: past the last quantile the samples can resolve.
    const pts = c.cdfUs.map(([q, us]) => `${axis.x(us).toFixed(1)},${y(q).toFixed(1)}`).join(' ');
    svg += `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="${c.host ? 3 : 1.6}" stroke-linejoin="round"><title>${escapeHtml(c.name)}</title></polyline>`;
    const ly = f.top + 14 + i * 20;
    svg += `<line x1="${f.w - f.right + 12}" y1="${ly - 4}" x2="${f.w - f.right + 32}" y2="${ly - 4}" stroke="${color}" stroke-width="${c.host ? 3 : 2}"/>`;
    svg += `<text x="${f.w - f.right + 38}" y="${ly}">${escapeHtml(c.name)}</text>`;
  });
  svg += `<text x="${f.left + (f.w - f.left - f.right) / 2}" y="${f.h - 4}" text-anchor="middle" class="label">cold-start latency (log scale); each line ends at its max</text>`;
  return `<svg viewBox="0 0 ${f.w} ${f.h}" width="100%" role="img" aria-label="Cold-start latency CDF per contender">${svg}</svg>`;
}

/** p50 bar with a p99 whisker per contender, log scale, so µs and tens of ms fit on one chart. */
export function percentileBars(contenders: ContenderResult[]): string {
  const rows = contenders.map((c, i) => ({ c, color: colorOf(i) })).filter(({ c }) => c.coldStartUs.p50 !== null);
  if (rows.length === 0) return '';
  const f: Frame = { w: 900, h: 40 + rows.length * 30, left: 130, right: 30, top: 8, bottom: 32 };
  const d = decades(Math.min(...rows.map(({ c }) => c.coldStartUs.p50!)), Math.max(...rows.map(({ c }) => c.coldStartUs.p99!)));
  const axis = logXAxis(f, d);
  let svg = axis.svg;
  rows.forEach(({ c, color }, i) => {
    const yy = f.top + i * 30 + 6;
    const x0 = axis.x(10 ** d.from);
    svg += `<text x="${f.left - 8}" y="${yy + 13}" text-anchor="end"${c.host ? ' font-weight="bold"' : ''}>${escapeHtml(c.name)}</text>`;
    svg += `<rect x="${x0}" y="${yy}" width="${Math.max(1, axis.x(c.coldStartUs.p50!) - x0)}" height="18" fill="${color}" opacity="0.85"><title>p50 ${c.coldStartUs.p50} µs</title></rect>`;
    const xp = axis.x(c.coldStartUs.p99!);
    svg += `<line x1="${axis.x(c.coldStartUs.p50!)}" y1="${yy + 9}" x2="${xp}" y2="${yy + 9}" stroke="#333"/>`;
    svg += `<line x1="${xp}" y1="${yy + 2}" x2="${xp}" y2="${yy + 16}" stroke="#333" stroke-width="2"><title>p99 ${c.coldStartUs.p99} µs</title></line>`;
  });
  return `<svg viewBox="0 0 ${f.w} ${f.h}" width="100%" role="img" aria-label="p50 and p99 cold start per contender">${svg}</svg>`;
}

/** The smallest 1, 2, 2.5 or 5 times a power of ten at or above x, for round axis ticks. */
function niceCeil(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((v) => v >= x)!;
}

/** Requests per second at each concurrency, the targets side by side in the order of the table. */
export function httpBars(http: HttpResult[]): string {
  const rows = http.filter((h) => !h.skipped);
  if (rows.length === 0) return '';
  const concurrencies = [...new Set(rows.map((h) => h.concurrency))];
  const targets = [...new Set(rows.map((h) => h.target))];
  const barW = 0.7 / targets.length;
  const max = niceCeil(Math.max(...rows.map((h) => h.requestsPerSec)));
  const f: Frame = { w: 900, h: 300, left: 70, right: 120, top: 16, bottom: 40 };
  const plotH = f.h - f.top - f.bottom;
  const groupW = (f.w - f.left - f.right) / concurrencies.length;
  let svg = '';
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    const yy = f.top + plotH - (v / max) * plotH;
    svg += `<line x1="${f.left}" y1="${yy}" x2="${f.w - f.right}" y2="${yy}" class="grid minor"/><text x="${f.left - 6}" y="${yy + 4}" text-anchor="end">${fmtInt(v)}</text>`;
  }
  concurrencies.forEach((c, gi) => {
    targets.forEach((t, ti) => {
      const h = rows.find((r) => r.concurrency === c && r.target === t);
      if (!h) return;
      const bh = (h.requestsPerSec / max) * plotH;
      const x = f.left + gi * groupW + groupW * 0.15 + ti * groupW * barW;
      svg += `<rect x="${x}" y="${f.top + plotH - bh}" width="${groupW * barW * 0.94}" height="${bh}" fill="${colorOf(ti)}"><title>${t} c=${c}: ${fmtInt(h.requestsPerSec)} req/s</title></rect>`;
      svg += `<text x="${x + groupW * barW * 0.47}" y="${f.top + plotH - bh - 4}" text-anchor="middle">${fmtInt(h.requestsPerSec)}</text>`;
    });
    svg += `<text x="${f.left + gi * groupW + groupW / 2}" y="${f.h - f.bottom + 16}" text-anchor="middle">${c} connection${c === 1 ? '' : 's'}</text>`;
  });
  targets.forEach((t, ti) => {
    svg += `<rect x="${f.w - f.right + 14}" y="${f.top + ti * 20}" width="14" height="12" fill="${colorOf(ti)}"/><text x="${f.w - f.right + 34}" y="${f.top + ti * 20 + 11}">${t}</text>`;
  });
  svg += `<text x="14" y="${f.top + plotH / 2}" transform="rotate(-90 14 ${f.top + plotH / 2})" text-anchor="middle" class="label">requests/s</text>`;
  return `<svg viewBox="0 0 ${f.w} ${f.h}" width="100%" role="img" aria-label="HTTP requests per second">${svg}</svg>`;
}

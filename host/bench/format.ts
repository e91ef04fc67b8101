// Number formatting shared by the terminal table and the HTML report.

import type { CpuPerRequest } from './thread-cpu.js';

export function fmtUs(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '-';
  if (x < 10) return x.toFixed(2);
  if (x < 100) return x.toFixed(1);
  return Math.round(x).toLocaleString('en-US');
}

export function fmtMs(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '-';
  if (x < 1) return x.toFixed(3);
  if (x < 10) return x.toFixed(2);
  return x.toFixed(1);
}

export function fmtRatio(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '-';
  if (x < 0.1) return `×${x.toPrecision(2)}`;
  if (x < 10) return `×${x.toFixed(2)}`;
  return `×${Math.round(x).toLocaleString('en-US')}`;
}

export function fmtInt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** Three significant digits, for ratios kept in results.json. */
export function sig3(x: number): number {
  return Number(x.toPrecision(3));
}

/** All CPU one request took, on both sides of the socket. */
export function cpuTotalUs(c: CpuPerRequest): number {
  return Math.round((c.serverMainUs + c.serverOtherUs + c.loadGeneratorUs) * 10) / 10;
}

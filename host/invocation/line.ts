// The invocation log line, built by hand in pino's format (level, epoch-ms time, fields, msg). Shared by the main
// thread and the sandbox workers: a worker formats the line of each invocation it runs, so the main thread (the
// host's bottleneck) only appends it (docs/design.md, observability on the hot path).

import type { InvocationRecord } from './record.js';
import { escapeJsonControls } from '../control-chars.js';

/** pino's numeric levels for invocation lines, or null where that level is off. */
export interface LineLevels {
  info: number | null;
  warn: number | null;
}

/** To µs; a non-finite number would make the line invalid JSON, so it becomes null. */
const us = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(3) : 'null');
const str = JSON.stringify;

export type LineFacts = Omit<InvocationRecord, 'time' | 'memoryMb' | 'logs' | 'line'>;

/**
 * The line with its newline, or '' when its level is off. Strings a caller can influence go through
 * JSON.stringify, and the line then through escapeJsonControls for what JSON.stringify leaves raw; the function name
 * (NAME_RE) and version (hex) cannot need escaping. Durations are checked to be finite; counts are integers the
 * host made.
 */
export function invocationLine(r: LineFacts, levels: LineLevels, nowMs = Date.now()): string {
  const failed = r.code !== null;
  const level = failed ? levels.warn : levels.info;
  if (level === null) return '';
  const msg = `${r.method} /fn/${r.function}${r.path} ${r.status}${failed ? ` ${r.code}` : ''}`;
  const error = failed ? `,"error":${str({ message: r.message ?? '', trapStack: r.trapStack ?? [] })}` : '';
  return escapeJsonControls(`{"level":${level},"time":${nowMs},"event":"invocation"`
    + `,"requestId":${str(r.requestId)},"function":"${r.function}","version":"${r.version}"`
    + `,"method":${str(r.method)},"path":${str(r.path)},"status":${r.status},"code":${failed ? str(r.code) : 'null'}`
    + `,"queueMs":${us(r.queueMs)},"instantiateMs":${us(r.instantiateMs)},"runMs":${us(r.runMs)},"totalMs":${us(r.totalMs)}`
    + `,"fuelUsed":${r.fuelUsed ?? 'null'},"peakPages":${r.peakPages},"bytesIn":${r.bytesIn},"bytesOut":${r.bytesOut}`
    + `${error}${r.trigger ? `,"trigger":${str(r.trigger)}` : ''},"msg":${str(msg)}}\n`);
}

// One invocation as the logs route shows it.

import type { InvocationRecord } from '../invocation/record.js';

const us = (ms: number) => Math.round(ms * 1000) / 1000;

export function invocationEntry(seq: number, r: InvocationRecord) {
  return {
    seq,
    requestId: r.requestId,
    time: new Date(r.time).toISOString(),
    version: r.version,
    method: r.method,
    path: r.path,
    status: r.status,
    code: r.code,
    ...(r.code !== null ? { message: r.message ?? '', trapStack: r.trapStack ?? [] } : {}),
    durationsMs: { queue: us(r.queueMs), instantiate: us(r.instantiateMs), run: us(r.runMs), total: us(r.totalMs) },
    fuelUsed: r.fuelUsed,
    peakPages: r.peakPages,
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
    logs: r.logs,
  };
}

export type LogEntry = ReturnType<typeof invocationEntry> & { replica?: string };

export function toLogEntry(e: { seq: number; record: InvocationRecord }): LogEntry {
  return invocationEntry(e.seq, e.record);
}

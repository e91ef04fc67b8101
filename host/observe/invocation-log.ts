// Writes an invocation to the host log: one structured line, the guest's own lines tagged with the request id,
// and a failure's wasm stack (which only the log and the admin logs endpoint ever see, never the caller).

import type { Logger } from './logger.js';
import type { InvocationRecord } from './invocation.js';

const us = (ms: number) => Math.round(ms * 1000) / 1000;

export class InvocationLog {
  /** A child logger per function with its name and live version pre-serialised: ~1 µs less per line. */
  private readonly children = new Map<string, { version: string; log: Logger }>();

  constructor(private readonly log: Logger) {}

  write(r: InvocationRecord): void {
    const failed = r.code !== null;
    const log = this.child(r);
    // Checked first so a quiet LOG_LEVEL costs no object building at all.
    if (log.isLevelEnabled(failed ? 'warn' : 'info')) {
      const line = {
        event: 'invocation',
        requestId: r.requestId,
        method: r.method,
        path: r.path,
        status: r.status,
        code: r.code,
        queueMs: us(r.queueMs),
        instantiateMs: us(r.instantiateMs),
        runMs: us(r.runMs),
        totalMs: us(r.totalMs),
        fuelUsed: r.fuelUsed,
        peakPages: r.peakPages,
        bytesIn: r.bytesIn,
        bytesOut: r.bytesOut,
        ...(failed ? { error: { message: r.message ?? '', trapStack: r.trapStack ?? [] } } : {}),
      };
      const msg = `${r.method} /fn/${r.function}${r.path} ${r.status}${failed ? ` ${r.code}` : ''}`;
      if (failed) log.warn(line, msg);
      else log.info(line, msg);
    }
    for (let i = 0; i < r.logs.length; i++) {
      const l = r.logs[i]!;
      if (log.isLevelEnabled(l.level)) log[l.level]({ event: 'guest', requestId: r.requestId }, l.line);
    }
  }

  /** Forgets a deleted function's child logger. */
  forget(name: string): void {
    this.children.delete(name);
  }

  private child(r: InvocationRecord): Logger {
    const c = this.children.get(r.function);
    if (c && c.version === r.version) return c.log;
    const log = this.log.child({ function: r.function, version: r.version });
    this.children.set(r.function, { version: r.version, log });
    return log;
  }
}

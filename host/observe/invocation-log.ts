// Writes an invocation to the host log: one structured line, the guest's own lines tagged with the request id,
// and a failure's wasm stack (which only the log and the admin logs endpoint ever see, never the caller).

import pino from 'pino';
import type { Logger } from './logger.js';
import type { InvocationRecord } from './invocation.js';

/** To µs; a non-finite number would make the line invalid JSON, so it becomes null. */
const us = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(3) : 'null');
const str = JSON.stringify;
const MAX_PENDING_CHARS = 64 * 1024;
const FLUSH_AFTER_MS = 50;

export class InvocationLog {
  private readonly stream: pino.DestinationStream;
  private readonly levels: { info: number; warn: number };

  constructor(private readonly log: Logger) {
    this.stream = (log as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym]!;
    this.levels = { info: log.levels.values.info!, warn: log.levels.values.warn! };
  }

  /**
   * Invocation lines not yet written. They go out when 64 KiB have gathered, 50 ms after the first of them, before
   * any guest line (to keep the order), and on flush(): a few writes a second instead of one per request.
   */
  private pending = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly flushNow = () => this.flush();

  /** Adds an invocation's lines; they reach the stream at the next flush() or guest line, in order. */
  write(r: InvocationRecord): void {
    const failed = r.code !== null;
    // Checked first so a quiet LOG_LEVEL costs nothing more.
    if (this.log.isLevelEnabled(failed ? 'warn' : 'info')) {
      this.pending += this.line(r, failed);
      if (this.pending.length >= MAX_PENDING_CHARS) this.flush();
      else if (!this.timer) this.timer = setTimeout(this.flushNow, FLUSH_AFTER_MS);
    }
    for (let i = 0; i < r.logs.length; i++) {
      const l = r.logs[i]!;
      if (!this.log.isLevelEnabled(l.level)) continue;
      this.flush();
      this.log[l.level]({ event: 'guest', function: r.function, requestId: r.requestId }, l.line);
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.stream.write(text);
  }

  /**
   * The line in pino's own format (level, epoch-ms time, fields, msg), built directly: pino's generic serialiser
   * cost ~7 µs a line in the running host, on the main thread, for every request; this costs a fraction of that.
   * Strings a caller can influence go through JSON.stringify; the function name (NAME_RE) and version (hex) cannot
   * need escaping. Durations are checked to be finite; counts are integers the host made.
   */
  private line(r: InvocationRecord, failed: boolean): string {
    const msg = `${r.method} /fn/${r.function}${r.path} ${r.status}${failed ? ` ${r.code}` : ''}`;
    const error = failed ? `,"error":${str({ message: r.message ?? '', trapStack: r.trapStack ?? [] })}` : '';
    return `{"level":${failed ? this.levels.warn : this.levels.info},"time":${Date.now()},"event":"invocation"`
      + `,"requestId":${str(r.requestId)},"function":"${r.function}","version":"${r.version}"`
      + `,"method":${str(r.method)},"path":${str(r.path)},"status":${r.status},"code":${failed ? str(r.code) : 'null'}`
      + `,"queueMs":${us(r.queueMs)},"instantiateMs":${us(r.instantiateMs)},"runMs":${us(r.runMs)},"totalMs":${us(r.totalMs)}`
      + `,"fuelUsed":${r.fuelUsed ?? 'null'},"peakPages":${r.peakPages},"bytesIn":${r.bytesIn},"bytesOut":${r.bytesOut}`
      + `${error},"msg":${str(msg)}}\n`;
  }
}

// Writes an invocation to the host log: one structured line, the guest's own lines tagged with the request id,
// and a failure's wasm stack (which only the log and the admin logs endpoint ever see, never the caller).

import pino from 'pino';
import type { Logger } from './logger.js';
import type { InvocationRecord } from '../invocation/record.js';
import { invocationLine, type LineLevels } from '../invocation/line.js';

const CHUNK_BYTES = 64 * 1024;
const FLUSH_AFTER_MS = 50;

export class InvocationLog {
  private readonly stream: pino.DestinationStream;
  readonly levels: LineLevels;

  constructor(private readonly log: Logger) {
    this.stream = (log as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym]!;
    this.levels = lineLevels(log);
  }

  /**
   * Invocation lines not yet written, as UTF-8 (workers hand them over as bytes; they are never decoded one by one).
   * They go out when 64 KiB have gathered, 50 ms after the first of them, before any guest line (to keep the
   * order), and on flush(): a few writes a second instead of one per request.
   */
  private readonly chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  private used = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushNow = () => this.flush();

  /** Adds an invocation's lines; they reach the stream at the next flush() or guest line, in order. */
  write(r: InvocationRecord): void {
    // A worker already formatted the line of a run (or left it empty for a level that is off).
    if (r.line !== undefined) this.append(r.line);
    else {
      const line = invocationLine(r, this.levels);
      if (line) this.append(Buffer.from(line, 'utf8'));
    }
    for (let i = 0; i < r.logs.length; i++) {
      const l = r.logs[i]!;
      if (!this.log.isLevelEnabled(l.level)) continue;
      this.flush();
      this.log[l.level]({ event: 'guest', function: r.function, requestId: r.requestId }, l.line);
    }
  }

  private append(line: Uint8Array): void {
    if (line.length === 0) return;
    if (this.used + line.length > CHUNK_BYTES) this.flush();
    if (line.length > CHUNK_BYTES) {
      this.stream.write(Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('utf8'));
      return;
    }
    this.chunk.set(line, this.used);
    this.used += line.length;
    if (!this.timer) this.timer = setTimeout(this.flushNow, FLUSH_AFTER_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.used === 0) return;
    // Decoded once per batch: the destination takes strings (pino's streams, a test's sink).
    const text = this.chunk.toString('utf8', 0, this.used);
    this.used = 0;
    this.stream.write(text);
  }
}

/** The numeric levels of invocation lines for this logger, null where its level turns them off. */
export function lineLevels(log: Logger): LineLevels {
  return {
    info: log.isLevelEnabled('info') ? log.levels.values.info! : null,
    warn: log.isLevelEnabled('warn') ? log.levels.values.warn! : null,
  };
}

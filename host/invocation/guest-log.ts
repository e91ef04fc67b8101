// A guest's own log output for one invocation: bounded in lines and bytes, control characters escaped.

import type { LogLevel } from '../abi/types.js';
import { escapeControl } from '../control-chars.js';

export interface GuestLogLine {
  level: LogLevel;
  line: string;
}

export interface GuestLogLimits {
  maxLines: number;      // default 100 lines per invocation
  maxLineChars: number;  // default 2048 characters per line
  maxBytes: number;      // default 64 KiB of lines (UTF-8) per invocation
}

export const DEFAULT_GUEST_LOG_LIMITS: GuestLogLimits = { maxLines: 100, maxLineChars: 2048, maxBytes: 64 * 1024 };

/**
 * Once full (by lines or by bytes) it stays full: later lines are only counted, so a flood costs the host a counter,
 * and what one invocation can hand the main thread is bounded whatever the guest writes.
 */
export class GuestLog {
  readonly lines: GuestLogLine[] = [];
  private dropped = 0;
  private bytes = 0;
  private full = false;

  constructor(private readonly limits: GuestLogLimits = DEFAULT_GUEST_LOG_LIMITS) {}

  push(level: LogLevel, raw: string): void {
    if (this.full || this.lines.length >= this.limits.maxLines) {
      this.full = true;
      this.dropped++;
      return;
    }
    const max = this.limits.maxLineChars;
    // Cut before escaping as well as after: escaping can make a line six times longer.
    let line = escapeControl(raw.length > max ? raw.slice(0, max) : raw);
    if (line.length > max || raw.length > max) line = `${line.slice(0, max)}…[truncated from ${raw.length} chars]`;
    const size = Buffer.byteLength(line);
    if (this.bytes + size > this.limits.maxBytes) {
      this.full = true;
      this.dropped++;
      return;
    }
    this.bytes += size;
    this.lines.push({ level, line });
  }

  /** The lines, with a closing marker when some were dropped. */
  finish(): GuestLogLine[] {
    if (this.dropped > 0) this.lines.push({ level: 'warn', line: `[wasmfn: ${this.dropped} more log line(s) dropped]` });
    return this.lines;
  }
}

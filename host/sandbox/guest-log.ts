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
}

export const DEFAULT_GUEST_LOG_LIMITS: GuestLogLimits = { maxLines: 100, maxLineChars: 2048 };

export class GuestLog {
  readonly lines: GuestLogLine[] = [];
  private dropped = 0;

  constructor(private readonly limits: GuestLogLimits = DEFAULT_GUEST_LOG_LIMITS) {}

  push(level: LogLevel, raw: string): void {
    if (this.lines.length >= this.limits.maxLines) {
      this.dropped++;
      return;
    }
    let line = escapeControl(raw);
    if (line.length > this.limits.maxLineChars) line = `${line.slice(0, this.limits.maxLineChars)}…[truncated ${line.length - this.limits.maxLineChars} chars]`;
    this.lines.push({ level, line });
  }

  /** The lines, with a closing marker when some were dropped. */
  finish(): GuestLogLine[] {
    if (this.dropped > 0) this.lines.push({ level: 'warn', line: `[wasmfn: ${this.dropped} more log line(s) dropped]` });
    return this.lines;
  }
}

// What an invocation record costs to keep in the main thread's heap, and a copy of one with its text cut to size.

import type { InvocationRecord } from '../invocation/record.js';
import type { GuestLogLine } from '../invocation/guest-log.js';

const RECORD_OVERHEAD = 512;
const LINE_OVERHEAD = 48;

/** Estimated heap bytes: two per character (V8 keeps text with any non-Latin-1 character so) plus object overhead. */
export function recordBytes(r: InvocationRecord): number {
  let n = RECORD_OVERHEAD + 2 * (r.requestId.length + r.function.length + r.version.length + r.method.length + r.path.length);
  n += 2 * (r.message?.length ?? 0);
  for (const l of r.logs) n += LINE_OVERHEAD + 2 * l.line.length;
  if (r.trapStack) for (const f of r.trapStack) n += LINE_OVERHEAD + 2 * f.length;
  return n;
}

function textChars(r: InvocationRecord): number {
  let n = r.message?.length ?? 0;
  for (const l of r.logs) n += l.line.length;
  if (r.trapStack) for (const f of r.trapStack) n += f.length;
  return n;
}

/**
 * The record itself when its message, stack and log lines hold at most `maxChars` characters; otherwise a copy
 * keeping the first `maxChars` of them (in that order) and a closing log line saying how many were cut.
 */
export function clipRecord(r: InvocationRecord, maxChars: number): InvocationRecord {
  if (textChars(r) <= maxChars) return r;
  let left = maxChars;
  let cut = 0;
  const take = (s: string): string => {
    if (s.length <= left) {
      left -= s.length;
      return s;
    }
    const kept = ownCopy(s.slice(0, left));
    cut += s.length - left;
    left = 0;
    return kept;
  };
  const message = r.message === undefined ? undefined : take(r.message);
  const trapStack = r.trapStack?.map(take).filter((f) => f.length > 0);
  const logs: GuestLogLine[] = [];
  for (const l of r.logs) {
    if (left > 0) logs.push({ level: l.level, line: take(l.line) });
    else cut += l.line.length;
  }
  logs.push({ level: 'warn', line: `[wasmfn: ${cut} more characters of log text not kept]` });
  return { ...r, message, trapStack, logs };
}

/** A slice of a string can keep the whole string alive in V8; a copy through bytes holds only itself. */
function ownCopy(s: string): string {
  return Buffer.from(s, 'utf16le').toString('utf16le');
}

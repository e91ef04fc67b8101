// The most recent invocations of each function, in a bounded ring (by count and by log text), for the logs endpoint.

import type { InvocationRecord } from './invocation.js';

export interface RecentOptions {
  /** Invocations kept per function, default 200. */
  perFunction: number;
  /** Characters of log lines, trap messages and stacks kept per function, default 1 Mi; the oldest go first. */
  maxCharsPerFunction: number;
}

export const DEFAULT_RECENT: RecentOptions = { perFunction: 200, maxCharsPerFunction: 1024 * 1024 };

export interface RecentEntry {
  /** Increases by one per invocation of this function since the host started; `after=` pages on it. */
  seq: number;
  record: InvocationRecord;
  chars: number;
}

class Ring {
  private readonly items: (RecentEntry | undefined)[];
  private head = 0; // index of the oldest entry
  private count = 0;
  private chars = 0;
  seq = 0;

  get length(): number {
    return this.count;
  }

  constructor(private readonly cap: number, private readonly maxChars: number) {
    this.items = new Array<RecentEntry | undefined>(cap);
  }

  push(record: InvocationRecord): void {
    const chars = textSize(record);
    if (this.count === this.cap) this.dropOldest();
    this.items[(this.head + this.count) % this.cap] = { seq: ++this.seq, record, chars };
    this.count++;
    this.chars += chars;
    while (this.chars > this.maxChars && this.count > 1) this.dropOldest();
  }

  /** Oldest first: the newest `limit` entries with seq > after. */
  list(limit: number, after: number): RecentEntry[] {
    const out: RecentEntry[] = [];
    for (let i = this.count - 1; i >= 0 && out.length < limit; i--) {
      const e = this.items[(this.head + i) % this.cap]!;
      if (e.seq <= after) break;
      out.push(e);
    }
    return out.reverse();
  }

  /** Estimated heap bytes of what the ring keeps. */
  bytes(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) n += recordBytes(this.items[(this.head + i) % this.cap]!.record);
    return n;
  }

  private dropOldest(): void {
    const e = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.cap;
    this.count--;
    this.chars -= e.chars;
  }
}

function textSize(r: InvocationRecord): number {
  let n = r.message?.length ?? 0;
  for (const l of r.logs) n += l.line.length;
  if (r.trapStack) for (const f of r.trapStack) n += f.length;
  return n;
}

/** A record's heap bytes, estimated: two bytes per character (V8 keeps non-Latin-1 text so) plus object overhead. */
export function recordBytes(r: InvocationRecord): number {
  let n = RECORD_OVERHEAD + 2 * (r.requestId.length + r.function.length + r.version.length + r.method.length + r.path.length);
  n += 2 * (r.message?.length ?? 0);
  for (const l of r.logs) n += LINE_OVERHEAD + 2 * l.line.length;
  if (r.trapStack) for (const f of r.trapStack) n += LINE_OVERHEAD + 2 * f.length;
  return n;
}

const RECORD_OVERHEAD = 512;
const LINE_OVERHEAD = 48;

export interface RecentStats {
  /** Estimated heap bytes kept, all functions together. */
  bytes: number;
  entries: number;
  /** The most any one function keeps. */
  maxFunctionBytes: number;
}

export class RecentInvocations {
  private readonly rings = new Map<string, Ring>();
  /** The last seq of each dropped ring, so a redeployed function numbers on and `after` cursors stay valid. */
  private readonly droppedSeq = new Map<string, number>();

  constructor(private readonly opts: RecentOptions = DEFAULT_RECENT) {}

  add(r: InvocationRecord): void {
    let ring = this.rings.get(r.function);
    if (!ring) {
      ring = new Ring(this.opts.perFunction, this.opts.maxCharsPerFunction);
      ring.seq = this.droppedSeq.get(r.function) ?? 0;
      this.droppedSeq.delete(r.function);
      this.rings.set(r.function, ring);
    }
    ring.push(r);
  }

  list(name: string, limit: number, after = 0): RecentEntry[] {
    return this.rings.get(name)?.list(limit, after) ?? [];
  }

  stats(): RecentStats {
    let bytes = 0;
    let entries = 0;
    let maxFunctionBytes = 0;
    for (const ring of this.rings.values()) {
      const b = ring.bytes();
      bytes += b;
      entries += ring.length;
      maxFunctionBytes = Math.max(maxFunctionBytes, b);
    }
    return { bytes, entries, maxFunctionBytes };
  }

  drop(name: string): void {
    const ring = this.rings.get(name);
    if (ring) this.droppedSeq.set(name, ring.seq);
    this.rings.delete(name);
  }
}

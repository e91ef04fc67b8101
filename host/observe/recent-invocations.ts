// The most recent invocations of each function, for the logs endpoint: bounded by count and by heap bytes, per
// function and host-wide, with the log text of any one invocation cut to a size.

import type { InvocationRecord } from '../invocation/record.js';
import { clipRecord, recordBytes } from './record-bytes.js';

export interface RecentOptions {
  /** Invocations kept per function, default 200. */
  perFunction: number;
  /** Estimated heap bytes kept per function, default 1 MiB; its oldest invocations go first. */
  maxBytesPerFunction: number;
  /** Estimated heap bytes kept for all functions together, default 16 MiB; the function keeping the most gives way. */
  maxBytes: number;
  /** Log text (lines, error message, stack) kept of one invocation, default 256 KiB: a backstop above what a call can log; the rest is cut with a marker. */
  maxEntryTextBytes: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_RECENT: RecentOptions = { perFunction: 200, maxBytesPerFunction: MiB, maxBytes: 16 * MiB, maxEntryTextBytes: 256 * 1024 };

export interface RecentEntry {
  /** Increases by one per invocation of this function since the host started; `after=` pages on it. */
  seq: number;
  record: InvocationRecord;
  bytes: number;
}

export interface RecentStats {
  /** Estimated heap bytes kept, all functions together. */
  bytes: number;
  entries: number;
  /** The most any one function keeps. */
  maxFunctionBytes: number;
}

class Ring {
  private readonly items: (RecentEntry | undefined)[];
  private head = 0; // index of the oldest entry
  count = 0;
  bytes = 0;
  seq = 0;

  constructor(private readonly cap: number, private readonly maxBytes: number) {
    this.items = new Array<RecentEntry | undefined>(cap);
  }

  push(record: InvocationRecord, bytes: number): void {
    if (this.count === this.cap) this.dropOldest();
    this.items[(this.head + this.count) % this.cap] = { seq: ++this.seq, record, bytes };
    this.count++;
    this.bytes += bytes;
    while (this.bytes > this.maxBytes && this.count > 1) this.dropOldest();
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

  dropOldest(): void {
    const e = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.cap;
    this.count--;
    this.bytes -= e.bytes;
  }
}

export class RecentInvocations {
  private readonly rings = new Map<string, Ring>();
  /** The last seq of each dropped ring, so a redeployed function numbers on and `after` cursors stay valid. */
  private readonly droppedSeq = new Map<string, number>();
  private bytes = 0;
  private readonly functionBytes: number;
  private readonly entryTextChars: number;

  constructor(private readonly opts: RecentOptions = DEFAULT_RECENT) {
    this.functionBytes = Math.min(opts.maxBytesPerFunction, opts.maxBytes);
    // Two bytes per character at most; an entry always fits its function's budget with room for its fields.
    this.entryTextChars = Math.floor(Math.min(opts.maxEntryTextBytes, this.functionBytes / 2) / 2);
  }

  add(r: InvocationRecord): void {
    let ring = this.rings.get(r.function);
    if (!ring) {
      ring = new Ring(this.opts.perFunction, this.functionBytes);
      ring.seq = this.droppedSeq.get(r.function) ?? 0;
      this.droppedSeq.delete(r.function);
      this.rings.set(r.function, ring);
    }
    const kept = clipRecord(r, this.entryTextChars);
    const before = ring.bytes;
    ring.push(kept, recordBytes(kept));
    this.bytes += ring.bytes - before;
    if (this.bytes > this.opts.maxBytes) this.shrink();
  }

  list(name: string, limit: number, after = 0): RecentEntry[] {
    return this.rings.get(name)?.list(limit, after) ?? [];
  }

  stats(): RecentStats {
    let entries = 0;
    let maxFunctionBytes = 0;
    for (const ring of this.rings.values()) {
      entries += ring.count;
      maxFunctionBytes = Math.max(maxFunctionBytes, ring.bytes);
    }
    return { bytes: this.bytes, entries, maxFunctionBytes };
  }

  drop(name: string): void {
    const ring = this.rings.get(name);
    if (!ring) return;
    this.droppedSeq.set(name, ring.seq);
    this.bytes -= ring.bytes;
    this.rings.delete(name);
  }

  /** Over the host-wide budget: the function keeping the most gives up its oldest, so a flood evicts its own first. */
  private shrink(): void {
    while (this.bytes > this.opts.maxBytes) {
      let biggest: Ring | null = null;
      for (const ring of this.rings.values()) if (ring.count > 0 && (!biggest || ring.bytes > biggest.bytes)) biggest = ring;
      if (!biggest) return;
      const before = biggest.bytes;
      biggest.dropOldest();
      this.bytes -= before - biggest.bytes;
    }
  }
}

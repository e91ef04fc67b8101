// Which function versions get an instance made ahead on this thread, and the ones made. A call that finds one
// skips instantiating: the instance is as fresh as one made for it (never run, its own zeroed memory), it was only
// made earlier, while the thread had nothing else to do. Each is used by one call at most.
//
// Made ahead only for versions called lately, a few at most and within a byte budget: an instance holds its memory
// until used. A version whose instance was dropped unused (more versions were called in between than are kept) is
// skipped for a while, so a long tail of rarely called functions does not pay two instantiations per call.

import type { MemoryShape } from './memory-pool.js';

/** Versions holding an instance made ahead, at most. */
export const MAX_READY = 16;
/** Calls of a version whose instance was dropped unused that make none. */
export const SKIP_AFTER_UNUSED = 64;

/**
 * A fresh instance made ahead of its call: its start function has run, no export has been called. `instantiateMs`
 * is what making it took, reported as the instantiation of the call that runs in it (and billed to it), though it
 * was spent before the call arrived.
 */
export interface ReadyInstance {
  readonly module: WebAssembly.Module;
  readonly shape: MemoryShape | null;
  readonly fuel: bigint | null;
  readonly instance: WebAssembly.Instance;
  readonly memory: WebAssembly.Memory;
  readonly instantiateMs: number;
}

export class ReadyInstances<F extends { name: string }> {
  /** In order of their last call, oldest first. */
  private readonly ready = new Map<F, ReadyInstance>();
  private readonly skips = new WeakMap<F, number>();
  /** Versions whose start function needs a call: never made ahead. */
  private readonly refused = new WeakSet<F>();
  /** Bytes of the memories the kept instances hold. */
  bytes = 0;

  /** `maxBytes`: what the kept instances' memories may hold in all. */
  constructor(private readonly maxBytes: number) {}

  /** The instance made ahead for `fn`, taken out (it serves one call). */
  take(fn: F): ReadyInstance | null {
    const r = this.ready.get(fn);
    if (r === undefined) return null;
    this.remove(fn, r);
    return r;
  }

  /** After a call of `fn` (once per call): whether to make it an instance. */
  wanted(fn: F): boolean {
    if (!this.lacks(fn)) return false;
    const skip = this.skips.get(fn) ?? 0;
    if (skip === 0) return true;
    this.skips.set(fn, skip - 1);
    return false;
  }

  /** Whether `fn` has no instance made ahead and could have one. */
  lacks(fn: F): boolean {
    return !this.refused.has(fn) && !this.ready.has(fn);
  }

  /** Keeps `r` for the next call of `fn`; returns what no longer fits (the least lately called first), for its memory. */
  put(fn: F, r: ReadyInstance): ReadyInstance[] {
    if (r.memory.buffer.byteLength > this.maxBytes) return [r];
    this.ready.set(fn, r);
    this.bytes += r.memory.buffer.byteLength;
    const dropped: ReadyInstance[] = [];
    for (const [old, o] of this.ready) {
      if (this.ready.size <= MAX_READY && this.bytes <= this.maxBytes) break;
      this.remove(old, o);
      this.skips.set(old, SKIP_AFTER_UNUSED);
      dropped.push(o);
    }
    return dropped;
  }

  refuse(fn: F): void {
    this.refused.add(fn);
  }

  /** Drops the instances of the versions `which` picks. */
  drop(which: (fn: F) => boolean): ReadyInstance[] {
    const dropped: ReadyInstance[] = [];
    for (const [fn, r] of this.ready) {
      if (!which(fn)) continue;
      this.remove(fn, r);
      dropped.push(r);
    }
    return dropped;
  }

  get size(): number {
    return this.ready.size;
  }

  private remove(fn: F, r: ReadyInstance): void {
    this.ready.delete(fn);
    this.bytes -= r.memory.buffer.byteLength;
  }
}

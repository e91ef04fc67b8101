// Recycled linear memories for one thread: handing out a zeroed memory, not a new one, is what makes a fresh
// instance per request cheap.

import { frozenObject } from '../abi/import-object.js';

const PAGE = 65536;

export interface MemoryShape {
  initialPages: number;
  maximumPages: number;
}

export interface MemoryPoolOptions {
  perShape: number;       // memories kept per (initial, maximum) shape, default 4
  maxBytes: number;       // total bytes kept across shapes, default 64 MiB
  maxMemoryBytes: number; // a memory bigger than this is never kept, default 16 MiB
}

const MiB = 1024 * 1024;
export const DEFAULT_MEMORY_POOL: MemoryPoolOptions = { perShape: 4, maxBytes: 64 * MiB, maxMemoryBytes: 16 * MiB };

export class MemoryPool {
  private readonly free = new Map<string, WebAssembly.Memory[]>();
  private keptBytes = 0;
  created = 0;
  reused = 0;

  constructor(private readonly opts: MemoryPoolOptions = DEFAULT_MEMORY_POOL) {}

  acquire(shape: MemoryShape): WebAssembly.Memory {
    const list = this.free.get(key(shape));
    const mem = list?.pop();
    if (mem) {
      this.keptBytes -= mem.buffer.byteLength;
      this.reused++;
      return mem;
    }
    this.created++;
    // Guests can reach a memory (by re-exporting it) and it serves request after request: nothing may be added to it.
    return frozenObject(new WebAssembly.Memory({ initial: shape.initialPages, maximum: shape.maximumPages }));
  }

  /**
   * Takes a memory back after its request. A memory that grew is dropped, never reused (its size no longer
   * matches the shape); so is one above maxMemoryBytes: zeroing makes every page of a kept memory resident, for
   * as long as it is kept. The rest are zeroed here, so a memory is always clean before it is handed out again.
   * Past maxBytes, bigger memories make room for smaller ones. Call it after the response is on its way.
   */
  release(mem: WebAssembly.Memory, shape: MemoryShape): void {
    const bytes = mem.buffer.byteLength;
    if (bytes !== shape.initialPages * PAGE || bytes > this.opts.maxMemoryBytes) return;
    const k = key(shape);
    const list = this.free.get(k);
    if (list && list.length >= this.opts.perShape) return;
    if (this.keptBytes + bytes > this.opts.maxBytes && !this.evictBiggerThan(bytes, this.keptBytes + bytes - this.opts.maxBytes)) return;
    new Uint8Array(mem.buffer).fill(0);
    if (list) list.push(mem);
    else this.free.set(k, [mem]);
    this.keptBytes += bytes;
  }

  /** Drops kept memories bigger than `bytes`, biggest first, until `need` bytes are free; false (dropping none) if they cannot free that much. */
  private evictBiggerThan(bytes: number, need: number): boolean {
    const bigger = [...this.free].filter(([, l]) => l.length > 0 && l[0]!.buffer.byteLength > bytes);
    let available = 0;
    for (const [, l] of bigger) available += l.length * l[0]!.buffer.byteLength;
    if (available < need) return false;
    bigger.sort(([, a], [, b]) => b[0]!.buffer.byteLength - a[0]!.buffer.byteLength);
    for (const [k, l] of bigger) {
      while (l.length > 0 && need > 0) {
        const freed = l.pop()!.buffer.byteLength;
        this.keptBytes -= freed;
        need -= freed;
      }
      if (l.length === 0) this.free.delete(k);
      if (need <= 0) break;
    }
    return true;
  }

  /** Bytes of the memories kept for reuse. */
  get bytes(): number {
    return this.keptBytes;
  }

  get size(): number {
    let n = 0;
    for (const l of this.free.values()) n += l.length;
    return n;
  }

  clear(): void {
    this.free.clear();
    this.keptBytes = 0;
  }
}

function key(s: MemoryShape): string {
  return `${s.initialPages}:${s.maximumPages}`;
}

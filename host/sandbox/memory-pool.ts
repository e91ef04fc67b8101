// Recycled linear memories for one thread: handing out a zeroed memory is what makes a fresh instance cost µs.

const PAGE = 65536;

export interface MemoryShape {
  initialPages: number;
  maximumPages: number;
}

export interface MemoryPoolOptions {
  perShape: number;     // memories kept per (initial, maximum) shape, default 4
  maxBytes: number;     // total bytes kept across shapes, default 256 MiB
}

export class MemoryPool {
  private readonly free = new Map<string, WebAssembly.Memory[]>();
  private keptBytes = 0;
  created = 0;
  reused = 0;

  constructor(private readonly opts: MemoryPoolOptions = { perShape: 4, maxBytes: 256 * 1024 * 1024 }) {}

  acquire(shape: MemoryShape): WebAssembly.Memory {
    const list = this.free.get(key(shape));
    const mem = list?.pop();
    if (mem) {
      this.keptBytes -= mem.buffer.byteLength;
      this.reused++;
      return mem;
    }
    this.created++;
    return new WebAssembly.Memory({ initial: shape.initialPages, maximum: shape.maximumPages });
  }

  /**
   * Takes a memory back after its request. A memory that grew is dropped, never reused (its size no longer
   * matches the shape, and keeping big ones would hold host memory); the rest are zeroed here, so a memory
   * is always clean before it is handed out again. Call it after the response is on its way.
   */
  release(mem: WebAssembly.Memory, shape: MemoryShape): void {
    const bytes = mem.buffer.byteLength;
    if (bytes !== shape.initialPages * PAGE) return;
    const k = key(shape);
    let list = this.free.get(k);
    if (!list) this.free.set(k, (list = []));
    if (list.length >= this.opts.perShape || this.keptBytes + bytes > this.opts.maxBytes) return;
    new Uint8Array(mem.buffer).fill(0);
    list.push(mem);
    this.keptBytes += bytes;
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

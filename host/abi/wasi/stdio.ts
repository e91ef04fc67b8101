// In-memory standard streams for a WASI guest: stdin from bytes, stdout to a bounded buffer, stderr to log lines.

const EMPTY = new Uint8Array(0);

/** The request body, read front to back. */
export class InputStream {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Copies up to `len` bytes into `dest` at `at`; returns how many. */
  readInto(dest: Uint8Array, at: number, len: number): number {
    const n = Math.min(len, this.remaining);
    if (n > 0) dest.set(this.bytes.subarray(this.offset, this.offset + n), at);
    this.offset += n;
    return n;
  }
}

/**
 * Collects output up to a byte limit; past it, write() refuses and the stream stays overflowed. One buffer, grown by
 * doubling up to the limit, so what the host holds depends on the bytes written and never on how many writes made
 * them: an object per write would let a guest writing a byte at a time fill the worker's heap.
 */
export class BoundedOutput {
  private buf = EMPTY;
  private total = 0;
  overflowed = false;

  constructor(readonly limitBytes: number) {}

  get length(): number {
    return this.total;
  }

  /** Copies `src` (a view of guest memory, so it must be copied) unless that passes the limit. */
  write(src: Uint8Array): boolean {
    const end = this.total + src.length;
    if (end > this.limitBytes) {
      this.overflowed = true;
      return false;
    }
    if (end > this.buf.length) {
      const bigger = new Uint8Array(Math.min(Math.max(end, this.buf.length * 2, 4096), this.limitBytes));
      bigger.set(this.buf.subarray(0, this.total));
      this.buf = bigger;
    }
    this.buf.set(src, this.total);
    this.total = end;
    return true;
  }

  /** The bytes written, as a view valid until the next write. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.total);
  }
}

const decoder = new TextDecoder('utf-8');

/**
 * Splits a byte stream into UTF-8 lines as they complete, so a guest killed mid-run has still logged what it wrote.
 * Over-long lines are cut at `maxLineBytes` rather than held without bound.
 */
export class LineSplitter {
  private pending = EMPTY;
  private used = 0;

  constructor(private readonly onLine: (line: string) => void, private readonly maxLineBytes = 8192) {}

  write(src: Uint8Array): void {
    let start = 0;
    for (;;) {
      const nl = src.indexOf(10, start);
      const end = nl === -1 ? src.length : nl;
      this.append(src.subarray(start, end));
      if (nl === -1) return;
      this.emit();
      start = nl + 1;
    }
  }

  /** Emits a last line that had no newline. */
  flush(): void {
    if (this.used > 0) this.emit();
  }

  private append(part: Uint8Array): void {
    let at = 0;
    while (at < part.length) {
      if (this.used === this.maxLineBytes) this.emit();
      if (this.used === this.pending.length) {
        const bigger = new Uint8Array(Math.min(Math.max(256, this.pending.length * 2), this.maxLineBytes));
        bigger.set(this.pending);
        this.pending = bigger;
      }
      const n = Math.min(part.length - at, this.pending.length - this.used);
      this.pending.set(part.subarray(at, at + n), this.used);
      this.used += n;
      at += n;
    }
  }

  private emit(): void {
    let end = this.used;
    if (end > 0 && this.pending[end - 1] === 13) end--;
    this.onLine(decoder.decode(this.pending.subarray(0, end)));
    this.used = 0;
  }
}

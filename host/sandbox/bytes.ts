// Little-endian writer and reader over a Buffer (shared memory included), for the job and result records.

/** Strings up to this many characters are copied by ByteWriter.latin1 itself. */
const SHORT_STRING = 64;

/** Thrown by a fixed-size writer when a record does not fit; the caller sends it another way. */
export class Overflow extends Error {}

export class ByteWriter {
  off: number;

  /** Writes into `buf` from `start` up to `end`; with `growable`, a full buffer is replaced by a bigger one. */
  constructor(public buf: Buffer, private readonly start = 0, private end = buf.length, private readonly growable = false) {
    this.off = start;
  }

  /** A growable writer on a new (not shared) buffer, for records sent over a MessagePort. */
  static growable(initialBytes: number): ByteWriter {
    return new ByteWriter(Buffer.allocUnsafe(initialBytes), 0, initialBytes, true);
  }

  private room(n: number): void {
    if (this.off + n <= this.end) return;
    if (!this.growable) throw new Overflow();
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
    this.end = next.length;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.off++] = v;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.off);
    this.off += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.off);
    this.off += 8;
  }

  /**
   * One byte per character: for strings Node made from bytes (URLs, headers), this gives those bytes back. A short
   * one is copied here, which costs less than a call into Node's encoder; both keep a character's low byte.
   */
  latin1(s: string): void {
    const n = s.length;
    this.room(4 + n);
    const buf = this.buf;
    const at = this.off + 4;
    buf.writeUInt32LE(n, this.off);
    if (n <= SHORT_STRING) {
      for (let i = 0; i < n; i++) buf[at + i] = s.charCodeAt(i);
      this.off = at + n;
    } else {
      this.off = at + buf.write(s, at, 'latin1');
    }
  }

  utf8(s: string): void {
    // A UTF-16 unit never needs more than 3 bytes; only a long string pays for the exact count.
    const max = s.length * 3;
    this.room(4 + (this.off + 4 + max <= this.end ? max : Buffer.byteLength(s)));
    const n = this.buf.write(s, this.off + 4, 'utf8');
    this.buf.writeUInt32LE(n, this.off);
    this.off += 4 + n;
  }

  bytes(b: Uint8Array): void {
    this.room(4 + b.length);
    this.buf.writeUInt32LE(b.length, this.off);
    this.buf.set(b, this.off + 4);
    this.off += 4 + b.length;
  }

  get length(): number {
    return this.off - this.start;
  }

  /** The bytes written (a view). */
  written(): Buffer {
    return this.buf.subarray(this.start, this.off);
  }
}

/**
 * Reads back a record the host's own ByteWriter wrote: fixed-width little-endian numbers and length-prefixed
 * fields, trusted to be well formed (only counts are checked, before anything is sized by them). Untrusted wasm
 * bytes are read by wasm/byte-reader.ts instead, which checks every read.
 */
export class RecordReader {
  constructor(readonly buf: Buffer, public off = 0) {}

  u8(): number {
    return this.buf[this.off++]!;
  }

  u32(): number {
    const v = this.buf.readUInt32LE(this.off);
    this.off += 4;
    return v;
  }

  /**
   * A count of items that each take at least `minBytes`, checked against the bytes left: a count that could not
   * be backed by them throws before anything is sized by it.
   */
  count(minBytes: number): number {
    const n = this.u32();
    if (n * minBytes > this.buf.length - this.off) throw new RangeError(`a count of ${n} runs past the end of the record`);
    return n;
  }

  f64(): number {
    const v = this.buf.readDoubleLE(this.off);
    this.off += 8;
    return v;
  }

  latin1(): string {
    const n = this.u32();
    const s = this.buf.toString('latin1', this.off, this.off + n);
    this.off += n;
    return s;
  }

  utf8(): string {
    const n = this.u32();
    const s = this.buf.toString('utf8', this.off, this.off + n);
    this.off += n;
    return s;
  }

  /** A view of the next length-prefixed bytes (not a copy). */
  bytes(): Buffer {
    const n = this.u32();
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }
}

// Splits a byte stream (a map's request body) into lines as it arrives, holding only a bounded read-ahead: past
// it the stream is paused, so a client sending faster than the functions run is slowed by TCP backpressure instead
// of filling the host's memory.

import type { Readable } from 'node:stream';

/** One input line: its bytes (without the newline), or too long to be kept (only its length was counted). */
export type Line = { bytes: Buffer; tooLong: false } | { bytes: null; tooLong: true };

export interface LineReaderOptions {
  /** A longer line is not kept: it becomes a `tooLong` line. */
  maxLineBytes: number;
  /** Lines waiting to be taken, at most (counted in lines and in bytes): past either the stream is paused. */
  maxPendingLines: number;
  maxPendingBytes: number;
}

export class LineReader {
  private readonly pending: Line[] = [];
  private head = 0;
  private pendingBytes = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** The line being read is over the cap: its bytes are dropped up to the next newline. */
  private skipping = false;
  private paused = false;
  /** The stream ended (all lines are in `pending`), or failed. */
  ended = false;
  error: Error | null = null;

  constructor(private readonly stream: Readable, private readonly opts: LineReaderOptions, private readonly onLines: () => void) {
    stream.on('data', this.onData);
    stream.once('end', this.onEnd);
    stream.once('error', this.onError);
    // A request whose client is gone before its end never emits 'end'.
    stream.once('close', this.onClose);
  }

  /** Lines ready to be taken. */
  get available(): number {
    return this.pending.length - this.head;
  }

  /** The next complete line, or null when none is ready; resumes the stream once the read-ahead has room. */
  take(): Line | null {
    if (this.head >= this.pending.length) return null;
    const line = this.pending[this.head]!;
    this.pending[this.head++] = undefined as unknown as Line;
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
    if (line.bytes) this.pendingBytes -= line.bytes.byteLength;
    if (this.paused && !this.full()) {
      this.paused = false;
      this.stream.resume();
    }
    return line;
  }

  /** Stops reading for good (the map was cancelled). */
  stop(): void {
    this.stream.off('data', this.onData);
    this.stream.pause();
  }

  private full(): boolean {
    return this.available >= this.opts.maxPendingLines || this.pendingBytes >= this.opts.maxPendingBytes;
  }

  private readonly onData = (chunk: Buffer): void => {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) break;
      this.addPiece(chunk, from, nl);
      this.endLine();
      from = nl + 1;
    }
    if (from < chunk.length) this.addPiece(chunk, from, chunk.length);
    if (!this.paused && this.full()) {
      this.paused = true;
      this.stream.pause();
    }
    this.onLines();
  };

  private addPiece(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    if (this.skipping) return;
    if (this.partialBytes + (to - from) > this.opts.maxLineBytes) {
      this.skipping = true;
      this.partial = [];
      this.partialBytes = 0;
      return;
    }
    // Copied: the chunk's memory is Node's and may be reused.
    this.partial.push(Buffer.from(chunk.subarray(from, to)));
    this.partialBytes += to - from;
  }

  private endLine(): void {
    if (this.skipping) {
      this.skipping = false;
      this.pending.push({ bytes: null, tooLong: true });
      return;
    }
    let bytes = this.partial.length === 1 ? this.partial[0]! : Buffer.concat(this.partial, this.partialBytes);
    this.partial = [];
    this.partialBytes = 0;
    if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    // Blank lines (a trailing newline, spacing between records) are not items.
    if (isBlank(bytes)) return;
    this.pending.push({ bytes, tooLong: false });
    this.pendingBytes += bytes.byteLength;
  }

  private readonly onEnd = (): void => {
    // The last line needs no newline.
    if (this.partialBytes > 0 || this.skipping) this.endLine();
    this.ended = true;
    this.onLines();
  };

  private readonly onError = (e: Error): void => {
    this.error = e;
    this.ended = true;
    this.onLines();
  };

  private readonly onClose = (): void => {
    if (this.ended) return;
    this.error = new Error('the client closed the connection before the end of the input');
    this.ended = true;
    this.onLines();
  };
}

function isBlank(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

// A per-thread buffer that response bytes are copied into out of guest memory, reused from run to run.

const INITIAL_BYTES = 64 * 1024;
/** Kept between runs up to this size; a bigger one (a large response) is let go after its run. */
const KEEP_BYTES = 1024 * 1024;

export class Scratch {
  private buf = new Uint8Array(INITIAL_BYTES);

  /** A copy of `bytes`, valid until the next copy() or trim(). */
  copy(bytes: Uint8Array): Uint8Array {
    if (bytes.length > this.buf.length) this.buf = new Uint8Array(Math.max(bytes.length, this.buf.length * 2));
    this.buf.set(bytes);
    return this.buf.subarray(0, bytes.length);
  }

  trim(): void {
    if (this.buf.length > KEEP_BYTES) this.buf = new Uint8Array(INITIAL_BYTES);
  }
}

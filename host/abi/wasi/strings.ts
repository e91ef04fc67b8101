// argv and environ for a WASI guest: NUL-terminated UTF-8 strings plus a pointer array, as *_sizes_get/*_get expect.

import { ERRNO } from './defs.js';
import type { GuestMemory } from './memory.js';

const encoder = new TextEncoder();

/** NUL-terminated strings laid out once, copied into the guest by *_get. */
export class StringTable {
  readonly blob: Uint8Array;
  readonly offsets: number[] = [];

  /** Items must not contain NUL (it would end the C string early); callers filter them out. */
  constructor(items: readonly string[]) {
    // One encode for the lot: per-item encoding allocates an array per string, one per CGI variable here.
    this.blob = items.length === 0 ? new Uint8Array(0) : encoder.encode(`${items.join('\0')}\0`);
    let start = 0;
    for (let i = 0; i < this.blob.length; i++) {
      if (this.blob[i] !== 0) continue;
      this.offsets.push(start);
      start = i + 1;
    }
  }

  sizes(m: GuestMemory, countPtr: number, sizePtr: number): number {
    m.setU32(countPtr, this.offsets.length);
    m.setU32(sizePtr, this.blob.length);
    return ERRNO.SUCCESS;
  }

  copy(m: GuestMemory, ptrsPtr: number, bufPtr: number): number {
    const ptrs = ptrsPtr >>> 0;
    const buf = bufPtr >>> 0;
    m.bytes(ptrs, this.offsets.length * 4);
    m.set(buf, this.blob);
    // buf + blob fits in memory (checked just above), so every pointer written is a valid u32.
    this.offsets.forEach((off, i) => m.setU32(ptrs + i * 4, buf + off));
    return ERRNO.SUCCESS;
  }
}

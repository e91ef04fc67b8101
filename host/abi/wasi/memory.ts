// Bounds-checked access to a guest's linear memory, re-derived whenever the guest has grown it.

/** Thrown when a guest hands the host a pointer outside its memory; the call answers EFAULT. */
export class GuestFault {}
const FAULT = new GuestFault();

export class GuestMemory {
  private buffer: ArrayBuffer | null = null;
  private view = new DataView(new ArrayBuffer(0));
  private u8 = new Uint8Array(0);

  constructor(private readonly memory: WebAssembly.Memory) {}

  /** Call at the start of every host call: `memory.grow` detaches the old buffer and every view of it. */
  sync(): this {
    const b = this.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this.view = new DataView(b);
      this.u8 = new Uint8Array(b);
    }
    return this;
  }

  /** A live view of guest bytes [ptr, ptr+len); copy it before keeping it. */
  bytes(ptr: number, len: number): Uint8Array {
    const p = this.check(ptr, unsigned(len));
    return this.u8.subarray(p, p + unsigned(len));
  }

  /** Writes `src` at ptr. */
  set(ptr: number, src: Uint8Array): void {
    this.bytes(ptr, src.length).set(src);
  }

  fill(ptr: number, len: number, value = 0): void {
    this.bytes(ptr, len).fill(value);
  }

  u8At(ptr: number): number {
    return this.view.getUint8(this.check(ptr, 1));
  }

  u16(ptr: number): number {
    return this.view.getUint16(this.check(ptr, 2), true);
  }

  u32(ptr: number): number {
    return this.view.getUint32(this.check(ptr, 4), true);
  }

  u64(ptr: number): bigint {
    return this.view.getBigUint64(this.check(ptr, 8), true);
  }

  setU8(ptr: number, v: number): void {
    this.view.setUint8(this.check(ptr, 1), v);
  }

  setU16(ptr: number, v: number): void {
    this.view.setUint16(this.check(ptr, 2), v, true);
  }

  setU32(ptr: number, v: number): void {
    this.view.setUint32(this.check(ptr, 4), v, true);
  }

  setU64(ptr: number, v: bigint): void {
    this.view.setBigUint64(this.check(ptr, 8), BigInt.asUintN(64, v), true);
  }

  /** The address of `size` bytes at `ptr`, or a GuestFault when any of them lies outside memory. */
  private check(ptr: number, size: number): number {
    const p = unsigned(ptr);
    if (p + size > this.u8.length) throw FAULT;
    return p;
  }
}

/**
 * A guest i32 read as the u32 it stands for. Host sums (a pointer plus an offset) can pass 2^32 and stay as they
 * are, so they fault instead of wrapping around to the start of memory.
 */
function unsigned(n: number): number {
  return n >= 0 ? n : n >>> 0;
}

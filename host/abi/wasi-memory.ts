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
    const p = ptr >>> 0;
    // Guest lengths arrive as signed i32; host-computed ones may exceed 2^32 and must not wrap.
    const end = p + (len >= 0 ? len : len >>> 0);
    if (end > this.u8.length) throw FAULT;
    return this.u8.subarray(p, end);
  }

  /** Writes `src` at ptr. */
  set(ptr: number, src: Uint8Array): void {
    this.bytes(ptr, src.length).set(src);
  }

  fill(ptr: number, len: number, value = 0): void {
    this.bytes(ptr, len).fill(value);
  }

  u8At(ptr: number): number {
    this.check(ptr, 1);
    return this.view.getUint8(ptr >>> 0);
  }

  u16(ptr: number): number {
    this.check(ptr, 2);
    return this.view.getUint16(ptr >>> 0, true);
  }

  u32(ptr: number): number {
    this.check(ptr, 4);
    return this.view.getUint32(ptr >>> 0, true);
  }

  u64(ptr: number): bigint {
    this.check(ptr, 8);
    return this.view.getBigUint64(ptr >>> 0, true);
  }

  setU8(ptr: number, v: number): void {
    this.check(ptr, 1);
    this.view.setUint8(ptr >>> 0, v);
  }

  setU16(ptr: number, v: number): void {
    this.check(ptr, 2);
    this.view.setUint16(ptr >>> 0, v, true);
  }

  setU32(ptr: number, v: number): void {
    this.check(ptr, 4);
    this.view.setUint32(ptr >>> 0, v, true);
  }

  setU64(ptr: number, v: bigint): void {
    this.check(ptr, 8);
    this.view.setBigUint64(ptr >>> 0, BigInt.asUintN(64, v), true);
  }

  private check(ptr: number, size: number): void {
    if ((ptr >>> 0) + size > this.u8.length) throw FAULT;
  }
}

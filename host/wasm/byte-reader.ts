// A bounds-checked cursor over untrusted wasm bytes (LEB128 integers, names, raw spans) and the matching encoders.

/** Thrown when the bytes end early or hold an encoding we cannot read; the message names what was being read. */
export class MalformedWasm extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'MalformedWasm';
  }
}

export class ByteReader {
  pos: number;

  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.length) {
    this.pos = start;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  byte(what: string): number {
    if (this.pos >= this.end) throw new MalformedWasm(`unexpected end while reading ${what}`, this.pos);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 of up to `bits` bits, as a Number (exact up to 2^53, enough for every limit we compare). */
  u(what: string, bits: 32 | 64 = 32): number {
    const maxBytes = Math.ceil(bits / 7);
    let result = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.byte(what);
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new MalformedWasm(`over-long integer in ${what}`, this.pos);
  }

  /** Signed LEB128 of up to `bits` bits, as a Number. */
  s(what: string, bits: 32 | 64 = 32): number {
    const maxBytes = Math.ceil(bits / 7);
    let result = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.byte(what);
      result += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return b & 0x40 ? result - scale : result;
    }
    throw new MalformedWasm(`over-long integer in ${what}`, this.pos);
  }

  skip(n: number, what: string): void {
    if (n > this.end - this.pos) throw new MalformedWasm(`${what} runs past its section`, this.pos);
    this.pos += n;
  }

  name(what: string): string {
    const len = this.u(what);
    const start = this.pos;
    this.skip(len, what);
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bytes.subarray(start, this.pos));
  }
}

export function encodeU32(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (what i32.const takes). */
export function encodeS32(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function encodeName(s: string): number[] {
  const utf8 = new TextEncoder().encode(s);
  return [...encodeU32(utf8.length), ...utf8];
}

/** The parts one after another in a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

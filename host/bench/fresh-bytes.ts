// Module bytes V8 has never seen: a custom section with a unique payload defeats its by-content compile cache.

let counter = 0;

function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** `bytes` plus a trailing custom section `wasmfn-bench-nonce`; semantics unchanged (custom sections are ignored). */
export function freshBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode('wasmfn-bench-nonce');
  const payload = new TextEncoder().encode(`${process.pid}-${Date.now()}-${++counter}-${Math.random()}`);
  const body = [...leb128(name.length), ...name, ...payload];
  const section = Uint8Array.from([0, ...leb128(body.length), ...body]);
  const out = new Uint8Array(bytes.length + section.length);
  out.set(bytes, 0);
  out.set(section, bytes.length);
  return out;
}

/** JavaScript source V8 has never seen, for the same purpose. */
export function freshSource(source: string): string {
  return `${source}\n// ${process.pid}-${Date.now()}-${++counter}-${Math.random()}`;
}

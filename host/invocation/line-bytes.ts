// The invocation log line of a successful run, written as bytes straight into a buffer: the same JSON as
// invocationLine() without building a string. A worker writes one per request, and the string form was nearly all
// of what observability cost (docs/design.md). Anything it cannot write exactly (a failure; a method or path that JSON would escape, or
// that is not ASCII) is left to invocationLine(): write() then returns -1.

import type { LineFacts } from './line.js';

/** What a success line holds: a line's facts without a failure's, method and path as the request's raw bytes. */
export type SuccessLineFacts = Omit<LineFacts, 'code' | 'message' | 'trapStack' | 'method' | 'path'> & {
  method: Uint8Array;
  path: Uint8Array;
};

const lit = (s: string): Buffer => Buffer.from(s, 'latin1');
const LEVEL = lit('{"level":');
const TIME = lit(',"time":');
const REQUEST_ID = lit(',"event":"invocation","requestId":"');
const FUNCTION = lit('","function":"');
const VERSION = lit('","version":"');
const METHOD = lit('","method":"');
const PATH = lit('","path":"');
const STATUS = lit('","status":');
const QUEUE = lit(',"code":null,"queueMs":');
const INSTANTIATE = lit(',"instantiateMs":');
const RUN = lit(',"runMs":');
const TOTAL = lit(',"totalMs":');
const FUEL = lit(',"fuelUsed":');
const PAGES = lit(',"peakPages":');
const BYTES_IN = lit(',"bytesIn":');
const BYTES_OUT = lit(',"bytesOut":');
const MSG = lit(',"msg":"');
const FN = lit(' /fn/');
const END = lit('"}\n');
const NULL = lit('null');
/** Every fixed part together, plus room for the numbers: a bound on a line's size before its strings. */
const FIXED_BYTES = 400;

/** Writes the bytes of one JSON line into `buf` at `at`; returns where it ends, or -1 when it cannot. */
export function writeSuccessLine(buf: Buffer, at: number, f: SuccessLineFacts, level: number, nowMs: number): number {
  const strings = f.requestId.length + f.function.length + f.version.length + 2 * (f.method.length + f.path.length);
  if (at + FIXED_BYTES + strings > buf.length || !plain(f.method) || !plain(f.path)) return -1;
  let o = at;
  const raw = (b: Uint8Array): void => {
    buf.set(b, o);
    o += b.length;
  };
  // The request id is SAFE_ID or a UUID, the name matches NAME_RE and the version is hex: none needs escaping.
  const ascii = (s: string): void => {
    o += buf.write(s, o, 'latin1');
  };
  const int = (n: number): void => {
    o = writeInt(buf, o, n);
  };
  const ms = (x: number): void => {
    if (Number.isFinite(x) && x >= 0) o = writeMs(buf, o, x);
    else raw(NULL);
  };
  raw(LEVEL); int(level);
  raw(TIME); int(nowMs);
  raw(REQUEST_ID); ascii(f.requestId);
  raw(FUNCTION); ascii(f.function);
  raw(VERSION); ascii(f.version);
  raw(METHOD); raw(f.method);
  raw(PATH); raw(f.path);
  raw(STATUS); int(f.status);
  raw(QUEUE); ms(f.queueMs);
  raw(INSTANTIATE); ms(f.instantiateMs);
  raw(RUN); ms(f.runMs);
  raw(TOTAL); ms(f.totalMs);
  raw(FUEL);
  if (f.fuelUsed === null) raw(NULL);
  else int(f.fuelUsed);
  raw(PAGES); int(f.peakPages);
  raw(BYTES_IN); int(f.bytesIn);
  raw(BYTES_OUT); int(f.bytesOut);
  raw(MSG); raw(f.method); raw(FN); ascii(f.function); raw(f.path);
  buf[o++] = 0x20;
  int(f.status);
  raw(END);
  return o;
}

/** Printable ASCII that JSON keeps as it is (no quote, no backslash). */
function plain(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** A non-negative integer in decimal. */
function writeInt(buf: Buffer, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 0x30 + n;
    return at + 1;
  }
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  let x = n;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = Math.floor(x / 10);
    buf[i] = 0x30 + (x - q * 10);
    x = q;
  }
  return at + digits;
}

/** Milliseconds rounded to the µs, with three decimals (as toFixed(3) but for how exact halves round). */
function writeMs(buf: Buffer, at: number, ms: number): number {
  const us = Math.round(ms * 1000);
  const whole = Math.floor(us / 1000);
  const frac = us - whole * 1000;
  let o = writeInt(buf, at, whole);
  buf[o++] = 0x2e;
  buf[o++] = 0x30 + Math.floor(frac / 100);
  buf[o++] = 0x30 + (Math.floor(frac / 10) % 10);
  buf[o++] = 0x30 + (frac % 10);
  return o;
}

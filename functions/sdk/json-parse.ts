// A compact JSON parser over UTF-8 bytes (RFC 8259): no copies of strings without escapes, bounded nesting.

import { Json, JsonValue, JsonKind } from "./json";
import { utf8At } from "./wire";

const MAX_DEPTH = 256;

let parseError = "";

export function lastParseError(): string {
  return parseError;
}

export function parseJsonBytes(ptr: usize, len: i32): JsonValue | null {
  parseError = "";
  const p = new Parser(ptr, ptr + <usize>len);
  p.ws();
  const v = p.value(0);
  if (v == null) return null;
  p.ws();
  if (p.pos < p.end) return p.fail("unexpected trailing characters");
  return v;
}

class Parser {
  constructor(public start: usize, public end: usize) {
    this.pos = start;
  }
  pos: usize;

  fail(what: string): JsonValue | null {
    if (parseError.length == 0) parseError = what + " at byte " + (this.pos - this.start).toString();
    return null;
  }

  ws(): void {
    while (this.pos < this.end) {
      const c = load<u8>(this.pos);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      this.pos++;
    }
  }

  value(depth: i32): JsonValue | null {
    if (this.pos >= this.end) return this.fail("unexpected end of input");
    const c = load<u8>(this.pos);
    if (c == 0x7b /* { */) return this.object(depth + 1);
    if (c == 0x5b /* [ */) return this.array(depth + 1);
    if (c == 0x22 /* " */) {
      const s = this.string();
      return s == null ? null : Json.str(s);
    }
    if (c == 0x74) return this.literal("true", Json.bool(true));
    if (c == 0x66) return this.literal("false", Json.bool(false));
    if (c == 0x6e) return this.literal("null", Json.nil());
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    return this.fail("unexpected character");
  }

  literal(word: string, v: JsonValue): JsonValue | null {
    const n = <usize>word.length;
    if (this.pos + n > this.end) return this.fail("unexpected end of input");
    for (let i: usize = 0; i < n; i++) {
      if (<u32>load<u8>(this.pos + i) != <u32>word.charCodeAt(<i32>i)) return this.fail("invalid literal");
    }
    this.pos += n;
    return v;
  }

  object(depth: i32): JsonValue | null {
    if (depth > MAX_DEPTH) return this.fail("nesting too deep");
    this.pos++;
    const obj = new JsonValue(JsonKind.Object);
    const names = obj.names!;
    const items = obj.items!;
    this.ws();
    if (this.pos < this.end && load<u8>(this.pos) == 0x7d) { this.pos++; return obj; }
    while (true) {
      this.ws();
      if (this.pos >= this.end || load<u8>(this.pos) != 0x22) return this.fail("expected a string key");
      const key = this.string();
      if (key == null) return null;
      this.ws();
      if (this.pos >= this.end || load<u8>(this.pos) != 0x3a) return this.fail("expected ':'");
      this.pos++;
      this.ws();
      const v = this.value(depth);
      if (v == null) return null;
      names.push(key);
      items.push(v);
      this.ws();
      if (this.pos >= this.end) return this.fail("unexpected end of input");
      const c = load<u8>(this.pos++);
      if (c == 0x7d) return obj;
      if (c != 0x2c) { this.pos--; return this.fail("expected ',' or '}'"); }
    }
  }

  array(depth: i32): JsonValue | null {
    if (depth > MAX_DEPTH) return this.fail("nesting too deep");
    this.pos++;
    const arr = new JsonValue(JsonKind.Array);
    const items = arr.items!;
    this.ws();
    if (this.pos < this.end && load<u8>(this.pos) == 0x5d) { this.pos++; return arr; }
    while (true) {
      this.ws();
      const v = this.value(depth);
      if (v == null) return null;
      items.push(v);
      this.ws();
      if (this.pos >= this.end) return this.fail("unexpected end of input");
      const c = load<u8>(this.pos++);
      if (c == 0x5d) return arr;
      if (c != 0x2c) { this.pos--; return this.fail("expected ',' or ']'"); }
    }
  }

  number(): JsonValue | null {
    const s = this.pos;
    let simple = true;
    if (load<u8>(this.pos) == 0x2d) this.pos++;
    const intStart = this.pos;
    if (this.pos < this.end && load<u8>(this.pos) == 0x30) this.pos++;
    else if (this.digits() == 0) return this.fail("invalid number");
    if (this.pos - intStart > 15) simple = false;
    if (this.pos < this.end && load<u8>(this.pos) == 0x2e) {
      this.pos++; simple = false;
      if (this.digits() == 0) return this.fail("invalid number");
    }
    if (this.pos < this.end && (load<u8>(this.pos) | 0x20) == 0x65) {
      this.pos++; simple = false;
      if (this.pos < this.end && (load<u8>(this.pos) == 0x2b || load<u8>(this.pos) == 0x2d)) this.pos++;
      if (this.digits() == 0) return this.fail("invalid number");
    }
    if (!simple) return Json.num(parseFloat(utf8At(s, <i32>(this.pos - s))));
    let n: i64 = 0;
    for (let q = intStart; q < this.pos; q++) n = n * 10 + <i64>(load<u8>(q) - 0x30);
    return Json.num(intStart > s ? -<f64>n : <f64>n);
  }

  digits(): i32 {
    const s = this.pos;
    while (this.pos < this.end && <u32>load<u8>(this.pos) - 0x30 < 10) this.pos++;
    return <i32>(this.pos - s);
  }

  /** Reads a string literal at pos (which holds the opening quote). */
  string(): string | null {
    const s = ++this.pos;
    while (this.pos < this.end) {
      const c = load<u8>(this.pos);
      if (c == 0x22) { this.pos++; return utf8At(s, <i32>(this.pos - 1 - s)); }
      if (c == 0x5c) return this.escapedString(s);
      if (c < 0x20) { this.fail("control character in string"); return null; }
      this.pos++;
    }
    this.fail("unterminated string");
    return null;
  }

  /** The slow path: unescapes into a scratch buffer (escapes never lengthen the UTF-8). */
  escapedString(s: usize): string | null {
    const tmp = heap.alloc(this.end - s);
    memory.copy(tmp, s, this.pos - s);
    let o = tmp + (this.pos - s);
    while (this.pos < this.end) {
      const c = load<u8>(this.pos++);
      if (c == 0x22) return utf8At(tmp, <i32>(o - tmp));
      if (c < 0x20) { this.pos--; this.fail("control character in string"); return null; }
      if (c != 0x5c) { store<u8>(o++, c); continue; }
      if (this.pos >= this.end) break;
      const e = load<u8>(this.pos++);
      let out: i32 = -1;
      if (e == 0x22 || e == 0x5c || e == 0x2f) out = e;
      else if (e == 0x62) out = 0x08;
      else if (e == 0x66) out = 0x0c;
      else if (e == 0x6e) out = 0x0a;
      else if (e == 0x72) out = 0x0d;
      else if (e == 0x74) out = 0x09;
      else if (e == 0x75) {
        let cp = this.hex4();
        if (cp < 0) { this.fail("invalid \\u escape"); return null; }
        if ((cp & 0xfc00) == 0xd800 && this.pos + 6 <= this.end
            && load<u8>(this.pos) == 0x5c && load<u8>(this.pos + 1) == 0x75) {
          const save = this.pos;
          this.pos += 2;
          const lo = this.hex4();
          if (lo >= 0 && (lo & 0xfc00) == 0xdc00) cp = 0x10000 + ((cp & 0x3ff) << 10) + (lo & 0x3ff);
          else this.pos = save;
        }
        o = putUtf8(o, cp);
        continue;
      }
      if (out < 0) { this.pos--; this.fail("invalid escape"); return null; }
      store<u8>(o++, <u8>out);
    }
    this.fail("unterminated string");
    return null;
  }

  hex4(): i32 {
    if (this.pos + 4 > this.end) return -1;
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = <i32>load<u8>(this.pos++);
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x61 + 10;
      if (d < 0) return -1;
      v = v << 4 | d;
    }
    return v;
  }
}

/** Writes code point cp as UTF-8 (lone surrogates as WTF-8, which decode back unchanged). */
function putUtf8(o: usize, cp: i32): usize {
  if (cp < 0x80) { store<u8>(o, <u8>cp); return o + 1; }
  if (cp < 0x800) {
    store<u8>(o, <u8>(0xc0 | cp >> 6)); store<u8>(o + 1, <u8>(0x80 | cp & 0x3f)); return o + 2;
  }
  if (cp < 0x10000) {
    store<u8>(o, <u8>(0xe0 | cp >> 12)); store<u8>(o + 1, <u8>(0x80 | cp >> 6 & 0x3f));
    store<u8>(o + 2, <u8>(0x80 | cp & 0x3f)); return o + 3;
  }
  store<u8>(o, <u8>(0xf0 | cp >> 18)); store<u8>(o + 1, <u8>(0x80 | cp >> 12 & 0x3f));
  store<u8>(o + 2, <u8>(0x80 | cp >> 6 & 0x3f)); store<u8>(o + 3, <u8>(0x80 | cp & 0x3f));
  return o + 4;
}

// JSON values for handlers: build, read and stringify them; parsing lives in json-parse.ts.

import { parseJsonBytes, lastParseError } from "./json-parse";
import { writeValue } from "./json-write";

export const enum JsonKind { Null, Bool, Number, String, Array, Object }

export class JsonValue {
  kind: JsonKind;
  b: bool = false;
  n: f64 = 0;
  s: string = "";
  /** Array elements, or object values (parallel to `names`). */
  items: JsonValue[] | null = null;
  /** Object keys in insertion order. */
  names: string[] | null = null;

  constructor(kind: JsonKind) {
    this.kind = kind;
    if (kind == JsonKind.Array || kind == JsonKind.Object) this.items = new Array<JsonValue>(0);
    if (kind == JsonKind.Object) this.names = new Array<string>(0);
  }

  isNull(): bool { return this.kind == JsonKind.Null; }
  isBool(): bool { return this.kind == JsonKind.Bool; }
  isNumber(): bool { return this.kind == JsonKind.Number; }
  isString(): bool { return this.kind == JsonKind.String; }
  isArray(): bool { return this.kind == JsonKind.Array; }
  isObject(): bool { return this.kind == JsonKind.Object; }

  /** The boolean, or false for any other kind. */
  asBool(): bool { return this.kind == JsonKind.Bool && this.b; }
  /** The number, or NaN for any other kind. */
  asNumber(): f64 { return this.kind == JsonKind.Number ? this.n : NaN; }
  /** The string, or "" for any other kind. */
  asString(): string { return this.kind == JsonKind.String ? this.s : ""; }

  /** Elements of an array or values of an object; empty for scalars. */
  get elements(): JsonValue[] {
    const it = this.items;
    return it == null ? new Array<JsonValue>(0) : it;
  }

  /** Keys of an object; empty otherwise. */
  keys(): string[] {
    const k = this.names;
    return k == null ? new Array<string>(0) : k;
  }

  get length(): i32 {
    const it = this.items;
    return it == null ? 0 : it.length;
  }

  /** The value under `key` (the last one if repeated), or null when absent or not an object. */
  get(key: string): JsonValue | null {
    const k = this.names;
    if (k == null) return null;
    for (let i = k.length - 1; i >= 0; i--) {
      if (unchecked(k[i]) == key) return unchecked(this.items![i]);
    }
    return null;
  }

  has(key: string): bool { return this.get(key) != null; }

  getString(key: string, fallback: string = ""): string {
    const v = this.get(key);
    return v != null && v.kind == JsonKind.String ? v.s : fallback;
  }

  getNumber(key: string, fallback: f64 = 0): f64 {
    const v = this.get(key);
    return v != null && v.kind == JsonKind.Number ? v.n : fallback;
  }

  getBool(key: string, fallback: bool = false): bool {
    const v = this.get(key);
    return v != null && v.kind == JsonKind.Bool ? v.b : fallback;
  }

  /** Sets `key` on an object (replacing an existing one); value: JsonValue, string, number or bool. */
  set<T>(key: string, value: T): JsonValue {
    const k = this.names;
    if (k == null) abort("JsonValue.set on a non-object");
    const v = toJson<T>(value);
    for (let i = k!.length - 1; i >= 0; i--) {
      if (unchecked(k![i]) == key) { this.items![i] = v; return this; }
    }
    k!.push(key);
    this.items!.push(v);
    return this;
  }

  /** Appends to an array; value: JsonValue, string, number or bool. */
  push<T>(value: T): JsonValue {
    if (this.kind != JsonKind.Array) abort("JsonValue.push on a non-array");
    this.items!.push(toJson<T>(value));
    return this;
  }

  stringify(): string {
    const parts = new Array<string>(0);
    writeValue(this, parts);
    return parts.join("");
  }

  toString(): string { return this.stringify(); }
}

/** Converts a JsonValue, string, number or bool to a JsonValue at compile time. */
export function toJson<T>(value: T): JsonValue {
  if (isBoolean<T>()) return Json.bool(<bool>value);
  else if (isInteger<T>() || isFloat<T>()) return Json.num(<f64>value);
  else if (isString<T>()) return value == null ? Json.nil() : Json.str(changetype<string>(value));
  else if (isReference<T>() && idof<nonnull<T>>() == idof<JsonValue>()) {
    return value == null ? Json.nil() : changetype<JsonValue>(value);
  } else ERROR("a JSON value must be a JsonValue, string, number or bool");
}

/** Entry points: parse and build JSON values. */
export class Json {
  /** Parses JSON text; null on a syntax error, with the reason in `Json.lastError`. */
  static parse(text: string): JsonValue | null {
    const buf = String.UTF8.encode(text);
    return parseJsonBytes(changetype<usize>(buf), buf.byteLength);
  }

  /** Parses UTF-8 JSON bytes in place (no copy), e.g. a request body. */
  static parseUtf8(ptr: usize, len: i32): JsonValue | null {
    return parseJsonBytes(ptr, len);
  }

  static parseBytes(bytes: Uint8Array): JsonValue | null {
    return parseJsonBytes(bytes.dataStart, bytes.byteLength);
  }

  /** Why the last parse failed, with a byte offset. */
  static get lastError(): string { return lastParseError(); }

  static nil(): JsonValue { return new JsonValue(JsonKind.Null); }
  static bool(b: bool): JsonValue { const v = new JsonValue(JsonKind.Bool); v.b = b; return v; }
  static num(n: f64): JsonValue { const v = new JsonValue(JsonKind.Number); v.n = n; return v; }
  static str(s: string): JsonValue { const v = new JsonValue(JsonKind.String); v.s = s; return v; }
  static arr(): JsonValue { return new JsonValue(JsonKind.Array); }
  static obj(): JsonValue { return new JsonValue(JsonKind.Object); }
}

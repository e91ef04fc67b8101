// JSON serialisation: values to text parts joined once, strings escaped per RFC 8259.

import { JsonValue, JsonKind } from "./json";

export function writeValue(v: JsonValue, out: string[]): void {
  switch (v.kind) {
    case JsonKind.Null: out.push("null"); break;
    case JsonKind.Bool: out.push(v.b ? "true" : "false"); break;
    case JsonKind.Number: out.push(formatNumber(v.n)); break;
    case JsonKind.String: writeString(v.s, out); break;
    case JsonKind.Array: {
      const items = v.items!;
      out.push("[");
      for (let i = 0; i < items.length; i++) {
        if (i > 0) out.push(",");
        writeValue(unchecked(items[i]), out);
      }
      out.push("]");
      break;
    }
    default: {
      const names = v.names!;
      const items = v.items!;
      out.push("{");
      for (let i = 0; i < names.length; i++) {
        if (i > 0) out.push(",");
        writeString(unchecked(names[i]), out);
        out.push(":");
        writeValue(unchecked(items[i]), out);
      }
      out.push("}");
    }
  }
}

/** Like JavaScript: integers without ".0", NaN and infinities as null. */
export function formatNumber(n: f64): string {
  if (!isFinite(n)) return "null";
  if (n == Math.trunc(n) && Math.abs(n) < 9007199254740992) return (<i64>n).toString();
  return n.toString();
}

/** A JSON string literal for s. */
export function quote(s: string): string {
  const out = new Array<string>(0);
  writeString(s, out);
  return out.join("");
}

const HEX = "0123456789abcdef";

function writeString(s: string, out: string[]): void {
  out.push("\"");
  let from = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    if (i > from) out.push(s.substring(from, i));
    from = i + 1;
    if (c == 0x22) out.push("\\\"");
    else if (c == 0x5c) out.push("\\\\");
    else if (c == 0x0a) out.push("\\n");
    else if (c == 0x0d) out.push("\\r");
    else if (c == 0x09) out.push("\\t");
    else if (c == 0x08) out.push("\\b");
    else if (c == 0x0c) out.push("\\f");
    else out.push("\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15));
  }
  if (from == 0) out.push(s);
  else if (from < n) out.push(s.substring(from));
  out.push("\"");
}

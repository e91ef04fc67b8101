// One output line of a map: an item's response ({"index", "status", "body" | "bodyBase64", "headers"?}) or its
// error ({"index", "error": {"code", "message"}}).

import type { ErrorCode } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The line of a response; the body as text when it is UTF-8, else base64. */
export function responseLine(index: number, status: number, body: Uint8Array, headers: readonly string[] | null): string {
  let text: string | null = null;
  try {
    text = utf8.decode(body);
  } catch {
    text = null;
  }
  const bodyPart = text !== null ? `"body":${JSON.stringify(text)}` : `"bodyBase64":"${Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64')}"`;
  const headerPart = headers ? `,"headers":${JSON.stringify(headerObject(headers))}` : '';
  return `{"index":${index},"status":${status},${bodyPart}${headerPart}}\n`;
}

export function errorLine(index: number, code: ErrorCode, message: string): string {
  return `{"index":${index},"error":${JSON.stringify({ code, message })}}\n`;
}

/** name, value, ... as an object; a repeated name's values are joined with ", " (set-cookie's with "\n"). */
function headerObject(headers: readonly string[]): Record<string, string> {
  const o: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!;
    const prev = o[name];
    o[name] = prev === undefined ? headers[i + 1]! : `${prev}${name === 'set-cookie' ? '\n' : ', '}${headers[i + 1]}`;
  }
  return o;
}

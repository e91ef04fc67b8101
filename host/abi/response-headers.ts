// Which of a guest's response headers may go out over HTTP: valid ones, minus those the host owns.

import { escapeJsonControls } from '../control-chars.js';
import { WasmfnError } from '../errors.js';

/** Framing and connection handling are the host's; a guest's Content-Length could contradict its body. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);
/** Set by the host on every invocation response; a guest's own would be ambiguous. */
export const HOST_HEADERS = new Set(['x-request-id', 'server-timing', 'x-wasmfn-fuel']);

/**
 * Most headers a response may carry. The guest chooses the count; a response claiming more is refused (502
 * bad_gateway) before anything is sized by it. Far above what any real response sends.
 */
export const MAX_RESPONSE_HEADERS = 256;

/** A guest string quoted in an error message: long enough to recognise, never the whole of a large one. */
export function shownGuestText(s: string, maxChars = 80): string {
  return escapeJsonControls(JSON.stringify(s.length > maxChars ? `${s.slice(0, maxChars)}...` : s));
}

/** An RFC 9110 token: what a header name may be. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * A character Node's HTTP layer refuses in a header value (its own check, `checkInvalidHeaderChar`): controls
 * other than tab, DEL, and anything past Latin-1. A value it refuses would otherwise throw at writeHead.
 */
// eslint-disable-next-line no-control-regex
export const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Lower-cased names; repeated names stay repeated (set-cookie). Throws bad_gateway on an invalid header. */
export function httpHeaders(headers: readonly [string, string][]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < headers.length; i++) {
    const [k, v] = headers[i]!;
    if (!HEADER_NAME.test(k) || BAD_HEADER_VALUE.test(v)) throw new WasmfnError('bad_gateway', 'the function returned an invalid header');
    const name = k.toLowerCase();
    if (HOP_BY_HOP.has(name) || HOST_HEADERS.has(name)) continue;
    out.push([name, v]);
  }
  return out;
}

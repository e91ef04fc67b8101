// Which of a guest's response headers may go out over HTTP: valid ones, minus those the host owns.

import { WasmfnError } from '../errors.js';

/** Framing and connection handling are the host's; a guest's Content-Length could contradict its body. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);
/** Set by the host on every invocation response; a guest's own would be ambiguous. */
export const HOST_HEADERS = new Set(['x-request-id', 'server-timing', 'x-wasmfn-fuel']);

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Latin-1 without NUL, CR or LF: what HTTP/1.1 can carry without breaking its framing.
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/;

/** Lower-cased names; repeated names stay repeated (set-cookie). Throws bad_gateway on an invalid header. */
export function httpHeaders(headers: readonly [string, string][]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < headers.length; i++) {
    const [k, v] = headers[i]!;
    if (!HEADER_NAME.test(k) || BAD_VALUE.test(v)) throw new WasmfnError('bad_gateway', 'the function returned an invalid header');
    const name = k.toLowerCase();
    if (HOP_BY_HOP.has(name) || HOST_HEADERS.has(name)) continue;
    out.push([name, v]);
  }
  return out;
}

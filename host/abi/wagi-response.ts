// Turns a WAGI guest's stdout into an HTTP response by the CGI 1.1 rules (RFC 3875 section 6).

import type { GuestResponse } from './types.js';
import { copyFresh, type CopyOut } from './sdk-wire.js';
import { BAD_HEADER_VALUE, HEADER_NAME, HOP_BY_HOP, MAX_RESPONSE_HEADERS, shownGuestText } from './response-headers.js';
import { WasmfnError } from '../errors.js';

/** Room allowed for the header block on top of the body limit. */
export const MAX_HEADER_BLOCK_BYTES = 64 * 1024;

/** Statuses that carry no body, so need no Content-Type. */
const NO_BODY = new Set([204, 304]);

const latin1 = new TextDecoder('latin1');
const FORMAT_HINT = 'a WAGI response is header lines (at least "Content-Type: ..."), a blank line, then the body';

function badGateway(message: string, details?: string[]): WasmfnError {
  return new WasmfnError('bad_gateway', message, details ? { details } : {});
}

export function parseCgiResponse(out: Uint8Array, maxBodyBytes: number, copyOut: CopyOut = copyFresh): GuestResponse {
  if (out.length === 0) throw badGateway('the function wrote nothing to stdout', [FORMAT_HINT]);

  const headers: [string, string][] = [];
  let status: number | null = null;
  let hasLocation = false;
  let hasContentType = false;
  let pos = 0;
  let bodyStart = -1;
  for (let lineNo = 1; pos < out.length && pos <= MAX_HEADER_BLOCK_BYTES; lineNo++) {
    const nl = out.indexOf(10, pos);
    if (nl === -1) break;
    const end = nl > pos && out[nl - 1] === 13 ? nl - 1 : nl;
    if (end === pos) {
      bodyStart = nl + 1;
      break;
    }
    const line = latin1.decode(out.subarray(pos, end));
    pos = nl + 1;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    const value = line.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name)) {
      throw badGateway(`stdout does not start with a CGI header block: line ${lineNo} ${shownGuestText(line)} is not a "Name: value" header`, [FORMAT_HINT]);
    }
    if (BAD_HEADER_VALUE.test(value)) throw badGateway(`header ${shownGuestText(name)} has a control character in its value`);
    const lower = name.toLowerCase();
    if (lower === 'status') {
      const m = /^(\d{3})(?:\s|$)/.exec(value);
      const code = m ? Number(m[1]) : NaN;
      if (!(code >= 200 && code <= 599)) throw badGateway(`invalid CGI Status ${shownGuestText(value)} (want a code from 200 to 599, like "Status: 201 Created")`);
      status = code;
      continue;
    }
    if (lower === 'location') hasLocation = true;
    if (lower === 'content-type') hasContentType = true;
    if (HOP_BY_HOP.has(lower)) continue;
    if (headers.length === MAX_RESPONSE_HEADERS) throw badGateway(`the CGI response has more than ${MAX_RESPONSE_HEADERS} headers`);
    headers.push([name, value]);
  }

  if (bodyStart === -1) {
    const why = pos > MAX_HEADER_BLOCK_BYTES ? `no blank line within the first ${MAX_HEADER_BLOCK_BYTES} bytes` : 'no blank line after the headers';
    throw badGateway(`stdout has no complete CGI header block: ${why}`, [FORMAT_HINT]);
  }
  const finalStatus = status ?? (hasLocation ? 302 : 200);
  if (!hasContentType && !hasLocation && !NO_BODY.has(finalStatus)) {
    throw badGateway('the CGI response has no Content-Type header', [FORMAT_HINT]);
  }
  const bodyBytes = out.length - bodyStart;
  if (bodyBytes > maxBodyBytes) {
    throw new WasmfnError('response_too_large', `response body is ${bodyBytes} bytes, over the limit of ${maxBodyBytes}`);
  }
  return { status: finalStatus, headers, body: copyOut(out.subarray(bodyStart)) };
}

// Fast access to the Node request under Hono: headers and body straight from IncomingMessage, because touching
// `Request.body` or `.headers` makes @hono/node-server build a full undici Request (tens of µs per call).

import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { WasmfnError } from '../errors.js';
import { formatBytes, readBodyCapped } from './read-body.js';

export function incomingOf(c: Context): IncomingMessage | null {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming ?? null;
}

/** Header pairs with lower-case names, in arrival order. */
export function requestHeaders(c: Context): [string, string][] {
  const incoming = incomingOf(c);
  if (!incoming) return [...c.req.raw.headers];
  const raw = incoming.rawHeaders;
  const out: [string, string][] = new Array(raw.length / 2);
  for (let i = 0, j = 0; i < raw.length; i += 2, j++) out[j] = [raw[i]!.toLowerCase(), raw[i + 1]!];
  return out;
}

/** The body, refused with payload_too_large as soon as it passes `maxBytes`. */
export async function requestBody(c: Context, maxBytes: number, what: string): Promise<Uint8Array> {
  const incoming = incomingOf(c);
  if (!incoming) return readBodyCapped(c.req.raw, maxBytes, what);
  const declared = incoming.headers['content-length'];
  if (declared === undefined && incoming.headers['transfer-encoding'] === undefined) return EMPTY;
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(c, incoming, what, maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(c, incoming, what, maxBytes);
    chunks.push(chunk);
  }
  if (chunks.length === 1) return new Uint8Array(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength);
  const all = Buffer.concat(chunks, total);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

const EMPTY = new Uint8Array(0);

function tooLarge(c: Context, incoming: IncomingMessage, what: string, maxBytes: number): WasmfnError {
  // Stop reading; the connection closes after the 413 instead of draining the rest of the upload.
  incoming.pause();
  c.header('connection', 'close');
  return new WasmfnError('payload_too_large', `${what} is larger than the ${formatBytes(maxBytes)} limit`);
}

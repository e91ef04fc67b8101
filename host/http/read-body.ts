// Reads a request body up to a byte cap, refusing while streaming rather than after buffering everything.

import { WasmfnError } from '../errors.js';
import type { BodyLease } from './body-budget.js';

/** With a `lease`, the body's bytes are taken from its budget as they come (a declared length at once). */
export async function readBodyCapped(req: Request, maxBytes: number, what: string, lease?: BodyLease): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(what, maxBytes);
  if (!req.body) return new Uint8Array(0);
  let taken = 0;
  if (lease && declared !== null && Number(declared) > 0) lease.take((taken = Number(declared)));
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge(what, maxBytes);
      if (lease && total > taken) {
        lease.take(total - taken);
        taken = total;
      }
      chunks.push(value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    // Anything but our own refusals comes from the stream's source: the client went away mid-body.
    if (e instanceof WasmfnError) throw e;
    throw new WasmfnError('bad_request', 'the client closed the connection before sending the whole body');
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

function tooLarge(what: string, maxBytes: number): WasmfnError {
  return new WasmfnError('payload_too_large', `${what} is larger than the ${formatBytes(maxBytes)} limit`);
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

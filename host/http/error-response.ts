// The one place errors become HTTP responses: JSON {"error": {code, message, details?}}, never a stack or host path.

import type { Context } from 'hono';
import { WasmfnError } from '../errors.js';
import { escapeControl } from '../control-chars.js';
import type { Outgoing } from './head-reply.js';

/** Messages quote names and text from requests and guests; escaped here too, whatever made them. */
export function errorBody(err: WasmfnError): { error: { code: string; message: string; details?: string[] } } {
  return { error: { code: err.code, message: escapeControl(err.message), ...(err.details ? { details: err.details.map(escapeControl) } : {}) } };
}

export function toWasmfnError(e: unknown): WasmfnError {
  if (e instanceof WasmfnError) return e;
  return new WasmfnError('internal', 'internal error');
}

/** The status, JSON body and headers of an error, for both ways of answering with it. */
function errorParts(e: unknown): { status: number; body: string; headers: Record<string, string> } {
  const err = toWasmfnError(e);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (err.retryAfterS !== undefined) headers['retry-after'] = String(err.retryAfterS);
  if (err.closeConnection) headers.connection = 'close';
  return { status: err.status, body: JSON.stringify(errorBody(err)), headers };
}

export function errorResponse(c: Context, e: unknown): Response {
  const { status, body, headers } = errorParts(e);
  return c.body(body, status as 400, headers);
}

/**
 * The same response written straight to Node's response (the invocation route answers that way once it has
 * handed Hono RESPONSE_ALREADY_SENT). `headers` is a flat name, value list added to the error's own.
 */
export function writeError(res: Outgoing, e: unknown, headers: string[]): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, body, headers: own } = errorParts(e);
  const h: string[] = [];
  for (const [k, v] of Object.entries(own)) h.push(k, v);
  h.push(...headers, 'content-length', String(Buffer.byteLength(body)));
  res.writeHead(status, h);
  res.end(body);
}

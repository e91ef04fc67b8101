// Bearer-token guard for the admin API, compared in constant time.

import crypto from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { WasmfnError } from '../errors.js';

export function bearerAuth(token: string): MiddlewareHandler {
  // Hashing both sides gives equal-length buffers, so timingSafeEqual never leaks the token's length.
  const expected = crypto.createHash('sha256').update(token).digest();
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const given = crypto.createHash('sha256').update(m ? m[1]!.trim() : '').digest();
    if (!m || !crypto.timingSafeEqual(given, expected)) {
      throw new WasmfnError('unauthorized', m ? 'invalid token' : 'missing "Authorization: Bearer <token>" header');
    }
    await next();
  };
}

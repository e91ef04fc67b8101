// Request ids: taken from a sane incoming x-request-id or generated, and echoed on every response.

import crypto from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function newRequestId(given: string | undefined): string {
  return given && SAFE_ID.test(given) ? given : crypto.randomUUID();
}

/** For every route but the invocation routes, which set the id (and its header) themselves. */
export function requestId(): MiddlewareHandler<{ Variables: { requestId: string } }> {
  return async (c, next) => {
    const id = newRequestId(c.req.header('x-request-id'));
    c.set('requestId', id);
    await next();
    c.res.headers.set('x-request-id', id);
  };
}

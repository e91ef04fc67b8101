// Request ids: taken from a sane incoming x-request-id or generated, and echoed on every response.

import crypto from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

const HAS_ID = Symbol('hasRequestId');

/** For a route that already put x-request-id into its response. */
export function markHasRequestId(res: Response): void {
  (res as unknown as Record<symbol, boolean>)[HAS_ID] = true;
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(): MiddlewareHandler<{ Variables: { requestId: string } }> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const id = given && SAFE_ID.test(given) ? given : crypto.randomUUID();
    c.set('requestId', id);
    await next();
    // The invocation route puts the id into its response itself, which spares materialising the headers.
    if (!(HAS_ID in c.res)) c.res.headers.set('x-request-id', id);
  };
}

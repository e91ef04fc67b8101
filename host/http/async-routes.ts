// Admin routes of asynchronous invocations: status, dead letters of a function, and a retry of a dead one.

import { Hono } from 'hono';
import { WasmfnError } from '../errors.js';
import { checkName } from '../store/deploy-config.js';
import type { AsyncEvents } from '../events/async-events.js';
import { invocationView } from '../events/invocation.js';
import type { DeadLetter } from '../events/triggers/trigger-service.js';
import { bearerAuth } from './auth.js';

const MAX_DEAD_LETTERS = 1000;

/** `triggerDeadLetters`: messages of the function's topic or stream triggers that used up their deliveries. */
export function mountAsyncRoutes(
  app: Hono<{ Variables: { requestId: string } }>, token: string, events: AsyncEvents,
  triggerDeadLetters: (fn: string, limit: number) => Promise<DeadLetter[]> = async () => [],
): void {
  const api = new Hono();
  api.use('*', bearerAuth(token));

  api.get('/invocations/:id', async (c) => {
    const s = await events.get(c.req.param('id'));
    if (!s) throw new WasmfnError('not_found', `no invocation "${c.req.param('id').slice(0, 80)}" (finished ones are kept for WASMFN_ASYNC_RETENTION_H hours)`);
    return c.json(invocationView(s));
  });

  api.post('/invocations/:id/retry', async (c) => {
    const s = await events.retry(c.req.param('id'));
    return c.json(invocationView(s), 202, { location: `/api/invocations/${s.id}` });
  });

  api.get('/functions/:name/dead-letters', async (c) => {
    const name = checkName(c.req.param('name'));
    const raw = c.req.query('limit');
    const limit = raw === undefined ? 100 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DEAD_LETTERS) throw new WasmfnError('bad_request', `limit must be an integer from 1 to ${MAX_DEAD_LETTERS}`);
    const [invocations, messages] = await Promise.all([events.deadLetters(name, limit), triggerDeadLetters(name, limit)]);
    return c.json({ invocations: invocations.map(invocationView), messages });
  });

  app.route('/api', api);
}

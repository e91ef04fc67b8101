// POST /api/topics/:topic (admin): publishes the body as one message to a topic; the functions whose triggers
// name it get it (host/events/triggers). `?subject=` sets the message's subject (default: the topic's name), which
// ordered triggers keep in order.

import { Hono } from 'hono';
import { WasmfnError } from '../errors.js';
import type { HostOptions } from '../config.js';
import type { TriggerService } from '../events/triggers/trigger-service.js';
import { bearerAuth } from './auth.js';
import { readBodyCapped } from './read-body.js';
import { BodyLease, type BodyBudget } from './body-budget.js';

const TOPIC_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
const SUBJECT_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,255}$/;

export function topicRoutes(triggers: TriggerService, opts: HostOptions, token: string, bodies: BodyBudget): Hono {
  const app = new Hono();
  app.use('*', bearerAuth(token));
  app.post('/:topic', async (c) => {
    const topic = c.req.param('topic');
    if (!TOPIC_RE.test(topic)) throw new WasmfnError('bad_request', `invalid topic name: use 1-128 of A-Z, a-z, 0-9, ".", "_" and "-"`);
    const subject = c.req.query('subject') ?? topic;
    if (!SUBJECT_RE.test(subject)) throw new WasmfnError('bad_request', 'invalid subject: use 1-256 of A-Z, a-z, 0-9, ".", "_" and "-"');
    const lease = new BodyLease(bodies);
    try {
      const payload = await readBodyCapped(c.req.raw, opts.maxRequestBytes, 'message', lease);
      const seq = await triggers.publish(topic, subject, payload);
      return c.json({ topic, subject, seq }, 202);
    } finally {
      lease.release();
    }
  });
  return app;
}

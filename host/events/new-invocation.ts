// A queued invocation as both entries make it: an HTTP call with `Prefer: respond-async`, and a schedule's tick.

import crypto from 'node:crypto';
import type { LiveFunction } from '../store/registry.js';
import type { Invocation, StoredRequest } from './invocation.js';
import { policyOf } from './retry-policy.js';

export function newInvocation(fn: LiveFunction, request: StoredRequest, callbackUrl: string | null, id: string = crypto.randomUUID()): Invocation {
  const now = Date.now();
  return {
    id, function: fn.name, version: fn.version, status: 'queued', attempts: 0, attemptBase: 0,
    createdAt: now, startedAt: null, finishedAt: null, nextAt: now,
    policy: policyOf(fn.events.async), callbackUrl, result: null, error: null, request,
  };
}

// The event parts of a deploy config: the retry policy of asynchronous invocations and the cron schedules.
// Checked here, at deploy time, so a bad pattern is a 400 and never a schedule that silently never fires.

import { Cron } from 'croner';

export interface AsyncPolicyConfig {
  maxAttempts?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface ScheduleConfig {
  cron: string;
  /** Path after /fn/<name>, default "/". */
  path?: string;
  body?: string;
}

/** Highest maxAttempts a policy may ask for (the cluster consumer's max_deliver is built from it). */
export const MAX_ASYNC_ATTEMPTS = 20;
const MAX_BACKOFF_MS = 24 * 3600_000;
const MAX_SCHEDULES = 16;
const MAX_SCHEDULE_BODY = 64 * 1024;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkAsyncPolicy(raw: unknown, problems: string[]): AsyncPolicyConfig | undefined {
  if (raw === undefined) return undefined;
  if (!isObj(raw)) {
    problems.push('"async" must be an object like {"maxAttempts": 3, "backoffMs": 1000, "maxBackoffMs": 60000}');
    return undefined;
  }
  const out: AsyncPolicyConfig = {};
  const limits = { maxAttempts: [1, MAX_ASYNC_ATTEMPTS], backoffMs: [0, MAX_BACKOFF_MS], maxBackoffMs: [0, MAX_BACKOFF_MS] } as const;
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in limits)) { problems.push(`unknown field "async.${k}"`); continue; }
    const [min, max] = limits[k as keyof typeof limits];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`async.${k} must be an integer from ${min} to ${max}`);
    else out[k as keyof AsyncPolicyConfig] = v;
  }
  return out;
}

export function checkSchedules(raw: unknown, problems: string[]): ScheduleConfig[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    problems.push('"schedules" must be an array like [{"cron": "*/10 * * * * *", "path": "/tick"}]');
    return undefined;
  }
  if (raw.length > MAX_SCHEDULES) problems.push(`at most ${MAX_SCHEDULES} schedules per function`);
  const out: ScheduleConfig[] = [];
  raw.forEach((s, i) => {
    if (!isObj(s)) return void problems.push(`schedules[${i}] must be an object`);
    for (const k of Object.keys(s)) if (!['cron', 'path', 'body'].includes(k)) problems.push(`unknown field "schedules[${i}].${k}"`);
    const entry: ScheduleConfig = { cron: '' };
    if (typeof s.cron !== 'string') problems.push(`schedules[${i}].cron must be a string`);
    else {
      const fields = s.cron.trim().split(/\s+/).length;
      if (fields !== 5 && fields !== 6) problems.push(`schedules[${i}].cron must have 5 or 6 fields (seconds first when 6), got ${fields}`);
      else {
        try {
          new Cron(s.cron, { timezone: 'UTC', paused: true }).stop();
          entry.cron = s.cron.trim();
        } catch (e) {
          problems.push(`schedules[${i}].cron: ${(e as Error).message}`);
        }
      }
    }
    if (s.path !== undefined) {
      if (typeof s.path !== 'string' || !/^\/[^\s#]*$/.test(s.path) || s.path.length > 1024) problems.push(`schedules[${i}].path must start with "/" (no spaces or "#")`);
      else entry.path = s.path;
    }
    if (s.body !== undefined) {
      if (typeof s.body !== 'string' || s.body.length > MAX_SCHEDULE_BODY) problems.push(`schedules[${i}].body must be a string of at most ${MAX_SCHEDULE_BODY} characters`);
      else entry.body = s.body;
    }
    out.push(entry);
  });
  return out;
}

/** The query form: asyncMaxAttempts, asyncBackoffMs, asyncMaxBackoffMs (decimal digits only). */
export const ASYNC_QUERY_KEYS: Record<string, keyof AsyncPolicyConfig> = {
  asyncMaxAttempts: 'maxAttempts',
  asyncBackoffMs: 'backoffMs',
  asyncMaxBackoffMs: 'maxBackoffMs',
};

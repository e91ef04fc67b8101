// Parses and checks a deploy's function name and config (JSON part or query parameters) against host limits.

import { WasmfnError } from '../errors.js';
import type { FunctionLimits } from '../config.js';
import { ABI_NAMES, type AbiName } from '../abi/types.js';
import { checkCapabilityConfig, canonicalCapabilities, CAPABILITY_FIELDS, type CapabilityConfig } from './capability-config.js';
import { checkTriggers, type TriggerConfig } from './trigger-config.js';
import { ASYNC_QUERY_KEYS, checkAsyncPolicy, checkSchedules, type AsyncPolicyConfig, type ScheduleConfig } from './events-config.js';

export const NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** What a user may set at deploy time; absent fields take the host defaults. */
export interface DeployConfig extends CapabilityConfig {
  limits: Partial<FunctionLimits>;
  env: Record<string, string>;
  abi?: AbiName;
  /** What invokes the function besides HTTP (topics, streams): trigger-config.ts. */
  triggers?: TriggerConfig[];
  /** Retry policy of asynchronous invocations. */
  async?: AsyncPolicyConfig;
  /** Cron triggers, each tick one asynchronous invocation. */
  schedules?: ScheduleConfig[];
}

const LIMIT_KEYS = ['memoryMb', 'timeoutMs', 'fuel'] as const;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Matches ENV_KEY_RE, but assigning it to an object sets the prototype instead of a key: it would vanish. */
const RESERVED_ENV_KEYS = ['__proto__'];
const MAX_ENV_BYTES = 64 * 1024;

export function checkName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new WasmfnError('bad_request', `invalid function name "${name.slice(0, 80)}": use 1-63 of a-z, 0-9 and "-", starting with a letter or digit`);
  }
  return name;
}

export function parseConfigJson(text: string, maxima: FunctionLimits): DeployConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new WasmfnError('bad_request', 'config is not valid JSON');
  }
  return checkConfig(raw, maxima);
}

/** Query form of the config: memoryMb, timeoutMs, fuel, abi, and env=KEY=value (repeatable). */
export function parseConfigQuery(params: URLSearchParams, maxima: FunctionLimits): DeployConfig {
  const limits: Record<string, unknown> = {};
  const env: [string, string][] = [];
  let abi: string | undefined;
  const asyncPolicy: Record<string, unknown> = {};
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const [k, v] of params) {
    // Given twice, one of them would be dropped without a word: refused, as is `abi`.
    if (k !== 'env' && seen.has(k)) throw new WasmfnError('bad_request', `config field "${k}" is given more than once`);
    seen.add(k);
    // Plain decimal digits only: Number() would also take "0x10", "1e1" or " 8".
    if ((LIMIT_KEYS as readonly string[]).includes(k)) limits[k] = /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
    else if (k === 'env') {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new WasmfnError('bad_request', `env query parameter must be KEY=value, got "${v.slice(0, 80)}"`);
      env.push([v.slice(0, eq), v.slice(eq + 1)]);
    } else if (k === 'abi') abi = v;
    else if (k in ASYNC_QUERY_KEYS) asyncPolicy[ASYNC_QUERY_KEYS[k]!] = /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
    else unknown.push(k);
  }
  if (unknown.length) throw new WasmfnError('bad_request', `unknown config field(s): ${unknown.join(', ')}`, { details: unknown.map((u) => `unknown field "${u}"`) });
  // fromEntries defines keys rather than assigning them, so a reserved key reaches checkConfig to be refused.
  return checkConfig({
    limits, env: Object.fromEntries(env), ...(abi !== undefined ? { abi } : {}), ...(Object.keys(asyncPolicy).length ? { async: asyncPolicy } : {}),
  }, maxima);
}

export function checkConfig(raw: unknown, maxima: FunctionLimits): DeployConfig {
  const problems: string[] = [];
  if (!isPlainObject(raw)) throw new WasmfnError('bad_request', 'config must be a JSON object');
  for (const k of Object.keys(raw)) if (!['limits', 'env', 'abi', 'async', 'schedules', 'triggers', ...CAPABILITY_FIELDS].includes(k)) problems.push(`unknown field "${k}"`);
  const limits: Partial<FunctionLimits> = {};
  if (raw.limits !== undefined) {
    if (!isPlainObject(raw.limits)) problems.push('"limits" must be an object');
    else {
      for (const [k, v] of Object.entries(raw.limits)) {
        if (!(LIMIT_KEYS as readonly string[]).includes(k)) { problems.push(`unknown field "limits.${k}"`); continue; }
        const key = k as (typeof LIMIT_KEYS)[number];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.push(`limits.${k} must be a positive integer`);
        else if (v > maxima[key]) problems.push(`limits.${k} ${v} exceeds the host maximum ${maxima[key]}`);
        else limits[key] = v;
      }
    }
  }
  const env: Record<string, string> = {};
  if (raw.env !== undefined) {
    if (!isPlainObject(raw.env)) problems.push('"env" must be an object of strings');
    else {
      let bytes = 0;
      for (const [k, v] of Object.entries(raw.env)) {
        if (!ENV_KEY_RE.test(k)) problems.push(`env key "${k.slice(0, 80)}" must match ${ENV_KEY_RE.source}`);
        else if (RESERVED_ENV_KEYS.includes(k)) problems.push(`env key "${k}" is reserved`);
        else if (typeof v !== 'string') problems.push(`env.${k} must be a string`);
        else { env[k] = v; bytes += k.length + v.length; }
      }
      if (bytes > MAX_ENV_BYTES) problems.push(`env is larger than ${MAX_ENV_BYTES} bytes`);
    }
  }
  let abi: AbiName | undefined;
  if (raw.abi !== undefined) {
    if (typeof raw.abi !== 'string' || !(ABI_NAMES as readonly string[]).includes(raw.abi)) problems.push(`abi must be one of ${ABI_NAMES.join(', ')}`);
    else abi = raw.abi as AbiName;
  }
  const asyncPolicy = checkAsyncPolicy(raw.async, problems);
  const schedules = checkSchedules(raw.schedules, problems);
  const capabilities = checkCapabilityConfig(raw, problems);
  const triggers = raw.triggers !== undefined ? checkTriggers(raw.triggers, problems) : [];
  if (problems.length) throw new WasmfnError('bad_request', `invalid config: ${problems[0]}`, { details: problems });
  return {
    limits, env, ...(abi ? { abi } : {}), ...(asyncPolicy ? { async: asyncPolicy } : {}), ...(schedules ? { schedules } : {}),
    ...(triggers.length ? { triggers } : {}), ...capabilities,
  };
}

/** Stable text of a config, so equal configs hash equal whatever their key order. */
export function canonicalConfig(c: DeployConfig): string {
  const sortObj = (o: Record<string, unknown>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  // The event and capability parts only when set, so configs without them keep the versions they always had.
  return JSON.stringify({
    abi: c.abi ?? null, env: sortObj(c.env), limits: sortObj(c.limits),
    ...(c.async ? { async: sortObj(c.async as Record<string, unknown>) } : {}),
    ...(c.schedules ? { schedules: c.schedules.map((s) => sortObj(s as unknown as Record<string, unknown>)) } : {}),
    ...canonicalCapabilities(c),
    ...(c.triggers?.length ? { triggers: c.triggers } : {}),
  });
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

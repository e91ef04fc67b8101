// The capability fields of a deploy config: what a function is granted (every capability is denied unless its
// config grants it). `kv`: shared stores it may use besides its own; `kvMb`: the size cap of the stores it writes;
// `allowedHosts`: origins of its outbound requests; `variables` and `secrets`: what `config.get` (and a WAGI
// guest's environment) sees. Secrets arrive as plain strings and are sealed by the registry before anything is
// stored or hashed (secrets/secret-box.ts); only sealed ones are ever written.

import { WasmfnError } from '../errors.js';
import type { SealedSecret, SecretBox } from '../secrets/secret-box.js';
import { parseAllowedHost } from './allowed-hosts.js';

export const CAPABILITY_FIELDS = ['kv', 'kvMb', 'allowedHosts', 'variables', 'secrets'] as const;

export interface CapabilityConfig {
  kv?: string[];
  kvMb?: number;
  allowedHosts?: string[];
  variables?: Record<string, string>;
  /** Plain strings straight from a deploy, sealed ones once the registry has sealed them. */
  secrets?: Record<string, string | SealedSecret>;
}

const STORE_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const VAR_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MAX_KV_MB = 1024;
const MAX_CONFIG_BYTES = 64 * 1024;
const MAX_ENTRIES = 100;

export function checkCapabilityConfig(raw: Record<string, unknown>, problems: string[]): CapabilityConfig {
  const out: CapabilityConfig = {};
  if (raw.kv !== undefined) {
    const list = stringList(raw.kv, 'kv', problems);
    for (const s of list) if (!STORE_RE.test(s)) problems.push(`kv store name "${s.slice(0, 80)}" must match ${STORE_RE.source}`);
    out.kv = [...new Set(list)].sort();
  }
  if (raw.kvMb !== undefined) {
    const v = raw.kvMb;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_KV_MB) problems.push(`kvMb must be an integer in [1, ${MAX_KV_MB}]`);
    else out.kvMb = v;
  }
  if (raw.allowedHosts !== undefined) {
    const list = stringList(raw.allowedHosts, 'allowedHosts', problems);
    for (const h of list) {
      const parsed = parseAllowedHost(h);
      if (typeof parsed === 'string') problems.push(`allowedHosts: ${parsed}`);
    }
    out.allowedHosts = [...new Set(list)].sort();
  }
  for (const field of ['variables', 'secrets'] as const) {
    const v = raw[field];
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) { problems.push(`"${field}" must be an object of strings`); continue; }
    const entries: Record<string, string> = {};
    let bytes = 0;
    for (const [k, val] of Object.entries(v)) {
      if (!VAR_RE.test(k) || k === '__proto__') problems.push(`${field} name "${k.slice(0, 80)}" must match ${VAR_RE.source}`);
      // The value is never echoed: a secret's text must not reach an error message.
      else if (typeof val !== 'string') problems.push(`${field}.${k} must be a string`);
      else { entries[k] = val; bytes += k.length + val.length; }
    }
    if (Object.keys(entries).length > MAX_ENTRIES) problems.push(`${field} has more than ${MAX_ENTRIES} entries`);
    if (bytes > MAX_CONFIG_BYTES) problems.push(`${field} is larger than ${MAX_CONFIG_BYTES} bytes`);
    out[field] = entries;
  }
  if (out.variables && out.secrets) {
    for (const k of Object.keys(out.secrets)) if (k in out.variables) problems.push(`"${k}" is both a variable and a secret`);
  }
  return out;
}

function stringList(v: unknown, field: string, problems: string[]): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    problems.push(`"${field}" must be a list of strings`);
    return [];
  }
  if (v.length > MAX_ENTRIES) problems.push(`"${field}" has more than ${MAX_ENTRIES} entries`);
  return v as string[];
}

/** The capability part of the version hash: present fields only (configs without them hash as before), secrets by digest. */
export function canonicalCapabilities(c: CapabilityConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.kv?.length) out.kv = c.kv;
  if (c.kvMb !== undefined) out.kvMb = c.kvMb;
  if (c.allowedHosts?.length) out.allowedHosts = c.allowedHosts;
  if (c.variables && Object.keys(c.variables).length) out.variables = sortedObject(c.variables);
  if (c.secrets && Object.keys(c.secrets).length) {
    const digests: Record<string, string> = {};
    for (const k of Object.keys(c.secrets).sort()) {
      const s = c.secrets[k]!;
      if (typeof s === 'string') throw new Error('a secret must be sealed before the config is hashed');
      digests[k] = s.digest;
    }
    out.secrets = digests;
  }
  return out;
}

function sortedObject(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]!]));
}

/** The config with its plain secrets sealed (refused when the host has no secret box). */
export function sealSecrets<C extends CapabilityConfig>(fn: string, c: C, box: SecretBox | null): C {
  if (!c.secrets || Object.values(c.secrets).every((s) => typeof s !== 'string')) return c;
  if (!box) throw new WasmfnError('bad_request', 'this host keeps no secrets (no secret key)');
  const sealed: Record<string, SealedSecret> = {};
  for (const [k, v] of Object.entries(c.secrets)) sealed[k] = typeof v === 'string' ? box.seal(fn, k, v) : v;
  return { ...c, secrets: sealed };
}

/** What the sandbox enforces for a function, built when a version is made live. */
export interface Grants {
  /** Stores it may use: its own (named like it) first, then the shared ones of its config. */
  stores: string[];
  kvBytes: number;
  allowedHosts: string[];
  /** Variables and opened secrets, for config.get and a WAGI guest's environment. Never written anywhere. */
  config: Record<string, string>;
}

export const DEFAULT_KV_MB = 64;

export function grantsOf(fn: string, c: CapabilityConfig, box: SecretBox | null): Grants {
  const config: Record<string, string> = { ...c.variables };
  for (const [k, s] of Object.entries(c.secrets ?? {})) {
    if (typeof s === 'string') throw new WasmfnError('internal', `secret "${k}" of function "${fn}" is not sealed`);
    if (!box) throw new WasmfnError('internal', `function "${fn}" has secrets, but this host keeps no secret key`);
    config[k] = box.open(fn, k, s);
  }
  return {
    stores: [fn, ...(c.kv ?? []).filter((s) => s !== fn)],
    kvBytes: (c.kvMb ?? DEFAULT_KV_MB) * 1024 * 1024,
    allowedHosts: c.allowedHosts ?? [],
    config,
  };
}

/** The metadata of a version's capabilities: secret names, never values. */
export function capabilityMeta(c: CapabilityConfig): { kv: string[]; kvMb: number; allowedHosts: string[]; variables: Record<string, string>; secrets: string[] } {
  return {
    kv: c.kv ?? [],
    kvMb: c.kvMb ?? DEFAULT_KV_MB,
    allowedHosts: c.allowedHosts ?? [],
    variables: c.variables ?? {},
    secrets: Object.keys(c.secrets ?? {}).sort(),
  };
}

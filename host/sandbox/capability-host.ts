// The main thread's side of capability calls: checks what the calling function was granted and what its
// invocation has left (operations, requests, time), then does the work on the key-value backend or the network.
// Every refusal is a CapFailure the guest reads, never a trap.

import { CapabilityError } from '../abi/capability-codes.js';
import type { CapReply, CapRequest, CapValue } from '../abi/capability-bridge.js';
import type { LiveFunction } from '../store/registry.js';
import type { KvBackend } from '../kv/backend.js';
import { checkKey, checkStoreName, checkValue, DEFAULT_KEYS_PAGE, MAX_KEYS_PAGE, MAX_KV_OPS } from '../kv/limits.js';
import { MAX_FETCHES, outboundFetch, type FetchRecord } from '../fetch/outbound.js';
import { parseAllowedHost, type AllowedOrigin } from '../store/allowed-hosts.js';

/** What one invocation has used of its capabilities. */
export class CallUsage {
  kvOps = 0;
  fetches: FetchRecord[] = [];
}

export interface CapabilityServices {
  /** Null until the host has one (tests of the pool alone): key-value calls answer `unavailable`. */
  kv: KvBackend | null;
  /** Outbound response body cap. */
  maxFetchResponseBytes: number;
}

export class CapabilityHost {
  private readonly origins = new WeakMap<LiveFunction, AllowedOrigin[]>();

  constructor(private readonly services: CapabilityServices) {}

  /** `timeLeftMs`: what the invocation has left of its timeoutMs. */
  async handle(fn: LiveFunction, usage: CallUsage, timeLeftMs: number, req: CapRequest): Promise<CapReply> {
    try {
      return { ok: true, value: await this.run(fn, usage, timeLeftMs, req) };
    } catch (e) {
      if (e instanceof CapabilityError) return { ok: false, error: e.toJSON() };
      return { ok: false, error: { code: 'unavailable', message: `the host could not complete the call: ${(e as Error).message}` } };
    }
  }

  private async run(fn: LiveFunction, usage: CallUsage, timeLeftMs: number, req: CapRequest): Promise<CapValue> {
    if (req.op === 'http_fetch') {
      if (fn.grants.allowedHosts.length === 0) {
        throw new CapabilityError('denied', `function "${fn.name}" may not make outbound requests: its config has no allowedHosts`);
      }
      if (usage.fetches.length >= MAX_FETCHES) throw new CapabilityError('too_many_calls', `more than ${MAX_FETCHES} outbound requests in one invocation`);
      return outboundFetch(req, { allowed: this.allowed(fn), maxResponseBytes: this.services.maxFetchResponseBytes }, timeLeftMs, (r) => usage.fetches.push(r));
    }
    if (++usage.kvOps > MAX_KV_OPS) throw new CapabilityError('too_many_calls', `more than ${MAX_KV_OPS} key-value operations in one invocation`);
    const store = req.store === '' ? fn.name : checkStoreName(req.store);
    if (!fn.grants.stores.includes(store)) {
      throw new CapabilityError('denied', `function "${fn.name}" may not use store "${store}": name it in its config's "kv" list`);
    }
    const kv = this.services.kv;
    if (!kv) throw new CapabilityError('unavailable', 'no key-value store on this host');
    switch (req.op) {
      case 'kv_get': return kv.get(store, checkKey(req.key));
      case 'kv_exists': return kv.exists(store, checkKey(req.key));
      case 'kv_delete': return kv.delete(store, checkKey(req.key));
      case 'kv_set': {
        const key = checkKey(req.key);
        await kv.set(store, key, checkValue(req.value), fn.grants.kvBytes);
        return undefined;
      }
      case 'kv_increment': return kv.increment(store, checkKey(req.key), req.delta, fn.grants.kvBytes);
      case 'kv_keys': {
        const limit = req.limit <= 0 ? DEFAULT_KEYS_PAGE : Math.min(req.limit, MAX_KEYS_PAGE);
        return kv.keys(store, req.prefix, req.cursor, limit);
      }
    }
  }

  private allowed(fn: LiveFunction): AllowedOrigin[] {
    let list = this.origins.get(fn);
    if (!list) {
      list = fn.grants.allowedHosts.map(parseAllowedHost).filter((a): a is AllowedOrigin => typeof a !== 'string');
      this.origins.set(fn, list);
    }
    return list;
  }
}

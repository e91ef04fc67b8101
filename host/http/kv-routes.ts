// The admin key-value routes: GET /api/kv/:store?prefix=&cursor=&limit= lists keys, GET|PUT|DELETE
// /api/kv/:store/:key reads, writes (the raw body) and deletes one (the key URL-encoded, "/" as %2F or as is).

import type { Hono } from 'hono';
import { WasmfnError } from '../errors.js';
import { CapabilityError, type CapErrorCode } from '../abi/capability-codes.js';
import type { KvBackend } from '../kv/backend.js';
import { checkKey, checkStoreName, checkValue, DEFAULT_KEYS_PAGE, DEFAULT_KV_MB, MAX_KEYS_PAGE, MAX_VALUE_BYTES } from '../kv/limits.js';
import type { Registry } from '../store/registry.js';
import { bearerAuth } from './auth.js';
import { readBodyCapped } from './read-body.js';

type App = Hono<{ Variables: { requestId: string } }>;

const STATUS_CODE: Partial<Record<CapErrorCode, WasmfnError['code']>> = {
  key_too_large: 'bad_request', invalid: 'bad_request', value_too_large: 'payload_too_large', store_full: 'payload_too_large',
  not_a_number: 'bad_request', unavailable: 'unavailable',
};

async function admin<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (e) {
    if (e instanceof CapabilityError) throw new WasmfnError(STATUS_CODE[e.code] ?? 'internal', e.message);
    throw e;
  }
}

export function mountKvRoutes(app: App, token: string, kv: KvBackend, registry: Registry): void {
  const auth = bearerAuth(token);

  app.get('/api/kv/:store', auth, async (c) => {
    const name = await admin(async () => checkStoreName(c.req.param('store')));
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? DEFAULT_KEYS_PAGE : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_KEYS_PAGE) throw new WasmfnError('bad_request', `limit must be an integer in [1, ${MAX_KEYS_PAGE}]`);
    const page = await admin(() => kv.keys(name, c.req.query('prefix') ?? '', c.req.query('cursor') ?? '', limit));
    return c.json(page);
  });

  app.get('/api/kv/:store/:key{.+}', auth, async (c) => {
    const name = await admin(async () => checkStoreName(c.req.param('store')));
    const key = await admin(async () => checkKey(c.req.param('key')));
    const value = await admin(() => kv.get(name, key));
    if (value === null) throw new WasmfnError('not_found', `no key "${key.slice(0, 80)}" in store "${name}"`);
    return c.body(Buffer.from(value.buffer, value.byteOffset, value.byteLength) as unknown as ArrayBuffer, 200, { 'content-type': 'application/octet-stream' });
  });

  app.put('/api/kv/:store/:key{.+}', auth, async (c) => {
    const name = await admin(async () => checkStoreName(c.req.param('store')));
    const key = await admin(async () => checkKey(c.req.param('key')));
    const body = await readBodyCapped(c.req.raw, MAX_VALUE_BYTES, 'value');
    const cap = (registry.get(name)?.grants.kvBytes) ?? DEFAULT_KV_MB * 1024 * 1024;
    await admin(() => kv.set(name, key, checkValue(body), cap));
    return c.body(null, 204);
  });

  app.delete('/api/kv/:store/:key{.+}', auth, async (c) => {
    const name = await admin(async () => checkStoreName(c.req.param('store')));
    const key = await admin(async () => checkKey(c.req.param('key')));
    if (!(await admin(() => kv.delete(name, key)))) throw new WasmfnError('not_found', `no key "${key.slice(0, 80)}" in store "${name}"`);
    return c.body(null, 204);
  });
}

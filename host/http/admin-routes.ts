// The admin API under /api/functions: deploy, list, inspect, delete, roll back. Bearer auth on every route.

import { Hono } from 'hono';
import { WasmfnError } from '../errors.js';
import type { HostOptions } from '../config.js';
import type { Registry } from '../store/registry.js';
import { checkName, isPlainObject, parseConfigJson, parseConfigQuery, type DeployConfig } from '../store/deploy-config.js';
import { bearerAuth } from './auth.js';
import { readBodyCapped } from './read-body.js';
import { BodyLease, type BodyBudget } from './body-budget.js';

/** Room for multipart framing and the config part on top of the module cap. */
const MULTIPART_SLACK_BYTES = 1024 * 1024;

export function adminRoutes(registry: Registry, opts: HostOptions, token: string, bodies: BodyBudget, extras?: (name: string) => Record<string, unknown> | Promise<Record<string, unknown>>): Hono {
  const api = new Hono();
  api.use('*', bearerAuth(token));

  api.get('/functions', (c) => c.json({ functions: registry.list().map((f) => f.meta) }));

  api.get('/functions/:name', async (c) => {
    const name = checkName(c.req.param('name'));
    const { live, history, versions } = await registry.versions(name);
    return c.json({ ...registry.require(name).meta, live, history, versions, ...(await extras?.(name)) });
  });

  api.put('/functions/:name', async (c) => {
    const name = checkName(c.req.param('name'));
    // An upload counts against the cap on invocation bodies until its deploy is over: concurrent uploads (each
    // up to the module cap) cannot add up past it either.
    const lease = new BodyLease(bodies);
    try {
      const { module, config, files } = await readDeploy(c.req.raw, opts, lease);
      const { created, meta } = await registry.deploy(name, module, config, files);
      return c.json(meta, created ? 201 : 200);
    } finally {
      lease.release();
    }
  });

  api.delete('/functions/:name', async (c) => {
    await registry.remove(checkName(c.req.param('name')));
    return c.body(null, 204);
  });

  api.post('/functions/:name/rollback', async (c) => {
    const name = checkName(c.req.param('name'));
    const text = new TextDecoder().decode(await readBodyCapped(c.req.raw, 64 * 1024, 'rollback body'));
    let version: string | undefined;
    if (text.trim()) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new WasmfnError('bad_request', 'rollback body must be JSON like {"version": "..."}');
      }
      // Anything but an object ("oops", 42, null, []) is refused rather than read as a plain rollback.
      const ok = isPlainObject(body) && Object.keys(body).every((k) => k === 'version') && (body.version === undefined || typeof body.version === 'string');
      if (!ok) throw new WasmfnError('bad_request', 'rollback body must be {"version": "<version id>"} or empty');
      version = (body as { version?: string }).version;
    }
    return c.json(await registry.rollback(name, version));
  });

  return api;
}

async function readDeploy(req: Request, opts: HostOptions, lease: BodyLease): Promise<{ module: Uint8Array; config: DeployConfig; files: Uint8Array | null }> {
  const type = (req.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
  const params = new URL(req.url).searchParams;
  if (type === 'application/wasm' || type === 'application/octet-stream') {
    const config = parseConfigQuery(params, opts.maxima);
    const module = await readBodyCapped(req, opts.maxModuleBytes, 'module', lease);
    return { module, config, files: null };
  }
  if (type === 'multipart/form-data') {
    if ([...params.keys()].length) throw new WasmfnError('bad_request', 'send the config either as a multipart "config" part or as query parameters, not both');
    const raw = await readBodyCapped(req, opts.maxModuleBytes + MULTIPART_SLACK_BYTES, 'upload', lease);
    let form: FormData;
    try {
      form = await new Response(raw as Uint8Array<ArrayBuffer>, { headers: { 'content-type': req.headers.get('content-type')! } }).formData();
    } catch {
      throw new WasmfnError('bad_request', 'malformed multipart/form-data body');
    }
    const part = form.get('module');
    if (!part || typeof part === 'string') throw new WasmfnError('bad_request', 'multipart body needs a "module" file part');
    if (part.size > opts.maxModuleBytes) throw new WasmfnError('payload_too_large', `module is larger than the ${opts.maxModuleBytes} byte limit`);
    const cfgPart = form.get('config');
    const cfgText = cfgPart === null ? '{}' : typeof cfgPart === 'string' ? cfgPart : await cfgPart.text();
    const unknown = [...form.keys()].filter((k) => k !== 'module' && k !== 'config' && k !== 'files');
    if (unknown.length) throw new WasmfnError('bad_request', `unknown multipart part(s): ${unknown.join(', ')}`);
    const filesPart = form.get('files');
    if (typeof filesPart === 'string') throw new WasmfnError('bad_request', 'the "files" part must be a file (a tar or zip archive)');
    // Module and files count together against the upload cap.
    if (part.size + (filesPart?.size ?? 0) > opts.maxModuleBytes) throw new WasmfnError('payload_too_large', `module and files are larger than the ${opts.maxModuleBytes} byte limit`);
    const files = filesPart ? new Uint8Array(await filesPart.arrayBuffer()) : null;
    return { module: new Uint8Array(await part.arrayBuffer()), config: parseConfigJson(cfgText, opts.maxima), files };
  }
  throw new WasmfnError('bad_request', `unsupported content type "${type}": send application/wasm, application/octet-stream or multipart/form-data`);
}

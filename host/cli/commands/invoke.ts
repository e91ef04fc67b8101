// `wasmfn invoke <name> [path] [--data TEXT] [--method M] [--header K:V ...] [--async [--callback URL]]`: calls a
// function and prints its body; with --async queues the call and prints the invocation's id.

import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { toApiError } from '../client.js';
import { escapeControl } from '../../control-chars.js';

export const run: Command = async (argv, ctx) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string', short: 'd' },
      method: { type: 'string', short: 'X' },
      header: { type: 'string', short: 'H', multiple: true },
      include: { type: 'boolean', short: 'i' },
      async: { type: 'boolean' },
      callback: { type: 'string' },
    },
  });
  const [name, path = ''] = positionals;
  if (!name || positionals.length > 2) {
    ctx.err('usage: wasmfn invoke <name> [path] [--data TEXT] [--method M] [--header "K: V"] [-i] [--async [--callback URL]]');
    return 2;
  }
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) {
      ctx.err(`--header takes "Name: value", got "${h}"`);
      return 2;
    }
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  if (values.callback !== undefined && !values.async) {
    ctx.err('--callback needs --async');
    return 2;
  }
  if (values.async) {
    headers.prefer = 'respond-async';
    if (values.callback !== undefined) headers['x-callback-url'] = values.callback;
  }
  const method = values.method ?? (values.data !== undefined ? 'POST' : 'GET');
  const suffix = path ? (path.startsWith('/') || path.startsWith('?') ? path : `/${path}`) : '';
  const res = await ctx.client.raw(method, `/fn/${encodeURIComponent(name)}${suffix}`, values.data, headers, false);
  if (values.include) {
    ctx.out(`HTTP ${res.status}`);
    for (const [k, v] of res.headers) ctx.out(`${escapeControl(k)}: ${escapeControl(v)}`);
    ctx.out('');
  }
  if (!res.ok) throw await toApiError(res);
  if (values.async && res.status === 202) {
    const { id } = (await res.json()) as { id: string };
    ctx.out(id);
    return 0;
  }
  ctx.out(await res.text());
  return 0;
};

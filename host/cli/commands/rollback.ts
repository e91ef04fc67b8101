// `wasmfn rollback <name> [--version V]`: makes the previous (or the named) version live again.

import { parseArgs } from 'node:util';
import type { Command } from '../command.js';

export const run: Command = async (argv, ctx) => {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { version: { type: 'string' } } });
  const [name] = positionals;
  if (!name || positionals.length > 1) {
    ctx.err('usage: wasmfn rollback <name> [--version V]');
    return 2;
  }
  const body = values.version ? JSON.stringify({ version: values.version }) : undefined;
  const meta = await ctx.client.json<{ name: string; version: string }>('POST', `/api/functions/${encodeURIComponent(name)}/rollback`, body, { 'content-type': 'application/json' });
  ctx.out(`${meta.name} is now at version ${meta.version}`);
  return 0;
};

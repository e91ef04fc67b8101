// `wasmfn invocation <id> [--wait]`: an asynchronous invocation's record as JSON; --wait polls until it is done.

import { parseArgs } from 'node:util';
import type { Command } from '../command.js';

const POLL_MS = 250;

export const run: Command = async (argv, ctx) => {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { wait: { type: 'boolean', short: 'w' } } });
  const [id] = positionals;
  if (!id || positionals.length > 1) {
    ctx.err('usage: wasmfn invocation <id> [--wait]');
    return 2;
  }
  for (;;) {
    const inv = await ctx.client.json<{ status: string }>('GET', `/api/invocations/${encodeURIComponent(id)}`);
    if (!values.wait || inv.status === 'succeeded' || inv.status === 'dead') {
      ctx.out(JSON.stringify(inv, null, 2));
      return inv.status === 'dead' ? 1 : 0;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
};

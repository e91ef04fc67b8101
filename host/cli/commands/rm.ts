// `wasmfn rm <name>`: deletes a function and all its versions.

import type { Command } from '../command.js';

export const run: Command = async (argv, ctx) => {
  const [name, ...rest] = argv;
  if (!name || rest.length) {
    ctx.err('usage: wasmfn rm <name>');
    return 2;
  }
  await ctx.client.api('DELETE', `/api/functions/${encodeURIComponent(name)}`);
  ctx.out(`removed ${name}`);
  return 0;
};

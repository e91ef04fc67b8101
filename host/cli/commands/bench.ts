// `wasmfn bench`: the cold-start benchmark (same as `npm run bench`).

import type { Command } from '../command.js';

export const run: Command = async (argv) => {
  const { runBench } = await import('../../bench/main.js');
  return runBench(argv);
};

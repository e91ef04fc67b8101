// What every CLI command module exports.

import type { ApiClient } from './client.js';

export interface CommandContext {
  client: ApiClient;
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Runs with the arguments after the command name; resolves to the exit code. */
export type Command = (argv: string[], ctx: CommandContext) => Promise<number>;

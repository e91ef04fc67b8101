// The admin token: from the options, or generated once and kept in the data dir with mode 0600.

import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { exists, writeFileAtomic } from './store/atomic-fs.js';

export const TOKEN_FILE = 'token';

export async function resolveToken(dataDir: string, given: string | null): Promise<{ token: string; generated: boolean; file: string }> {
  const file = path.join(dataDir, TOKEN_FILE);
  if (given) return { token: given, generated: false, file };
  if (await exists(file)) return { token: (await fs.readFile(file, 'utf8')).trim(), generated: false, file };
  await fs.mkdir(dataDir, { recursive: true });
  const token = crypto.randomBytes(32).toString('base64url');
  await writeFileAtomic(file, `${token}\n`, 0o600);
  return { token, generated: true, file };
}

/** For clients (the CLI): the token from the environment, else from the data dir, else null. */
export async function readToken(dataDir: string): Promise<string | null> {
  if (process.env.WASMFN_TOKEN) return process.env.WASMFN_TOKEN;
  const file = path.join(dataDir, TOKEN_FILE);
  return (await exists(file)) ? (await fs.readFile(file, 'utf8')).trim() : null;
}

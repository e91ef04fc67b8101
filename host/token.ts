// The admin token: from the options, or generated once and kept in the data dir with mode 0600 (as every file there).

import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { WasmfnError } from './errors.js';
import { exists, mkdirPrivate, writeFileAtomic } from './store/atomic-fs.js';

export const TOKEN_FILE = 'token';

export async function resolveToken(dataDir: string, given: string | null): Promise<{ token: string; generated: boolean; file: string }> {
  const file = path.join(dataDir, TOKEN_FILE);
  // Trimmed like the token in an Authorization header, or a token with surrounding whitespace could never match.
  if (given) return { token: usable(given.trim(), 'the admin token given by WASMFN_TOKEN or --token is blank'), generated: false, file };
  if (await exists(file)) {
    // Refused, not regenerated: the token that was in the file may have been handed out, and a blank one
    // would lock everyone out of the admin API.
    const token = (await fs.readFile(file, 'utf8')).trim();
    return { token: usable(token, `the token file ${file} is blank: put the admin token in it, or remove it to have a new one generated`), generated: false, file };
  }
  await mkdirPrivate(dataDir);
  const token = crypto.randomBytes(32).toString('base64url');
  await writeFileAtomic(file, `${token}\n`);
  return { token, generated: true, file };
}

/** A token kept in a file of the operator's choosing (`wasmfn serve --token-file`), so it never shows in argv. */
export async function readTokenFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new WasmfnError('bad_request', `cannot read the token file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  return usable(text.trim(), `the token file ${file} is blank: put the admin token in it`);
}

function usable(token: string, problem: string): string {
  if (!token) throw new WasmfnError('bad_request', problem);
  return token;
}

/** For clients (the CLI): the token from the environment, else from the data dir, else null. */
export async function readToken(dataDir: string): Promise<string | null> {
  if (process.env.WASMFN_TOKEN) return process.env.WASMFN_TOKEN;
  const file = path.join(dataDir, TOKEN_FILE);
  return (await exists(file)) ? (await fs.readFile(file, 'utf8')).trim() : null;
}

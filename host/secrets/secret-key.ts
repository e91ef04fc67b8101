// The key secrets are sealed with: WASMFN_SECRET_KEY (64 hex digits or base64 of 32 bytes), else a key generated on
// first use into a file OUTSIDE the data dir (default `<data dir>.secret-key`, beside it, mode 0600), so a copy or
// backup of the data dir alone does not carry what opens its secrets.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { WasmfnError } from '../errors.js';

/** Where the generated key is kept for a data dir unless WASMFN_SECRET_KEY_FILE says otherwise. */
export function defaultSecretKeyFile(dataDir: string): string {
  const dir = path.resolve(dataDir);
  return path.join(path.dirname(dir), `${path.basename(dir)}.secret-key`);
}

export function parseSecretKey(text: string, from: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.byteLength !== 32 || (!/^[0-9a-fA-F]{64}$/.test(t) && !/^[A-Za-z0-9+/_-]{43}=?$/.test(t))) {
    throw new WasmfnError('bad_request', `${from} must be 32 bytes as 64 hex digits or base64`);
  }
  return key;
}

/** The key from `given`, else read from `file`, else generated into `file` (0600, never overwritten). */
export function loadSecretKey(given: string | null, file: string): Buffer {
  if (given) return parseSecretKey(given, 'WASMFN_SECRET_KEY');
  try {
    return parseSecretKey(fs.readFileSync(file, 'utf8'), `the secret key file ${file}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const key = crypto.randomBytes(32);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process made it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return parseSecretKey(fs.readFileSync(file, 'utf8'), `the secret key file ${file}`);
    throw e;
  }
  return key;
}

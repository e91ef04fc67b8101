// Crash-safe file writes: temp file, fsync, rename, then fsync of the directory so the rename itself is durable.
// Everything under the data dir is private to the host's user (config.json holds env values such as passwords,
// the token file the admin token): files 0600, directories 0700, set outright rather than left to the umask.

import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** The temp entry a write of `target` goes through: `.<name>.<random hex>.tmp` beside it. */
function tempPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/** Whether a directory entry is a temp file or directory of a write that never finished. */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/** Deletes the temp entries in `dir` (none there, or no `dir`, is fine). */
export async function removeTempEntries(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const e of entries) if (isTempName(e)) await fs.rm(path.join(dir, e), { recursive: true, force: true });
}

/** Creates `dir` and any missing parents as 0700; an existing directory keeps the mode its owner gave it. */
export async function mkdirPrivate(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const first = await fs.mkdir(target, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  for (let d = target; ; d = path.dirname(d)) {
    await fs.chmod(d, PRIVATE_DIR_MODE);
    if (d === path.resolve(first) || d === path.dirname(d)) break;
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Creates `file` (0600) holding `data`, synced to disk. */
async function writePrivateFile(file: string, data: string | Uint8Array): Promise<void> {
  const fh = await fs.open(file, 'wx', PRIVATE_FILE_MODE);
  try {
    await fh.chmod(PRIVATE_FILE_MODE);
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces `file` whole. On any failure (a full disk fails the write) the temp file is gone again. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPath(file);
  try {
    await writePrivateFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(path.dirname(file));
}

/** Writes several files into a fresh directory and moves it into place whole, so readers never see a partial one. */
export async function writeDirAtomic(target: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const parent = path.dirname(target);
  await mkdirPrivate(parent);
  const tmp = tempPath(target);
  try {
    await fs.mkdir(tmp, { mode: PRIVATE_DIR_MODE });
    await fs.chmod(tmp, PRIVATE_DIR_MODE);
    for (const [name, data] of Object.entries(files)) await writePrivateFile(path.join(tmp, name), data);
    await fsyncDir(tmp);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(parent);
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as T;
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

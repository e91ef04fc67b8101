// Crash-safe file writes: temp file, fsync, rename, then fsync of the directory so the rename itself is durable.

import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  const fh = await fs.open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}

/** Writes several files into a fresh directory and moves it into place whole, so readers never see a partial one. */
export async function writeDirAtomic(target: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(target)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  await fs.mkdir(tmp);
  try {
    for (const [name, data] of Object.entries(files)) {
      const fh = await fs.open(path.join(tmp, name), 'w', 0o644);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await fsyncDir(tmp);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
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

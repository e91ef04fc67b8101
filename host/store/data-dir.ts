// The data dir as a host finds it at start-up: created private when missing, checked when it exists, and rid of
// the temp files of writes to its top level (the token, examples.json) that a crash or a full disk cut short.

import fs from 'node:fs/promises';
import path from 'node:path';
import { mkdirPrivate, removeTempEntries } from './atomic-fs.js';

export interface DataDirState {
  /** The mode of an existing data dir that lets group or other users in (it should be 0700), else null. */
  looseMode: number | null;
}

export async function openDataDir(dataDir: string): Promise<DataDirState> {
  await mkdirPrivate(dataDir);
  // Left as its owner set it (they may share it on purpose), but the token and env values are inside.
  const mode = (await fs.stat(dataDir)).mode & 0o777;
  await removeTempEntries(path.resolve(dataDir));
  return { looseMode: (mode & 0o077) !== 0 ? mode : null };
}

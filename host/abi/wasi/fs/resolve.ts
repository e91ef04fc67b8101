// Path resolution for WASI's path_* calls, done here component by component rather than by the OS, so that no
// absolute path, `..` or symlink (however nested) can reach outside the directory fd the guest passed: escaping
// it is ENOTCAPABLE, as in wasmtime.

import { ERRNO, FILETYPE } from '../defs.js';
import { FsError, type FsBackend, type FsPath } from './types.js';

/** Symlinks followed in one resolution before it is a loop (Linux's MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

export interface Resolved {
  /** From the backend's root; the last one may be missing (a file to create) or, unless followed, a symlink. */
  parts: string[];
  /** The path ended in `/`, `.` or `..`: it names a directory. */
  mustBeDir: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The guest's path bytes as text: not UTF-8 is EILSEQ, a NUL EINVAL. */
export function pathText(bytes: Uint8Array): string {
  let s: string;
  try {
    s = decoder.decode(bytes);
  } catch {
    throw new FsError(ERRNO.ILSEQ);
  }
  if (s.includes('\0')) throw new FsError(ERRNO.INVAL);
  return s;
}

function split(path: string): { parts: string[]; dir: boolean } {
  const raw = path.split('/');
  const lastRaw = raw[raw.length - 1];
  return { parts: raw.filter((c) => c !== '' && c !== '.'), dir: lastRaw === '' || lastRaw === '.' || lastRaw === '..' };
}

export type Follow = 'yes' | 'trailing' | 'no';

/**
 * `path` relative to the directory at `base`, confined to it. A final symlink is followed always ('yes'), only
 * before a trailing slash ('trailing', as lstat("link/") does), or never ('no', for unlink, rmdir, rename).
 */
export function resolvePath(fs: FsBackend, base: FsPath, path: string, follow: Follow): Resolved {
  if (path === '') throw new FsError(ERRNO.NOENT);
  if (path.startsWith('/')) throw new FsError(ERRNO.NOTCAPABLE);
  const first = split(path);
  let queue = first.parts;
  let mustBeDir = first.dir;
  const stack: string[] = [];
  let links = 0;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === '..') {
      if (stack.length === 0) throw new FsError(ERRNO.NOTCAPABLE);
      stack.pop();
      if (queue.length === 0) mustBeDir = true;
      continue;
    }
    const last = queue.length === 0;
    if (!last || follow === 'yes' || (follow === 'trailing' && mustBeDir)) {
      const full = [...base, ...stack, c];
      let filetype: number;
      try {
        filetype = fs.lstat(full).filetype;
      } catch (e) {
        if (last && e instanceof FsError && e.errno === ERRNO.NOENT) {
          stack.push(c);
          break;
        }
        throw e;
      }
      if (filetype === FILETYPE.SYMBOLIC_LINK) {
        if (++links > MAX_SYMLINKS) throw new FsError(ERRNO.LOOP);
        const target = fs.readlink(full);
        if (target === '') throw new FsError(ERRNO.NOENT);
        if (target.startsWith('/')) throw new FsError(ERRNO.NOTCAPABLE);
        const t = split(target);
        if (last && t.dir) mustBeDir = true;
        queue = [...t.parts, ...queue];
        if (queue.length === 0) mustBeDir = true;
        continue;
      }
      if (!last && filetype !== FILETYPE.DIRECTORY) throw new FsError(ERRNO.NOTDIR);
    }
    stack.push(c);
  }
  return { parts: [...base, ...stack], mustBeDir };
}

// What the WASI calls on files and directories share: their arguments checked and turned into fd entries and
// resolved paths (rights, fd kinds, the guest's path text), and stats written back in the ABI's layout.

import { ERRNO, FILETYPE, FSTFLAGS, LAYOUT } from './defs.js';
import type { GuestMemory } from './memory.js';
import { FsError, type FileStat } from './fs/types.js';
import type { DirFd, FdEntry, FdTable, FileFd } from './fs/fd-table.js';
import { pathText, resolvePath, type Follow, type Resolved } from './fs/resolve.js';

export interface FsHost {
  fds: FdTable;
}

export type FsImpl = (w: FsHost, m: GuestMemory, ...args: never[]) => number;

export const fail = (errno: number): never => {
  throw new FsError(errno);
};

/** An i64 argument; a host call made with the wrong signature (i32 for i64) passes a number instead. */
export function big(x: bigint | number): bigint {
  return typeof x === 'bigint' ? x : BigInt(x);
}

/** The same read as the u64 it stands for. */
export function u64(x: bigint | number): bigint {
  return BigInt.asUintN(64, big(x));
}

export function dirFd(w: FsHost, fd: number): DirFd {
  const e = w.fds.need(fd);
  return e.kind === 'dir' ? e : fail(ERRNO.NOTDIR);
}

export function fileFd(w: FsHost, fd: number): FileFd {
  const e = w.fds.need(fd);
  return e.kind === 'file' ? e : e.kind === 'dir' ? fail(ERRNO.ISDIR) : fail(ERRNO.SPIPE);
}

/** ENOTCAPABLE unless the fd holds `right` (rights only shrink: path_open and fd_fdstat_set_rights narrow them). */
export function needRight(e: FdEntry, right: bigint): void {
  if ((e.rightsBase & right) === 0n) fail(ERRNO.NOTCAPABLE);
}

export function guestPath(m: GuestMemory, ptr: number, len: number): string {
  return pathText(m.bytes(ptr, len));
}

export function resolve(w: FsHost, fd: number, m: GuestMemory, ptr: number, len: number, follow: Follow): Resolved & { dir: DirFd } {
  const dir = dirFd(w, fd);
  const path = guestPath(m, ptr, len);
  const r = resolvePath(dir.fs, dir.parts, path, follow);
  return { ...r, dir };
}

export function lstatOrNull(dir: DirFd, parts: string[]): FileStat | null {
  try {
    return dir.fs.lstat(parts);
  } catch (e) {
    if (e instanceof FsError && e.errno === ERRNO.NOENT) return null;
    throw e;
  }
}

export function writeFilestat(m: GuestMemory, out: number, s: FileStat): void {
  const o = out >>> 0;
  m.fill(o, LAYOUT.FILESTAT_SIZE);
  m.setU64(o, s.dev);
  m.setU64(o + 8, s.ino);
  m.setU8(o + 16, s.filetype);
  m.setU64(o + 24, s.nlink);
  m.setU64(o + 32, s.size);
  m.setU64(o + 40, s.atimNs);
  m.setU64(o + 48, s.mtimNs);
  m.setU64(o + 56, s.ctimNs);
}

/** fstflags to the times to set (null = leave); EINVAL for a time both given and "now", or unknown bits. */
export function timesFrom(atimArg: bigint, mtimArg: bigint, flags: number): [bigint | null, bigint | null] {
  const atim = u64(atimArg);
  const mtim = u64(mtimArg);
  if (flags & ~0xf || (flags & FSTFLAGS.ATIM && flags & FSTFLAGS.ATIM_NOW) || (flags & FSTFLAGS.MTIM && flags & FSTFLAGS.MTIM_NOW)) {
    fail(ERRNO.INVAL);
  }
  const now = BigInt(Date.now()) * 1_000_000n;
  const a = flags & FSTFLAGS.ATIM ? atim : flags & FSTFLAGS.ATIM_NOW ? now : null;
  const t = flags & FSTFLAGS.MTIM ? mtim : flags & FSTFLAGS.MTIM_NOW ? now : null;
  return [a, t];
}

export function entryStat(e: FdEntry): FileStat {
  if (e.kind === 'file') return e.handle.stat();
  if (e.kind === 'dir') return e.fs.lstat(e.parts);
  return { filetype: FILETYPE.UNKNOWN, dev: 0n, ino: 0n, nlink: 0n, size: 0n, atimNs: 0n, mtimNs: 0n, ctimNs: 0n };
}

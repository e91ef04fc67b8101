// WASI preview 1 calls on files and directories: fds 3 and up of a guest with preopened directories.

import { DIR_RIGHTS, ERRNO, FDFLAGS, FILE_RIGHTS, FILETYPE, FSTFLAGS, LAYOUT, LOOKUP_SYMLINK_FOLLOW, OFLAGS, RIGHTS, WHENCE } from './defs.js';
import type { GuestMemory } from './memory.js';
import { FsError, type FileStat, type OpenOptions } from './fs/types.js';
import type { DirFd, FdEntry, FdTable, FileFd } from './fs/fd-table.js';
import { pathText, resolvePath, type Follow, type Resolved } from './fs/resolve.js';

export interface FsHost {
  fds: FdTable;
}

type FsImpl = (w: FsHost, m: GuestMemory, ...args: never[]) => number;

const fail = (errno: number): never => {
  throw new FsError(errno);
};

const encoder = new TextEncoder();

/** An i64 argument; a host call made with the wrong signature (i32 for i64) passes a number instead. */
function big(x: bigint | number): bigint {
  return typeof x === 'bigint' ? x : BigInt(x);
}

/** The same read as the u64 it stands for. */
function u64(x: bigint | number): bigint {
  return BigInt.asUintN(64, big(x));
}

function dirFd(w: FsHost, fd: number): DirFd {
  const e = w.fds.need(fd);
  return e.kind === 'dir' ? e : fail(ERRNO.NOTDIR);
}

function fileFd(w: FsHost, fd: number): FileFd {
  const e = w.fds.need(fd);
  return e.kind === 'file' ? e : e.kind === 'dir' ? fail(ERRNO.ISDIR) : fail(ERRNO.SPIPE);
}

/** ENOTCAPABLE unless the fd holds `right` (rights only shrink: path_open and fd_fdstat_set_rights narrow them). */
function needRight(e: FdEntry, right: bigint): void {
  if ((e.rightsBase & right) === 0n) fail(ERRNO.NOTCAPABLE);
}

function guestPath(m: GuestMemory, ptr: number, len: number): string {
  return pathText(m.bytes(ptr, len));
}

function resolve(w: FsHost, fd: number, m: GuestMemory, ptr: number, len: number, follow: Follow): Resolved & { dir: DirFd } {
  const dir = dirFd(w, fd);
  const path = guestPath(m, ptr, len);
  const r = resolvePath(dir.fs, dir.parts, path, follow);
  return { ...r, dir };
}

function lstatOrNull(dir: DirFd, parts: string[]): FileStat | null {
  try {
    return dir.fs.lstat(parts);
  } catch (e) {
    if (e instanceof FsError && e.errno === ERRNO.NOENT) return null;
    throw e;
  }
}

function writeFilestat(m: GuestMemory, out: number, s: FileStat): void {
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
function timesFrom(atimArg: bigint, mtimArg: bigint, flags: number): [bigint | null, bigint | null] {
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

function entryStat(e: FdEntry): FileStat {
  if (e.kind === 'file') return e.handle.stat();
  if (e.kind === 'dir') return e.fs.lstat(e.parts);
  return { filetype: FILETYPE.UNKNOWN, dev: 0n, ino: 0n, nlink: 0n, size: 0n, atimNs: 0n, mtimNs: 0n, ctimNs: 0n };
}

/** Reads a file fd into iovec buffers at `position` (its own when null); returns the bytes read. */
export function fileRead(e: FileFd, dests: Uint8Array[], position: number | null): number {
  if (!e.readable) fail(ERRNO.BADF);
  needRight(e, RIGHTS.FD_READ);
  let at = position ?? e.position;
  let total = 0;
  for (const d of dests) {
    const n = e.handle.read(d, at);
    at += n;
    total += n;
    if (n < d.length) break;
  }
  if (position === null) e.position = at;
  return total;
}

export function fileWrite(e: FileFd, srcs: Uint8Array[], position: number | null): number {
  if (!e.writable) fail(ERRNO.BADF);
  needRight(e, RIGHTS.FD_WRITE);
  const append = position === null && (e.fdflags & FDFLAGS.APPEND) !== 0;
  let at = append ? Number(e.handle.stat().size) : position ?? e.position;
  let total = 0;
  for (const s of srcs) {
    const n = e.handle.write(s, at);
    at += n;
    total += n;
  }
  if (position === null) e.position = at;
  return total;
}

/** poll_oneoff's view of an fd: regular files are always ready. */
export function fdReadiness(w: FsHost, fd: number, read: boolean): { error: number; nbytes: bigint } | null {
  const e = w.fds.get(fd);
  if (e === undefined) return { error: ERRNO.BADF, nbytes: 0n };
  if (e.kind === 'stdio') return null;
  if (e.kind === 'dir') return { error: ERRNO.BADF, nbytes: 0n };
  if (read && !e.readable) return { error: ERRNO.BADF, nbytes: 0n };
  if (!read && !e.writable) return { error: ERRNO.BADF, nbytes: 0n };
  const size = e.handle.stat().size;
  return { error: ERRNO.SUCCESS, nbytes: read ? (size > BigInt(e.position) ? size - BigInt(e.position) : 0n) : 0n };
}

const DIRENT_HEADER = LAYOUT.DIRENT_SIZE;

export const FS_CALLS: Record<string, FsImpl> = {
  fd_prestat_get: (w, m, fd: number, out: number) => {
    const e = w.fds.get(fd);
    if (e === undefined || e.kind !== 'dir' || e.preopen === null) return ERRNO.BADF;
    m.fill(out, 8);
    m.setU32((out >>> 0) + 4, encoder.encode(e.preopen).length);
    return ERRNO.SUCCESS;
  },
  fd_prestat_dir_name: (w, m, fd: number, buf: number, len: number) => {
    const e = w.fds.get(fd);
    if (e === undefined || e.kind !== 'dir' || e.preopen === null) return ERRNO.BADF;
    const name = encoder.encode(e.preopen);
    if ((len >>> 0) < name.length) return ERRNO.NAMETOOLONG;
    m.set(buf, name);
    return ERRNO.SUCCESS;
  },
  fd_fdstat_get: (w, m, fd: number, out: number) => {
    const e = w.fds.need(fd);
    const o = out >>> 0;
    m.fill(o, LAYOUT.FDSTAT_SIZE);
    const filetype = e.kind === 'dir' ? FILETYPE.DIRECTORY : e.kind === 'file' ? FILETYPE.REGULAR_FILE : FILETYPE.UNKNOWN;
    m.setU8(o, filetype);
    m.setU16(o + 2, e.fdflags);
    m.setU64(o + 8, e.rightsBase);
    m.setU64(o + 16, e.rightsInheriting);
    return ERRNO.SUCCESS;
  },
  fd_fdstat_set_flags: (w, _m, fd: number, flags: number) => {
    const e = w.fds.need(fd);
    if (flags & ~0x1f) return ERRNO.INVAL;
    // Only these two change an open file's behaviour here; the sync ones cannot be honoured, so they are refused.
    if (flags & (FDFLAGS.DSYNC | FDFLAGS.RSYNC | FDFLAGS.SYNC)) return ERRNO.NOTSUP;
    e.fdflags = flags & (FDFLAGS.APPEND | FDFLAGS.NONBLOCK);
    return ERRNO.SUCCESS;
  },
  fd_fdstat_set_rights: (w, _m, fd: number, base: bigint, inheriting: bigint) => {
    const e = w.fds.need(fd);
    const b = u64(base);
    const i = u64(inheriting);
    // Rights only ever shrink.
    if ((b & ~e.rightsBase) !== 0n || (i & ~e.rightsInheriting) !== 0n) return ERRNO.NOTCAPABLE;
    e.rightsBase = b;
    e.rightsInheriting = i;
    return ERRNO.SUCCESS;
  },
  fd_filestat_get: (w, m, fd: number, out: number) => {
    writeFilestat(m, out, entryStat(w.fds.need(fd)));
    return ERRNO.SUCCESS;
  },
  fd_filestat_set_size: (w, _m, fd: number, size: bigint) => {
    const e = fileFd(w, fd);
    needRight(e, RIGHTS.FD_FILESTAT_SET_SIZE);
    if (!e.writable) return ERRNO.BADF;
    if (u64(size) > 0x7fff_ffffn) return ERRNO.FBIG;
    e.handle.truncate(Number(u64(size)));
    return ERRNO.SUCCESS;
  },
  fd_filestat_set_times: (w, _m, fd: number, atim: bigint, mtim: bigint, flags: number) => {
    const e = w.fds.need(fd);
    if (e.kind === 'stdio') return ERRNO.BADF;
    const [a, t] = timesFrom(atim, mtim, flags);
    if (e.kind === 'file') e.handle.setTimes(a, t);
    else if (e.kind === 'dir') e.fs.setTimes(e.parts, a, t);
    else return ERRNO.BADF;
    return ERRNO.SUCCESS;
  },
  fd_seek: (w, m, fd: number, offset: bigint, whence: number, out: number) => {
    const e = fileFd(w, fd);
    const base = whence === WHENCE.SET ? 0n : whence === WHENCE.CUR ? BigInt(e.position) : whence === WHENCE.END ? e.handle.stat().size : null;
    if (base === null) return ERRNO.INVAL;
    const next = base + BigInt.asIntN(64, big(offset));
    if (next < 0n) return ERRNO.INVAL;
    if (next > BigInt(Number.MAX_SAFE_INTEGER)) return ERRNO.OVERFLOW;
    m.bytes(out, 8);
    e.position = Number(next);
    m.setU64(out, next);
    return ERRNO.SUCCESS;
  },
  fd_tell: (w, m, fd: number, out: number) => {
    const e = fileFd(w, fd);
    m.setU64(out, BigInt(e.position));
    return ERRNO.SUCCESS;
  },
  fd_advise: (w, _m, fd: number, _offset: bigint, _len: bigint, advice: number) => {
    fileFd(w, fd);
    return advice > 5 ? ERRNO.INVAL : ERRNO.SUCCESS;
  },
  fd_allocate: (w, _m, fd: number, offset: bigint, len: bigint) => {
    const e = fileFd(w, fd);
    if (!e.writable) return ERRNO.BADF;
    const end = u64(offset) + u64(len);
    if (end > 0x7fff_ffffn) return ERRNO.FBIG;
    if (end > e.handle.stat().size) e.handle.truncate(Number(end));
    return ERRNO.SUCCESS;
  },
  fd_sync: (w, _m, fd: number) => {
    const e = w.fds.need(fd);
    if (e.kind === 'file') e.handle.sync();
    return e.kind === 'stdio' ? ERRNO.INVAL : ERRNO.SUCCESS;
  },
  fd_datasync: (w, _m, fd: number) => {
    const e = w.fds.need(fd);
    if (e.kind === 'file') e.handle.sync();
    return e.kind === 'stdio' ? ERRNO.INVAL : ERRNO.SUCCESS;
  },
  fd_close: (w, _m, fd: number) => {
    w.fds.close(fd);
    return ERRNO.SUCCESS;
  },
  fd_renumber: (w, _m, from: number, to: number) => {
    w.fds.renumber(from, to);
    return ERRNO.SUCCESS;
  },
  fd_readdir: (w, m, fd: number, buf: number, bufLen: number, cookie: bigint, usedPtr: number) => {
    const e = w.fds.need(fd);
    if (e.kind !== 'dir') return ERRNO.NOTDIR;
    const size = bufLen >>> 0;
    m.bytes(buf, size);
    m.bytes(usedPtr, 4);
    const self = e.fs.lstat(e.parts);
    const parent = e.parts.length > 0 ? e.fs.lstat(e.parts.slice(0, -1)) : self;
    const list = [
      { name: '.', filetype: FILETYPE.DIRECTORY, ino: self.ino },
      { name: '..', filetype: FILETYPE.DIRECTORY, ino: parent.ino },
      ...e.fs.readdir(e.parts),
    ];
    const out = new Uint8Array(size);
    let used = 0;
    for (let i = Number(u64(cookie)); i < list.length && used < size; i++) {
      const d = list[i]!;
      const name = encoder.encode(d.name);
      const header = new Uint8Array(DIRENT_HEADER);
      const hv = new DataView(header.buffer);
      hv.setBigUint64(0, BigInt(i + 1), true);
      hv.setBigUint64(8, d.ino, true);
      hv.setUint32(16, name.length, true);
      hv.setUint8(20, d.filetype);
      for (const part of [header, name]) {
        const n = Math.min(part.length, size - used);
        out.set(part.subarray(0, n), used);
        used += n;
      }
    }
    m.set(buf, out.subarray(0, used));
    m.setU32(usedPtr, used);
    return ERRNO.SUCCESS;
  },

  path_open: (w, m, fd: number, dirflags: number, ptr: number, len: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, outFd: number) => {
    dirFd(w, fd);
    const create = (oflags & OFLAGS.CREAT) !== 0;
    const directory = (oflags & OFLAGS.DIRECTORY) !== 0;
    const exclusive = (oflags & OFLAGS.EXCL) !== 0;
    const truncate = (oflags & OFLAGS.TRUNC) !== 0;
    if (oflags & ~0xf) return ERRNO.INVAL;
    if (directory && (create || truncate)) return ERRNO.INVAL;
    const rightsBase = u64(base);
    const wantWrite = (rightsBase & (RIGHTS.FD_WRITE | RIGHTS.FD_DATASYNC | RIGHTS.FD_ALLOCATE | RIGHTS.FD_FILESTAT_SET_SIZE)) !== 0n ||
      (fdflags & FDFLAGS.APPEND) !== 0 || truncate;
    const wantRead = (rightsBase & (RIGHTS.FD_READ | RIGHTS.FD_READDIR)) !== 0n || !wantWrite;
    const follow: Follow = dirflags & LOOKUP_SYMLINK_FOLLOW && !(create && exclusive) ? 'yes' : 'trailing';
    m.bytes(outFd, 4);
    const r = resolve(w, fd, m, ptr, len, follow);
    needRight(r.dir, RIGHTS.PATH_OPEN);
    if (truncate) needRight(r.dir, RIGHTS.PATH_FILESTAT_SET_SIZE);
    if (create) needRight(r.dir, RIGHTS.PATH_CREATE_FILE);
    const st = lstatOrNull(r.dir, r.parts);
    let entry: FdEntry;
    if (st === null) {
      if (!create) return ERRNO.NOENT;
      if (r.mustBeDir) return ERRNO.ISDIR;
      entry = openFile(r, { create: true, exclusive, truncate, write: wantWrite, sync: syncing(fdflags) }, wantRead, wantWrite, fdflags);
    } else if (create && exclusive) {
      return ERRNO.EXIST;
    } else if (st.filetype === FILETYPE.SYMBOLIC_LINK) {
      return directory ? ERRNO.NOTDIR : ERRNO.LOOP;
    } else if (st.filetype === FILETYPE.DIRECTORY) {
      if (wantWrite && (rightsBase & RIGHTS.FD_WRITE || truncate || fdflags & FDFLAGS.APPEND)) return ERRNO.ISDIR;
      entry = {
        kind: 'dir', fs: r.dir.fs, parts: r.parts, preopen: null, rightsBase: DIR_RIGHTS & r.dir.rightsInheriting,
        rightsInheriting: (DIR_RIGHTS | FILE_RIGHTS) & r.dir.rightsInheriting, fdflags: fdflags & FDFLAGS.NONBLOCK,
      };
    } else {
      if (directory || r.mustBeDir) return ERRNO.NOTDIR;
      entry = openFile(r, { create: false, exclusive: false, truncate, write: wantWrite, sync: syncing(fdflags) }, wantRead, wantWrite, fdflags);
    }
    m.setU32(outFd, w.fds.add(entry));
    return ERRNO.SUCCESS;
  },
  path_filestat_get: (w, m, fd: number, flags: number, ptr: number, len: number, out: number) => {
    const r = resolve(w, fd, m, ptr, len, flags & LOOKUP_SYMLINK_FOLLOW ? 'yes' : 'trailing');
    const st = r.dir.fs.lstat(r.parts);
    if (r.mustBeDir && st.filetype !== FILETYPE.DIRECTORY) return ERRNO.NOTDIR;
    writeFilestat(m, out, st);
    return ERRNO.SUCCESS;
  },
  path_filestat_set_times: (w, m, fd: number, flags: number, ptr: number, len: number, atim: bigint, mtim: bigint, fst: number) => {
    const [a, t] = timesFrom(atim, mtim, fst);
    const r = resolve(w, fd, m, ptr, len, flags & LOOKUP_SYMLINK_FOLLOW ? 'yes' : 'trailing');
    const st = r.dir.fs.lstat(r.parts);
    if (r.mustBeDir && st.filetype !== FILETYPE.DIRECTORY) return ERRNO.NOTDIR;
    r.dir.fs.setTimes(r.parts, a, t);
    return ERRNO.SUCCESS;
  },
  path_create_directory: (w, m, fd: number, ptr: number, len: number) => {
    const r = resolve(w, fd, m, ptr, len, 'no');
    if (lstatOrNull(r.dir, r.parts) !== null) return ERRNO.EXIST;
    r.dir.fs.mkdir(r.parts);
    return ERRNO.SUCCESS;
  },
  path_remove_directory: (w, m, fd: number, ptr: number, len: number) => {
    const r = resolve(w, fd, m, ptr, len, 'no');
    if (r.parts.length <= r.dir.parts.length) return ERRNO.BUSY;
    const st = r.dir.fs.lstat(r.parts);
    if (st.filetype !== FILETYPE.DIRECTORY) return ERRNO.NOTDIR;
    r.dir.fs.rmdir(r.parts);
    return ERRNO.SUCCESS;
  },
  path_unlink_file: (w, m, fd: number, ptr: number, len: number) => {
    const r = resolve(w, fd, m, ptr, len, 'no');
    const st = r.dir.fs.lstat(r.parts);
    if (st.filetype === FILETYPE.DIRECTORY) return ERRNO.ISDIR;
    if (r.mustBeDir) return ERRNO.NOTDIR;
    r.dir.fs.unlink(r.parts);
    return ERRNO.SUCCESS;
  },
  path_rename: (w, m, fd: number, ptr: number, len: number, newFd: number, newPtr: number, newLen: number) => {
    const from = resolve(w, fd, m, ptr, len, 'no');
    const to = resolve(w, newFd, m, newPtr, newLen, 'no');
    if (from.dir.fs !== to.dir.fs) return ERRNO.XDEV;
    if (from.parts.length <= from.dir.parts.length || to.parts.length <= to.dir.parts.length) return ERRNO.BUSY;
    const src = from.dir.fs.lstat(from.parts);
    const dst = lstatOrNull(to.dir, to.parts);
    if (src.filetype !== FILETYPE.DIRECTORY) {
      if (from.mustBeDir || to.mustBeDir) return ERRNO.NOTDIR;
      if (dst?.filetype === FILETYPE.DIRECTORY) return ERRNO.ISDIR;
    } else if (dst !== null && dst.filetype !== FILETYPE.DIRECTORY) {
      return ERRNO.NOTDIR;
    }
    from.dir.fs.rename(from.parts, to.parts);
    return ERRNO.SUCCESS;
  },
  path_link: (w, m, fd: number, flags: number, ptr: number, len: number, newFd: number, newPtr: number, newLen: number) => {
    const from = resolve(w, fd, m, ptr, len, flags & LOOKUP_SYMLINK_FOLLOW ? 'yes' : 'no');
    const to = resolve(w, newFd, m, newPtr, newLen, 'no');
    if (from.dir.fs !== to.dir.fs) return ERRNO.XDEV;
    const src = from.dir.fs.lstat(from.parts);
    if (src.filetype === FILETYPE.DIRECTORY) return ERRNO.PERM;
    if (from.mustBeDir) return ERRNO.NOTDIR;
    if (lstatOrNull(to.dir, to.parts) !== null) return ERRNO.EXIST;
    if (to.mustBeDir) return ERRNO.NOENT;
    from.dir.fs.link(from.parts, to.parts);
    return ERRNO.SUCCESS;
  },
  path_symlink: (w, m, oldPtr: number, oldLen: number, fd: number, ptr: number, len: number) => {
    const target = guestPath(m, oldPtr, oldLen);
    const r = resolve(w, fd, m, ptr, len, 'no');
    if (lstatOrNull(r.dir, r.parts) !== null) return ERRNO.EXIST;
    if (r.mustBeDir) return ERRNO.NOENT;
    // A link out of the sandbox could not be followed anyway; refused up front, as wasmtime does.
    if (target.startsWith('/')) return ERRNO.PERM;
    r.dir.fs.symlink(target, r.parts);
    return ERRNO.SUCCESS;
  },
  path_readlink: (w, m, fd: number, ptr: number, len: number, buf: number, bufLen: number, usedPtr: number) => {
    const r = resolve(w, fd, m, ptr, len, 'no');
    const target = encoder.encode(r.dir.fs.readlink(r.parts));
    const n = Math.min(target.length, bufLen >>> 0);
    m.bytes(usedPtr, 4);
    m.set(buf, target.subarray(0, n));
    m.setU32(usedPtr, n);
    return ERRNO.SUCCESS;
  },
};

function syncing(fdflags: number): boolean {
  return (fdflags & (FDFLAGS.SYNC | FDFLAGS.DSYNC | FDFLAGS.RSYNC)) !== 0;
}

function openFile(r: Resolved & { dir: DirFd }, opts: OpenOptions, readable: boolean, writable: boolean, fdflags: number): FileFd {
  const handle = r.dir.fs.open(r.parts, opts);
  let rights = FILE_RIGHTS & r.dir.rightsInheriting;
  if (!readable) rights &= ~RIGHTS.FD_READ;
  if (!writable) rights &= ~(RIGHTS.FD_WRITE | RIGHTS.FD_ALLOCATE | RIGHTS.FD_FILESTAT_SET_SIZE | RIGHTS.FD_DATASYNC);
  return {
    kind: 'file', fs: r.dir.fs, parts: r.parts, handle, position: 0, readable, writable,
    rightsBase: rights, rightsInheriting: 0n, fdflags: fdflags & 0x1f,
  };
}

// WASI preview 1 calls on paths under preopened directories (path_*).

import { DIR_RIGHTS, ERRNO, FDFLAGS, FILE_RIGHTS, FILETYPE, LOOKUP_SYMLINK_FOLLOW, OFLAGS, RIGHTS } from './defs.js';
import type { OpenOptions } from './fs/types.js';
import type { DirFd, FdEntry, FileFd } from './fs/fd-table.js';
import type { Follow, Resolved } from './fs/resolve.js';
import { dirFd, guestPath, lstatOrNull, needRight, resolve, timesFrom, u64, writeFilestat, type FsImpl } from './fs-args.js';

const encoder = new TextEncoder();

export const PATH_CALLS: Record<string, FsImpl> = {
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

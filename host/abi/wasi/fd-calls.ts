// WASI preview 1 calls on open fds 3 and up: files and preopened directories (fd_*), and file reads and writes
// for fd_read, fd_write, fd_pread and fd_pwrite.

import { ERRNO, FDFLAGS, FILETYPE, LAYOUT, RIGHTS, WHENCE } from './defs.js';
import type { FileFd } from './fs/fd-table.js';
import { big, entryStat, fail, fileFd, needRight, timesFrom, u64, writeFilestat, type FsHost, type FsImpl } from './fs-args.js';

const encoder = new TextEncoder();

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

export const FD_CALLS: Record<string, FsImpl> = {
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
};

// A real host directory as a WASI filesystem (`wasmfn run --dir`). Every path it gets was walked component by
// component by resolve.ts, so no symlink or `..` leads out of the root; the final open adds O_NOFOLLOW.

import fs from 'node:fs';
import path from 'node:path';
import { ERRNO, FILETYPE } from '../defs.js';
import { FsError, type DirEntry, type FileHandle, type FileStat, type FsBackend, type FsPath, type OpenOptions } from './types.js';

const NODE_ERRNO: Record<string, number> = {
  ENOENT: ERRNO.NOENT, EEXIST: ERRNO.EXIST, ENOTDIR: ERRNO.NOTDIR, EISDIR: ERRNO.ISDIR, ENOTEMPTY: ERRNO.NOTEMPTY,
  EACCES: ERRNO.ACCES, EPERM: ERRNO.PERM, ELOOP: ERRNO.LOOP, EINVAL: ERRNO.INVAL, EXDEV: ERRNO.XDEV, EBADF: ERRNO.BADF,
  ENAMETOOLONG: ERRNO.NAMETOOLONG, EMLINK: ERRNO.MLINK, ENOSPC: ERRNO.NOSPC, EFBIG: ERRNO.FBIG, EROFS: ERRNO.ROFS,
  EBUSY: ERRNO.BUSY, EMFILE: ERRNO.MFILE, ENFILE: ERRNO.MFILE, ENXIO: ERRNO.NXIO, EAGAIN: ERRNO.AGAIN,
};

/** Runs a node:fs call, turning its error into the errno a guest gets. */
function sys<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FsError((code === undefined ? undefined : NODE_ERRNO[code]) ?? ERRNO.IO);
  }
}

function filetype(s: fs.BigIntStats | fs.Dirent): number {
  if (s.isFile()) return FILETYPE.REGULAR_FILE;
  if (s.isDirectory()) return FILETYPE.DIRECTORY;
  if (s.isSymbolicLink()) return FILETYPE.SYMBOLIC_LINK;
  if (s.isBlockDevice()) return FILETYPE.BLOCK_DEVICE;
  if (s.isCharacterDevice()) return FILETYPE.CHARACTER_DEVICE;
  return FILETYPE.UNKNOWN;
}

function toStat(s: fs.BigIntStats): FileStat {
  return { filetype: filetype(s), dev: s.dev, ino: s.ino, nlink: s.nlink, size: s.size, atimNs: s.atimeNs, mtimNs: s.mtimeNs, ctimNs: s.ctimeNs };
}

const seconds = (ns: bigint) => Number(ns) / 1e9;

/**
 * Node sets file times from a double of seconds, so a time a guest sets comes back off by up to a microsecond.
 * What a guest set is remembered with what the disk then held, and shown as set while the disk still holds it.
 */
class ExactTimes {
  private readonly set = new Map<string, { atim: [bigint, bigint]; mtim: [bigint, bigint] }>();

  remember(s: FileStat, atimNs: bigint | null, mtimNs: bigint | null, after: FileStat): void {
    // A time left as it was is rewritten too (utimes takes both), so it is remembered as well.
    this.set.set(`${s.dev}:${s.ino}`, { atim: [atimNs ?? s.atimNs, after.atimNs], mtim: [mtimNs ?? s.mtimNs, after.mtimNs] });
  }

  apply(s: FileStat): FileStat {
    const e = this.set.get(`${s.dev}:${s.ino}`);
    if (e === undefined) return s;
    if (e.atim[1] === s.atimNs) s.atimNs = e.atim[0];
    if (e.mtim[1] === s.mtimNs) s.mtimNs = e.mtim[0];
    return s;
  }
}

class HostFile implements FileHandle {
  constructor(private readonly fd: number, private readonly times: ExactTimes) {}
  read(dest: Uint8Array, position: number): number {
    return sys(() => fs.readSync(this.fd, dest, 0, dest.length, position));
  }
  write(src: Uint8Array, position: number): number {
    return sys(() => fs.writeSync(this.fd, src, 0, src.length, position));
  }
  stat(): FileStat {
    return this.times.apply(this.rawStat());
  }
  private rawStat(): FileStat {
    return toStat(sys(() => fs.fstatSync(this.fd, { bigint: true })));
  }
  truncate(size: number): void {
    sys(() => fs.ftruncateSync(this.fd, size));
  }
  setTimes(atimNs: bigint | null, mtimNs: bigint | null): void {
    const s = this.stat();
    sys(() => fs.futimesSync(this.fd, seconds(atimNs ?? s.atimNs), seconds(mtimNs ?? s.mtimNs)));
    this.times.remember(s, atimNs, mtimNs, this.rawStat());
  }
  sync(): void {
    sys(() => fs.fsyncSync(this.fd));
  }
  close(): void {
    sys(() => fs.closeSync(this.fd));
  }
}

export class HostDirFs implements FsBackend {
  readonly readOnly = false;
  private readonly root: string;
  private readonly times = new ExactTimes();

  constructor(root: string) {
    this.root = fs.realpathSync(root);
    if (!fs.statSync(this.root).isDirectory()) throw new Error(`${root} is not a directory`);
  }

  private at(p: FsPath): string {
    return p.length === 0 ? this.root : path.join(this.root, ...p);
  }

  lstat(p: FsPath): FileStat {
    return this.times.apply(this.rawLstat(p));
  }
  private rawLstat(p: FsPath): FileStat {
    return toStat(sys(() => fs.lstatSync(this.at(p), { bigint: true })));
  }
  readlink(p: FsPath): string {
    return sys(() => fs.readlinkSync(this.at(p), 'utf8'));
  }
  open(p: FsPath, o: OpenOptions): FileHandle {
    const c = fs.constants;
    let flags = c.O_NOFOLLOW | (o.write ? c.O_RDWR : c.O_RDONLY);
    if (o.create) flags |= c.O_CREAT;
    if (o.exclusive) flags |= c.O_EXCL;
    if (o.truncate) flags |= c.O_TRUNC;
    if (o.sync) flags |= c.O_SYNC;
    const file = this.at(p);
    let fd: number;
    try {
      fd = fs.openSync(file, flags, 0o644);
    } catch (e) {
      // A file the host user may only read, opened for reading and writing: writable only if asked to write.
      if ((e as NodeJS.ErrnoException).code !== 'EACCES' || !o.write) return sys(() => { throw e; });
      fd = sys(() => fs.openSync(file, flags & ~c.O_RDWR | c.O_WRONLY, 0o644));
    }
    return new HostFile(fd, this.times);
  }
  readdir(p: FsPath): DirEntry[] {
    const dir = this.at(p);
    return sys(() => fs.readdirSync(dir, { withFileTypes: true })).map((d) => ({
      name: d.name,
      filetype: filetype(d),
      ino: sys(() => fs.lstatSync(path.join(dir, d.name), { bigint: true }).ino),
    }));
  }
  mkdir(p: FsPath): void {
    sys(() => fs.mkdirSync(this.at(p)));
  }
  rmdir(p: FsPath): void {
    sys(() => fs.rmdirSync(this.at(p)));
  }
  unlink(p: FsPath): void {
    sys(() => fs.unlinkSync(this.at(p)));
  }
  rename(from: FsPath, to: FsPath): void {
    sys(() => fs.renameSync(this.at(from), this.at(to)));
  }
  link(from: FsPath, to: FsPath): void {
    sys(() => fs.linkSync(this.at(from), this.at(to)));
  }
  symlink(target: string, p: FsPath): void {
    sys(() => fs.symlinkSync(target, this.at(p)));
  }
  setTimes(p: FsPath, atimNs: bigint | null, mtimNs: bigint | null): void {
    const s = this.lstat(p);
    sys(() => fs.lutimesSync(this.at(p), seconds(atimNs ?? s.atimNs), seconds(mtimNs ?? s.mtimNs)));
    this.times.remember(s, atimNs, mtimNs, this.rawLstat(p));
  }
}

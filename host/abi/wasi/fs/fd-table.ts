// A WASI instance's file descriptors: stdio, preopened and opened directories, open files.

import { ERRNO } from '../defs.js';
import { FsError, type FileHandle, type FsBackend } from './types.js';

interface FdCommon {
  rightsBase: bigint;
  rightsInheriting: bigint;
  /** WASI fdflags (APPEND, NONBLOCK, ...). */
  fdflags: number;
}

export interface StdioFd extends FdCommon {
  kind: 'stdio';
  stream: 0 | 1 | 2;
}

export interface DirFd extends FdCommon {
  kind: 'dir';
  fs: FsBackend;
  parts: string[];
  /** The guest path of a preopen, else null. */
  preopen: string | null;
}

export interface FileFd extends FdCommon {
  kind: 'file';
  fs: FsBackend;
  parts: string[];
  handle: FileHandle;
  position: number;
  readable: boolean;
  writable: boolean;
}

export type FdEntry = StdioFd | DirFd | FileFd;

/** Open fds one instance may hold (a usual RLIMIT_NOFILE). */
const MAX_FDS = 1024;

export class FdTable {
  private readonly entries: (FdEntry | undefined)[] = [];

  get(fd: number): FdEntry | undefined {
    return fd >= 0 ? this.entries[fd] : undefined;
  }

  /** The entry or EBADF. */
  need(fd: number): FdEntry {
    return this.get(fd) ?? fail(ERRNO.BADF);
  }

  /** At the lowest free number, as POSIX open does. */
  add(entry: FdEntry): number {
    let fd = 0;
    while (fd < this.entries.length && this.entries[fd] !== undefined) fd++;
    if (fd >= MAX_FDS) fail(ERRNO.MFILE);
    this.entries[fd] = entry;
    return fd;
  }

  close(fd: number): void {
    const e = this.need(fd);
    this.entries[fd] = undefined;
    if (e.kind === 'file') e.handle.close();
  }

  /** fd_renumber: `to` (which must be open) is closed and `from` takes its number. */
  renumber(from: number, to: number): void {
    const e = this.need(from);
    this.need(to);
    if (from === to) return;
    this.close(to);
    this.entries[to] = e;
    this.entries[from] = undefined;
  }

  /** Closes every file still open (the run is over). */
  closeAll(): void {
    for (let fd = 0; fd < this.entries.length; fd++) {
      const e = this.entries[fd];
      if (e?.kind === 'file') {
        try {
          e.handle.close();
        } catch {
          // closing on the way out: nothing left to tell the guest
        }
      }
    }
    this.entries.length = 0;
  }
}

function fail(errno: number): never {
  throw new FsError(errno);
}

// The small filesystem interface behind WASI's preopened directories: a host directory (`wasmfn run --dir`) or
// an in-memory tree (a deploy's static files, a request's /tmp). Paths reach a backend already resolved and
// confined by resolve.ts: components under the backend's root, none of them `.`, `..` or a symlink but the last.

/** A failure a guest sees as this WASI errno. */
export class FsError {
  constructor(readonly errno: number) {}
}

export interface FileStat {
  /** A WASI filetype (defs.ts FILETYPE). */
  filetype: number;
  dev: bigint;
  ino: bigint;
  nlink: bigint;
  size: bigint;
  atimNs: bigint;
  mtimNs: bigint;
  ctimNs: bigint;
}

export interface DirEntry {
  name: string;
  filetype: number;
  ino: bigint;
}

export interface OpenOptions {
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  write: boolean;
  /** Writes reach the disk before they return (fdflags SYNC, DSYNC, RSYNC). */
  sync: boolean;
}

/** An open regular file; positions are the caller's (fd_seek state lives in the fd table). */
export interface FileHandle {
  read(dest: Uint8Array, position: number): number;
  write(src: Uint8Array, position: number): number;
  stat(): FileStat;
  truncate(size: number): void;
  /** Null leaves a time as it is. */
  setTimes(atimNs: bigint | null, mtimNs: bigint | null): void;
  sync(): void;
  close(): void;
}

export type FsPath = readonly string[];

export interface FsBackend {
  readonly readOnly: boolean;
  /** Does not follow a final symlink. */
  lstat(p: FsPath): FileStat;
  readlink(p: FsPath): string;
  /** Opens a regular file (never follows a final symlink: the caller resolved it). */
  open(p: FsPath, opts: OpenOptions): FileHandle;
  readdir(p: FsPath): DirEntry[];
  mkdir(p: FsPath): void;
  rmdir(p: FsPath): void;
  unlink(p: FsPath): void;
  rename(from: FsPath, to: FsPath): void;
  link(from: FsPath, to: FsPath): void;
  symlink(target: string, p: FsPath): void;
  /** Does not follow a final symlink. */
  setTimes(p: FsPath, atimNs: bigint | null, mtimNs: bigint | null): void;
}

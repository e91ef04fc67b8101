// An in-memory WASI filesystem: a deploy's static files (read-only, one tree shared by every request of the
// version) and a request's /tmp (writable, bounded by a byte budget, gone with the request).

import { ERRNO, FILETYPE } from '../defs.js';
import { FsError, type DirEntry, type FileHandle, type FileStat, type FsBackend, type FsPath, type OpenOptions } from './types.js';

interface Times { atimNs: bigint; mtimNs: bigint; ctimNs: bigint }
interface DirNode extends Times { kind: 'dir'; ino: bigint; nlink: number; entries: Map<string, MemNode> }
interface FileNode extends Times { kind: 'file'; ino: bigint; nlink: number; data: Uint8Array; size: number }
interface LinkNode extends Times { kind: 'link'; ino: bigint; nlink: number; target: string }
type MemNode = DirNode | FileNode | LinkNode;

/** Bytes a tree may hold; file contents and a fixed charge per node count. */
export class ByteBudget {
  used = 0;
  constructor(readonly limitBytes: number) {}
  take(n: number): void {
    if (this.used + n > this.limitBytes) throw new FsError(ERRNO.NOSPC);
    this.used += n;
  }
  give(n: number): void {
    this.used -= n;
  }
}

/** What a name, a link or a directory costs besides file bytes, so empty nodes cannot fill memory for free. */
const NODE_BYTES = 256;

const fail = (errno: number): never => {
  throw new FsError(errno);
};

function now(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

const FILETYPE_OF = { dir: FILETYPE.DIRECTORY, file: FILETYPE.REGULAR_FILE, link: FILETYPE.SYMBOLIC_LINK } as const;

export class MemoryFs implements FsBackend {
  private nextIno = 1n;
  private readonly root: DirNode;

  constructor(readonly readOnly: boolean, private readonly budget = new ByteBudget(Number.MAX_SAFE_INTEGER)) {
    this.root = this.dirNode();
  }

  /** A read-only tree of the given files (paths `a/b/c`, directories created as needed) and empty directories. */
  static fromFiles(files: Iterable<{ path: string; data: Uint8Array }>, emptyDirs: readonly string[] = []): MemoryFs {
    const fs = new MemoryFs(false);
    for (const d of emptyDirs) fs.root.entries.set(d, fs.dirNode());
    for (const f of files) {
      const parts = f.path.split('/').filter((s) => s !== '' && s !== '.');
      if (parts.length === 0 || parts.includes('..')) continue;
      let dir = fs.root;
      for (const name of parts.slice(0, -1)) {
        let next = dir.entries.get(name);
        if (next === undefined) dir.entries.set(name, (next = fs.dirNode()));
        if (next.kind !== 'dir') break;
        dir = next;
      }
      const file: FileNode = { kind: 'file', ino: fs.nextIno++, nlink: 1, data: f.data, size: f.data.length, ...times() };
      dir.entries.set(parts[parts.length - 1]!, file);
    }
    (fs as { readOnly: boolean }).readOnly = true;
    return fs;
  }

  private dirNode(): DirNode {
    return { kind: 'dir', ino: this.nextIno++, nlink: 2, entries: new Map(), ...times() };
  }

  private node(p: FsPath): MemNode {
    let n: MemNode = this.root;
    for (const name of p) {
      if (n.kind !== 'dir') fail(ERRNO.NOTDIR);
      n = (n as DirNode).entries.get(name) ?? fail(ERRNO.NOENT);
    }
    return n;
  }

  /** The directory that holds p's last component, and that component. */
  private parent(p: FsPath): [DirNode, string] {
    if (p.length === 0) fail(ERRNO.BUSY);
    const dir = this.node(p.slice(0, -1));
    if (dir.kind !== 'dir') fail(ERRNO.NOTDIR);
    return [dir as DirNode, p[p.length - 1]!];
  }

  private writable(): void {
    if (this.readOnly) fail(ERRNO.ROFS);
  }

  private add(dir: DirNode, name: string, n: MemNode): void {
    this.budget.take(NODE_BYTES);
    dir.entries.set(name, n);
    dir.mtimNs = dir.ctimNs = now();
  }

  private drop(dir: DirNode, name: string, n: MemNode): void {
    dir.entries.delete(name);
    dir.mtimNs = dir.ctimNs = now();
    this.budget.give(NODE_BYTES);
    n.nlink -= n.kind === 'dir' ? 2 : 1;
    if (n.kind === 'file' && n.nlink === 0) this.budget.give(n.data.length);
  }

  lstat(p: FsPath): FileStat {
    return stat(this.node(p));
  }

  readlink(p: FsPath): string {
    const n = this.node(p);
    return n.kind === 'link' ? n.target : fail(ERRNO.INVAL);
  }

  open(p: FsPath, o: OpenOptions): FileHandle {
    if (o.write || o.create || o.truncate) this.writable();
    const [dir, name] = this.parent(p);
    let n = dir.entries.get(name);
    if (n !== undefined && o.create && o.exclusive) fail(ERRNO.EXIST);
    if (n === undefined) {
      if (!o.create) fail(ERRNO.NOENT);
      n = { kind: 'file', ino: this.nextIno++, nlink: 1, data: new Uint8Array(0), size: 0, ...times() };
      this.add(dir, name, n);
    }
    if (n.kind === 'dir') return fail(ERRNO.ISDIR);
    if (n.kind === 'link') return fail(ERRNO.LOOP);
    const handle = new MemoryFile(n, this.budget, this.readOnly);
    if (o.truncate) handle.truncate(0);
    return handle;
  }

  readdir(p: FsPath): DirEntry[] {
    const n = this.node(p);
    if (n.kind !== 'dir') fail(ERRNO.NOTDIR);
    return [...(n as DirNode).entries].map(([name, e]) => ({ name, filetype: FILETYPE_OF[e.kind], ino: e.ino }));
  }

  mkdir(p: FsPath): void {
    this.writable();
    const [dir, name] = this.parent(p);
    if (dir.entries.has(name)) fail(ERRNO.EXIST);
    this.add(dir, name, this.dirNode());
    dir.nlink++;
  }

  rmdir(p: FsPath): void {
    this.writable();
    const [dir, name] = this.parent(p);
    const n = dir.entries.get(name) ?? fail(ERRNO.NOENT);
    if (n.kind !== 'dir') fail(ERRNO.NOTDIR);
    if ((n as DirNode).entries.size > 0) fail(ERRNO.NOTEMPTY);
    this.drop(dir, name, n);
    dir.nlink--;
  }

  unlink(p: FsPath): void {
    this.writable();
    const [dir, name] = this.parent(p);
    const n = dir.entries.get(name) ?? fail(ERRNO.NOENT);
    if (n.kind === 'dir') fail(ERRNO.ISDIR);
    this.drop(dir, name, n);
  }

  rename(from: FsPath, to: FsPath): void {
    this.writable();
    const [fromDir, fromName] = this.parent(from);
    const [toDir, toName] = this.parent(to);
    const n = fromDir.entries.get(fromName) ?? fail(ERRNO.NOENT);
    if (n.kind === 'dir' && to.length > from.length && from.every((c, i) => to[i] === c)) fail(ERRNO.INVAL);
    const old = toDir.entries.get(toName);
    if (old === n) return;
    if (old !== undefined) {
      if (n.kind === 'dir' && old.kind !== 'dir') fail(ERRNO.NOTDIR);
      if (n.kind !== 'dir' && old.kind === 'dir') fail(ERRNO.ISDIR);
      if (old.kind === 'dir' && old.entries.size > 0) fail(ERRNO.NOTEMPTY);
      this.drop(toDir, toName, old);
      if (old.kind === 'dir') toDir.nlink--;
    }
    fromDir.entries.delete(fromName);
    toDir.entries.set(toName, n);
    if (n.kind === 'dir') {
      fromDir.nlink--;
      toDir.nlink++;
    }
    fromDir.mtimNs = toDir.mtimNs = n.ctimNs = now();
  }

  link(from: FsPath, to: FsPath): void {
    this.writable();
    const n = this.node(from);
    if (n.kind === 'dir') fail(ERRNO.PERM);
    const [dir, name] = this.parent(to);
    if (dir.entries.has(name)) fail(ERRNO.EXIST);
    this.add(dir, name, n);
    n.nlink++;
    n.ctimNs = now();
  }

  symlink(target: string, p: FsPath): void {
    this.writable();
    const [dir, name] = this.parent(p);
    if (dir.entries.has(name)) fail(ERRNO.EXIST);
    this.budget.take(target.length);
    this.add(dir, name, { kind: 'link', ino: this.nextIno++, nlink: 1, target, ...times() });
  }

  setTimes(p: FsPath, atimNs: bigint | null, mtimNs: bigint | null): void {
    this.writable();
    setTimes(this.node(p), atimNs, mtimNs);
  }
}

function times(): Times {
  const t = now();
  return { atimNs: t, mtimNs: t, ctimNs: t };
}

function setTimes(n: MemNode, atimNs: bigint | null, mtimNs: bigint | null): void {
  if (atimNs !== null) n.atimNs = atimNs;
  if (mtimNs !== null) n.mtimNs = mtimNs;
  n.ctimNs = now();
}

function stat(n: MemNode): FileStat {
  const size = n.kind === 'file' ? n.size : n.kind === 'link' ? n.target.length : 4096;
  return {
    filetype: FILETYPE_OF[n.kind], dev: 1n, ino: n.ino, nlink: BigInt(n.nlink), size: BigInt(size),
    atimNs: n.atimNs, mtimNs: n.mtimNs, ctimNs: n.ctimNs,
  };
}

class MemoryFile implements FileHandle {
  constructor(private readonly n: FileNode, private readonly budget: ByteBudget, private readonly readOnly: boolean) {}

  read(dest: Uint8Array, position: number): number {
    const n = this.n;
    if (position >= n.size) return 0;
    const len = Math.min(dest.length, n.size - position);
    dest.set(n.data.subarray(position, position + len));
    return len;
  }

  write(src: Uint8Array, position: number): number {
    if (this.readOnly) fail(ERRNO.BADF);
    const end = position + src.length;
    this.reserve(end);
    this.n.data.set(src, position);
    if (end > this.n.size) this.n.size = end;
    this.n.mtimNs = this.n.ctimNs = now();
    return src.length;
  }

  /** Makes room for `size` bytes, charging the budget for what the buffer grows by. */
  private reserve(size: number): void {
    const n = this.n;
    if (size <= n.data.length) return;
    if (size > 0x7fff_ffff) fail(ERRNO.FBIG);
    const grown = Math.max(size, Math.min(n.data.length * 2, size + 1024 * 1024));
    this.budget.take(grown - n.data.length);
    const data = new Uint8Array(grown);
    data.set(n.data.subarray(0, n.size));
    n.data = data;
  }

  stat(): FileStat {
    return stat(this.n);
  }

  truncate(size: number): void {
    if (this.readOnly) fail(ERRNO.BADF);
    const n = this.n;
    if (size > n.size) this.reserve(size);
    else n.data.fill(0, size, n.size);
    n.size = size;
    n.mtimNs = n.ctimNs = now();
  }

  setTimes(atimNs: bigint | null, mtimNs: bigint | null): void {
    if (this.readOnly) fail(ERRNO.ROFS);
    setTimes(this.n, atimNs, mtimNs);
  }

  sync(): void {}
  close(): void {}
}

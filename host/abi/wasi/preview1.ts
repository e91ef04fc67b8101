// WASI preview 1: args, environ, clocks, random, stdio, and the preopened directories it is given (fd-calls.ts and
// path-calls.ts); no sockets.

import { randomFillSync } from 'node:crypto';
import { DIR_RIGHTS, ERRNO, FILE_RIGHTS, IOV_MAX, LAYOUT, PREVIEW1_FUNCTIONS, RIGHTS, type Preview1Name } from './defs.js';
import { GuestFault, GuestMemory } from './memory.js';
import { BoundedOutput, InputStream, LineSplitter } from './stdio.js';
import { clockNow, clockResolution } from './clock.js';
import { pollOneoff } from './poll.js';
import { FD_CALLS, fdReadiness, fileRead, fileWrite } from './fd-calls.js';
import { PATH_CALLS } from './path-calls.js';
import { FdTable } from './fs/fd-table.js';
import { FsError, type FsBackend } from './fs/types.js';
import { StringTable } from './strings.js';
import { frozenFunctions, importNamespace } from '../import-object.js';

export interface WasiOptions {
  memory: WebAssembly.Memory;
  args: readonly string[];
  /** `NAME=value` entries. */
  env: readonly string[];
  stdin: Uint8Array;
  /** Bytes of stdout kept; one more stops the guest (see WasiOutcome). */
  stdoutLimitBytes: number;
  onStderrLine(line: string): void;
  /** Directories the guest sees, at fds 3, 4, ...; none by default. */
  preopens?: readonly Preopen[];
  /** Real streams instead of the in-memory ones (`wasmfn run`); stdoutLimitBytes then does not apply. */
  streams?: WasiStreams;
}

export interface Preopen {
  /** The name the guest knows it by, such as "/" or "/tmp". */
  guestPath: string;
  fs: FsBackend;
}

export interface WasiStreams {
  stdin: { readInto(dest: Uint8Array, at: number, len: number): number; readonly remaining: number };
  /** False stops the guest as an overflow. */
  stdout: { write(src: Uint8Array): boolean };
  stderr: { write(src: Uint8Array): void; flush(): void };
}

/** How `_start` ended, when it did not trap. */
export type WasiOutcome = { kind: 'exit'; code: number } | { kind: 'stdout_overflow' };

type HostFn = (...args: never[]) => number | void;

/** Unwinds the guest from inside a host call (proc_exit, stdout over its limit); never escapes run(). */
class Unwind {}
const UNWIND = new Unwind();

/**
 * One request's WASI state. The import functions are created once per thread and act on the Wasi whose run() is
 * in progress: V8 instantiates faster against function objects it has seen before than against new closures
 * (docs/design.md, "Import functions").
 */
export class Wasi {
  readonly stdout: BoundedOutput;
  readonly stdin: WasiStreams['stdin'];
  readonly stderr: WasiStreams['stderr'];
  /** Where fd 1 goes: `stdout` unless real streams were given. */
  readonly out: WasiStreams['stdout'];
  readonly mem: GuestMemory;
  readonly args: StringTable;
  readonly env: StringTable;
  readonly fds = new FdTable();
  readonly startNs = process.hrtime.bigint();
  exitCode: number | null = null;

  constructor(opts: WasiOptions) {
    this.mem = new GuestMemory(opts.memory);
    this.stdout = new BoundedOutput(opts.stdoutLimitBytes);
    this.stdin = opts.streams?.stdin ?? new InputStream(opts.stdin);
    this.out = opts.streams?.stdout ?? this.stdout;
    this.stderr = opts.streams?.stderr ?? new LineSplitter(opts.onStderrLine);
    const stdio = (stream: 0 | 1 | 2) => ({
      kind: 'stdio' as const, stream, fdflags: 0, rightsInheriting: 0n,
      rightsBase: (stream === 0 ? RIGHTS.FD_READ : RIGHTS.FD_WRITE) | RIGHTS.POLL_FD_READWRITE,
    });
    this.fds.add(stdio(0));
    this.fds.add(stdio(1));
    this.fds.add(stdio(2));
    for (const p of opts.preopens ?? []) {
      this.fds.add({ kind: 'dir', fs: p.fs, parts: [], preopen: p.guestPath, rightsBase: DIR_RIGHTS, rightsInheriting: DIR_RIGHTS | FILE_RIGHTS, fdflags: 0 });
    }
    this.args = new StringTable(opts.args);
    this.env = new StringTable(opts.env);
  }

  /** The `wasi_snapshot_preview1` import object; its functions serve whichever Wasi is running. */
  get imports(): Record<Preview1Name, HostFn> {
    return IMPORTS;
  }

  /** Runs the guest (instantiate inside `start` too); traps and host bugs propagate, exit and overflow become an outcome. */
  run(start: () => void): WasiOutcome {
    const outer = current;
    current = this;
    try {
      start();
    } catch (e) {
      if (e !== UNWIND) throw e;
    } finally {
      current = outer;
      this.stderr.flush();
      this.fds.closeAll();
    }
    // Checked from state, not from the throw: a guest with exception handling could swallow the unwind.
    if (this.stdout.overflowed) return { kind: 'stdout_overflow' };
    return { kind: 'exit', code: this.exitCode ?? 0 };
  }

  isOpen(fd: number): boolean {
    return this.fds.get(fd) !== undefined;
  }
}

let current: Wasi | null = null;

/**
 * The guest buffers an iovec array names, once its result pointer is known to be writable; throws GuestFault.
 * Null when there are more than IOV_MAX: the count is the guest's, so it is checked before anything is sized by it.
 */
function iovecs(m: GuestMemory, iovs: number, n: number, outPtr: number): Uint8Array[] | null {
  const count = n >>> 0;
  if (count > IOV_MAX) return null;
  const base = iovs >>> 0;
  m.bytes(base, count * LAYOUT.IOVEC_SIZE);
  m.bytes(outPtr, 4);
  const out = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) out[i] = m.bytes(m.u32(base + i * 8), m.u32(base + i * 8 + 4));
  return out;
}

const MAX_U32 = 0xffff_ffff;

/** Bytes random_get fills per step: a fill is one native call, and between steps a deadline can stop the thread. */
const RANDOM_STEP_BYTES = 64 * 1024;

type Impl = (w: Wasi, m: GuestMemory, ...args: never[]) => number;

/** For calls on an fd this host has nothing behind: EBADF unless it is open stdio, which gets `onStdio`. */
const onFd = (onStdio: number): Impl => (w, _m, fd: number) => (w.isOpen(fd) ? onStdio : ERRNO.BADF);

const IMPLEMENTED: Partial<Record<Preview1Name, Impl>> = {
  args_sizes_get: (w, m, c: number, s: number) => w.args.sizes(m, c, s),
  args_get: (w, m, p: number, b: number) => w.args.copy(m, p, b),
  environ_sizes_get: (w, m, c: number, s: number) => w.env.sizes(m, c, s),
  environ_get: (w, m, p: number, b: number) => w.env.copy(m, p, b),
  clock_res_get: (_w, m, id: number, out: number) => {
    const r = clockResolution(id);
    if (r === null) return ERRNO.INVAL;
    m.setU64(out, r);
    return ERRNO.SUCCESS;
  },
  clock_time_get: (w, m, id: number, _precision: bigint, out: number) => {
    const t = clockNow(id, w.startNs);
    if (t === null) return ERRNO.INVAL;
    m.setU64(out, t);
    return ERRNO.SUCCESS;
  },
  fd_write: (w, m, fd: number, iovs: number, n: number, outPtr: number) => {
    const e = w.fds.get(fd);
    if (e?.kind === 'file') return fileIo(m, iovs, n, outPtr, (srcs) => fileWrite(e, srcs, null));
    if (e?.kind !== 'stdio' || e.stream === 0) return ERRNO.BADF;
    const stream = e.stream;
    // Every pointer is checked before any byte is taken: an EFAULT that had written part would be written again.
    const srcs = iovecs(m, iovs, n, outPtr);
    if (srcs === null) return ERRNO.INVAL;
    // Overlapping iovecs can add up to more than the u32 the guest gets back, as writev(2) refuses past SSIZE_MAX.
    if (srcs.reduce((n, s) => n + s.length, 0) > MAX_U32) return ERRNO.INVAL;
    let written = 0;
    for (const src of srcs) {
      if (stream === 2) w.stderr.write(src);
      else if (!w.out.write(src)) throw UNWIND;
      written += src.length;
    }
    m.setU32(outPtr, written);
    return ERRNO.SUCCESS;
  },
  fd_read: (w, m, fd: number, iovs: number, n: number, outPtr: number) => {
    const e = w.fds.get(fd);
    if (e?.kind === 'file') return fileIo(m, iovs, n, outPtr, (dests) => fileRead(e, dests, null));
    if (e?.kind !== 'stdio' || e.stream !== 0) return ERRNO.BADF;
    // Checked up front too: stdin consumed by a read that answers EFAULT would be lost.
    const dests = iovecs(m, iovs, n, outPtr);
    if (dests === null) return ERRNO.INVAL;
    let read = 0;
    for (const dest of dests) {
      const got = w.stdin.readInto(dest, 0, dest.length);
      read += got;
      if (got < dest.length) break;
    }
    m.setU32(outPtr, read);
    return ERRNO.SUCCESS;
  },
  fd_pread: (w, m, fd: number, iovs: number, n: number, offset: bigint, outPtr: number) => {
    const e = w.fds.need(fd);
    if (e.kind !== 'file') return e.kind === 'stdio' ? ERRNO.SPIPE : ERRNO.BADF;
    return fileIo(m, iovs, n, outPtr, (dests) => fileRead(e, dests, position(offset)));
  },
  fd_pwrite: (w, m, fd: number, iovs: number, n: number, offset: bigint, outPtr: number) => {
    const e = w.fds.need(fd);
    if (e.kind !== 'file') return e.kind === 'stdio' ? ERRNO.SPIPE : ERRNO.BADF;
    return fileIo(m, iovs, n, outPtr, (srcs) => fileWrite(e, srcs, position(offset)));
  },
  ...(FD_CALLS as Partial<Record<Preview1Name, Impl>>),
  ...(PATH_CALLS as Partial<Record<Preview1Name, Impl>>),
  poll_oneoff: (w, m, i: number, o: number, n: number, ne: number) =>
    pollOneoff(m, {
      startNs: w.startNs, isOpen: (fd) => w.isOpen(fd), stdinRemaining: () => w.stdin.remaining,
      stdioStream: (fd) => { const e = w.fds.get(fd); return e?.kind === 'stdio' ? e.stream : null; },
      fdReadiness: (fd, read) => fdReadiness(w, fd, read),
    }, i, o, n, ne),
  proc_exit: (w, _m, code: number) => {
    // A WASI exit code is a u32; the i32 the guest passed arrives signed (exit(-1) is 4294967295, not -1).
    w.exitCode = code >>> 0;
    throw UNWIND;
  },
  proc_raise: () => ERRNO.NOSYS,
  sched_yield: () => ERRNO.SUCCESS,
  random_get: (_w, m, buf: number, len: number) => {
    const dest = m.bytes(buf, len);
    for (let at = 0; at < dest.length; at += RANDOM_STEP_BYTES) randomFillSync(dest, at, Math.min(RANDOM_STEP_BYTES, dest.length - at));
    return ERRNO.SUCCESS;
  },
};

/** Scatter/gather I/O on a file: buffers checked up front, as for stdio. */
function fileIo(m: GuestMemory, iovs: number, n: number, outPtr: number, io: (bufs: Uint8Array[]) => number): number {
  const bufs = iovecs(m, iovs, n, outPtr);
  if (bufs === null) return ERRNO.INVAL;
  const done = io(bufs);
  m.sync().setU32(outPtr, done);
  return ERRNO.SUCCESS;
}

function position(offset: bigint | number): number {
  const p = BigInt.asUintN(64, typeof offset === 'bigint' ? offset : BigInt(offset));
  if (p > BigInt(Number.MAX_SAFE_INTEGER)) throw new FsError(ERRNO.INVAL);
  return Number(p);
}

/** The errno for a call this host does not support, judged from its first argument where that is an fd. */
function fallback(name: Preview1Name): Impl {
  if (name.startsWith('path_')) return onFd(ERRNO.NOTDIR);
  if (name.startsWith('sock_')) return onFd(ERRNO.NOTSOCK);
  if (name.startsWith('fd_')) return onFd(ERRNO.NOTCAPABLE);
  return () => ERRNO.NOSYS;
}

/** Keeps JS exceptions out of the guest: a bad pointer is EFAULT, any other host failure EIO. */
function guard(fn: Impl): HostFn {
  return (...args: never[]) => {
    const w = current;
    if (w === null) return ERRNO.INVAL; // only reachable if a host calls an import outside run()
    const m = w.mem.sync();
    try {
      return fn(w, m, ...args);
    } catch (e) {
      if (e === UNWIND) throw e;
      if (e instanceof FsError) return e.errno;
      return e instanceof GuestFault || e instanceof RangeError ? ERRNO.FAULT : ERRNO.IO;
    }
  };
}

const IMPORTS = Object.freeze(importNamespace(frozenFunctions(
  Object.fromEntries(PREVIEW1_FUNCTIONS.map((name) => [name, guard(IMPLEMENTED[name] ?? fallback(name))])),
))) as Record<Preview1Name, HostFn>;

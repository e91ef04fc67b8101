// The in-memory WASI filesystem (a deploy's files, a call's /tmp) and the path resolution every backend relies on:
// confinement, symlinks, read-only trees and the byte budget.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO } from '../host/abi/wasi/defs.js';
import { ByteBudget, MemoryFs } from '../host/abi/wasi/fs/memory-fs.js';
import { resolvePath } from '../host/abi/wasi/fs/resolve.js';
import { FsError } from '../host/abi/wasi/fs/types.js';

function errno(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof FsError) return e.errno;
    throw e;
  }
  return ERRNO.SUCCESS;
}

const OPEN = { create: false, exclusive: false, truncate: false, write: false, sync: false };

function tree(): MemoryFs {
  const fs = new MemoryFs(false);
  fs.mkdir(['dir']);
  fs.mkdir(['dir', 'sub']);
  fs.open(['dir', 'f.txt'], { ...OPEN, create: true, write: true }).write(new TextEncoder().encode('hi'), 0);
  fs.symlink('f.txt', ['dir', 'ok']);
  fs.symlink('sub/../f.txt', ['dir', 'ok2']);
  fs.symlink('/etc/passwd', ['dir', 'abs']);
  fs.symlink('../../x', ['dir', 'up2']);
  fs.symlink('loop', ['dir', 'loop']);
  return fs;
}

test('paths resolve inside the directory fd; .., absolute paths and links that leave it are ENOTCAPABLE', () => {
  const fs = tree();
  assert.equal(resolvePath(fs, ['dir'], 'ok', 'yes').parts, ['dir', 'f.txt']);
  assert.equal(resolvePath(fs, ['dir'], 'ok2', 'yes').parts, ['dir', 'f.txt']);
  assert.equal(resolvePath(fs, ['dir'], 'ok', 'no').parts, ['dir', 'ok'], 'a final link is kept when not followed');
  assert.equal(resolvePath(fs, ['dir'], 'sub/../f.txt', 'yes').parts, ['dir', 'f.txt']);
  assert.equal(resolvePath(fs, [], 'dir/./sub/', 'yes'), { parts: ['dir', 'sub'], mustBeDir: true });
  // From the fd `dir`, its parent is out of reach even though the backend's root lies above it.
  assert.is(errno(() => resolvePath(fs, ['dir'], '../dir/f.txt', 'yes')), ERRNO.NOTCAPABLE);
  assert.is(errno(() => resolvePath(fs, ['dir'], '/dir/f.txt', 'yes')), ERRNO.NOTCAPABLE);
  assert.is(errno(() => resolvePath(fs, ['dir'], 'abs', 'yes')), ERRNO.NOTCAPABLE);
  assert.is(errno(() => resolvePath(fs, ['dir'], 'up2', 'yes')), ERRNO.NOTCAPABLE);
  assert.is(errno(() => resolvePath(fs, ['dir'], 'abs/x', 'no')), ERRNO.NOTCAPABLE, 'a link in the middle is always followed');
  assert.is(errno(() => resolvePath(fs, ['dir'], 'loop', 'yes')), ERRNO.LOOP);
  assert.is(errno(() => resolvePath(fs, ['dir'], 'f.txt/x', 'yes')), ERRNO.NOTDIR);
  assert.is(errno(() => resolvePath(fs, ['dir'], 'nope/x', 'yes')), ERRNO.NOENT);
  assert.is(errno(() => resolvePath(fs, ['dir'], '', 'yes')), ERRNO.NOENT);
});

test('a tree of deployed files is read-only', () => {
  const fs = MemoryFs.fromFiles([{ path: 'a/b.txt', data: new TextEncoder().encode('data') }], ['tmp']);
  const buf = new Uint8Array(10);
  assert.is(fs.open(['a', 'b.txt'], OPEN).read(buf, 0), 4);
  assert.is(errno(() => fs.open(['a', 'b.txt'], { ...OPEN, write: true })), ERRNO.ROFS);
  assert.is(errno(() => fs.open(['a', 'new'], { ...OPEN, create: true })), ERRNO.ROFS);
  assert.is(errno(() => fs.mkdir(['x'])), ERRNO.ROFS);
  assert.is(errno(() => fs.unlink(['a', 'b.txt'])), ERRNO.ROFS);
  assert.equal(fs.readdir([]).map((e) => e.name).sort(), ['a', 'tmp']);
});

test('a writable tree stays within its byte budget and gets the bytes of removed files back', () => {
  const budget = new ByteBudget(64 * 1024);
  const fs = new MemoryFs(false, budget);
  const f = fs.open(['big'], { ...OPEN, create: true, write: true });
  assert.is(errno(() => f.write(new Uint8Array(100 * 1024), 0)), ERRNO.NOSPC);
  f.write(new Uint8Array(32 * 1024), 0);
  assert.is(errno(() => fs.open(['big2'], { ...OPEN, create: true, write: true }).truncate(40 * 1024)), ERRNO.NOSPC);
  fs.unlink(['big']);
  fs.unlink(['big2']);
  const again = fs.open(['big3'], { ...OPEN, create: true, write: true });
  again.write(new Uint8Array(60 * 1024), 0);
  assert.is(again.stat().size, BigInt(60 * 1024));
  // Empty directories cost something too: a guest cannot make millions of them for free.
  assert.is(errno(() => { for (let i = 0; i < 100_000; i++) fs.mkdir([`d${i}`]); }), ERRNO.NOSPC);
});

test('rename, link and rmdir keep POSIX rules: no directory into itself, no non-empty rmdir', () => {
  const fs = tree();
  assert.is(errno(() => fs.rename(['dir'], ['dir', 'sub', 'x'])), ERRNO.INVAL);
  assert.is(errno(() => fs.rmdir(['dir'])), ERRNO.NOTEMPTY);
  fs.link(['dir', 'f.txt'], ['g.txt']);
  assert.is(fs.lstat(['g.txt']).nlink, 2n);
  fs.rename(['g.txt'], ['dir', 'sub', 'h.txt']);
  assert.is(fs.lstat(['dir', 'sub', 'h.txt']).ino, fs.lstat(['dir', 'f.txt']).ino);
});

test.run();

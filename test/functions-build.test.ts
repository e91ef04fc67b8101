import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const run = promisify(execFile);
const build = suite('functions build');

interface IndexEntry { name: string; description: string; example: boolean; abi: string | null; lang: string; file: string }

async function readIndex(dir: string): Promise<IndexEntry[]> {
  return JSON.parse(await fs.readFile(path.join(dir, 'dist/functions/index.json'), 'utf8')) as IndexEntry[];
}

/** Runs build.mjs from a copy of the repo's build setup in `dir` (functions of our own, the real node_modules). */
async function buildIn(dir: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(dir, 'functions/build.mjs'), ...args], { cwd: dir });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

async function scratchRepo(fns: Record<string, { manifest: object; source?: string }>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wasmfn-build-'));
  await fs.symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  await fs.copyFile(path.join(REPO_ROOT, 'asconfig.json'), path.join(dir, 'asconfig.json'));
  await fs.mkdir(path.join(dir, 'functions'));
  await fs.copyFile(path.join(REPO_ROOT, 'functions/build.mjs'), path.join(dir, 'functions/build.mjs'));
  await fs.cp(path.join(REPO_ROOT, 'functions/sdk'), path.join(dir, 'functions/sdk'), { recursive: true });
  for (const [name, f] of Object.entries(fns)) {
    await fs.mkdir(path.join(dir, 'functions', name));
    await fs.writeFile(path.join(dir, 'functions', name, 'function.json'), JSON.stringify(f.manifest));
    if (f.source !== undefined) await fs.writeFile(path.join(dir, 'functions', name, 'index.ts'), f.source);
  }
  return dir;
}

build('every function.json in the repo has its module and an index entry', async () => {
  const names: string[] = [];
  for (const d of await fs.readdir(path.join(REPO_ROOT, 'functions'), { withFileTypes: true })) {
    if (d.isDirectory() && (await fs.stat(path.join(REPO_ROOT, 'functions', d.name, 'function.json')).catch(() => null))) names.push(d.name);
  }
  const index = await readIndex(REPO_ROOT);
  for (const name of names) {
    const manifest = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'functions', name, 'function.json'), 'utf8')) as { lang?: string };
    if ((manifest.lang ?? 'as') !== 'as') continue; // native toolchains may be absent
    const entry = index.find((e) => e.name === name);
    assert.ok(entry, `${name} is in index.json`);
    await fs.access(path.join(REPO_ROOT, 'dist/functions', entry.file));
  }
});

build('SDK-target modules export only handle and their memory', async () => {
  for (const e of (await readIndex(REPO_ROOT)).filter((x) => x.abi === 'sdk' && x.lang === 'as')) {
    const bytes = await fs.readFile(path.join(REPO_ROOT, 'dist/functions', e.file));
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((x) => x.name).sort();
    assert.equal(exports, ['handle', 'memory'], e.name);
  }
});

build('a scratch repo builds, skips up-to-date modules, and hands native entries to build-native.mjs', async () => {
  const dir = await scratchRepo({
    ok: { manifest: { description: 'ok', example: true, target: 'sdk' }, source: 'import { Response } from "../sdk";\nexport function handle(): void { Response.text("ok").write(); }\n' },
    native: { manifest: { description: 'native', example: false, target: 'wagi', lang: 'c' } },
  });
  try {
    await fs.writeFile(path.join(dir, 'functions/build-native.mjs'),
      "import fs from 'node:fs';\nexport default async function buildNative(o) { fs.writeFileSync(o.root + '/native-called.json', JSON.stringify(o)); }\n");
    const first = await buildIn(dir, []);
    assert.is(first.code, 0, first.out);
    const wasm = path.join(dir, 'dist/functions/ok.wasm');
    const mtime = (await fs.stat(wasm)).mtimeMs;
    const hook = JSON.parse(await fs.readFile(path.join(dir, 'native-called.json'), 'utf8')) as { onlyNames: string[]; ifMissing: boolean; outDir: string };
    assert.equal(hook.onlyNames, ['native']);
    assert.is(hook.outDir, path.join(dir, 'dist/functions'));
    assert.equal((await readIndex(dir)).map((e) => e.name), ['ok']);

    const again = await buildIn(dir, ['--if-missing']);
    assert.is(again.code, 0, again.out);
    assert.is((await fs.stat(wasm)).mtimeMs, mtime, 'an up-to-date module is not rebuilt');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

build('a compile error or an unknown --only name exits non-zero with the reason', async () => {
  const dir = await scratchRepo({
    broken: { manifest: { description: 'broken', example: false, target: 'sdk' }, source: 'export function handle(): void { let x: i32 = "no"; }\n' },
  });
  try {
    const res = await buildIn(dir, []);
    assert.is.not(res.code, 0);
    assert.match(res.out, 'broken');
    assert.match(res.out, 'TS2322');
    const unknown = await buildIn(dir, ['--only', 'nope']);
    assert.is.not(unknown.code, 0);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

build.run();

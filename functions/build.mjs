// Builds every functions/<name>/ that has a function.json into dist/functions/<name>.wasm, plus index.json.
// AssemblyScript entries compile in this one process through the asc API (the CLI costs ~3 s per call);
// C and Rust entries are handed to functions/build-native.mjs when that file exists.
//
//   node functions/build.mjs [--if-missing] [--only a,b]
//
// --if-missing  rebuild only outputs that are missing or older than their sources, the SDK or asconfig.json
// --only a,b    restrict to these function names

import { readdir, readFile, stat, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import asc from 'assemblyscript/asc';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const functionsDir = path.join(root, 'functions');
const outDir = path.join(root, 'dist', 'functions');
const AS_TARGETS = new Set(['sdk', 'loader']);
const LANGS = new Set(['as', 'c', 'rust']);

function parseArgs(argv) {
  const opts = { ifMissing: false, onlyNames: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--if-missing') opts.ifMissing = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!v) throw new Error('--only needs a comma-separated list of names');
      opts.onlyNames = v.split(',').map((s) => s.trim()).filter(Boolean);
    } else throw new Error(`unknown argument ${a} (use --if-missing, --only a,b)`);
  }
  return opts;
}

/** Every functions/<name>/function.json, validated. */
async function readEntries() {
  const entries = [];
  for (const d of await readdir(functionsDir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const dir = path.join(functionsDir, d.name);
    const manifestPath = path.join(dir, 'function.json');
    if (!existsSync(manifestPath)) continue;
    let m;
    try {
      m = JSON.parse(await readFile(manifestPath, 'utf8'));
    } catch (e) {
      throw new Error(`${path.relative(root, manifestPath)}: ${e.message}`);
    }
    const lang = m.lang ?? 'as';
    const where = path.relative(root, manifestPath);
    if (typeof m.description !== 'string' || !m.description) throw new Error(`${where}: "description" is required`);
    if (!LANGS.has(lang)) throw new Error(`${where}: "lang" must be one of ${[...LANGS].join(', ')}`);
    if (lang === 'as' && !AS_TARGETS.has(m.target)) throw new Error(`${where}: "target" must be "sdk" or "loader"`);
    if (m.ascFlags !== undefined && !(Array.isArray(m.ascFlags) && m.ascFlags.every((f) => typeof f === 'string'))) {
      throw new Error(`${where}: "ascFlags" must be an array of strings`);
    }
    entries.push({
      name: d.name,
      dir,
      description: m.description,
      example: m.example === true,
      abi: m.target ?? null,
      lang,
      ascFlags: m.ascFlags ?? [],
    });
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** Newest modification time (ms) of a file, or of every file under a directory except docs. */
async function newestMtime(p) {
  const s = await stat(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = 0;
  for (const d of await readdir(p)) {
    if (d.endsWith('.md')) continue;
    newest = Math.max(newest, await newestMtime(path.join(p, d)));
  }
  return newest;
}

async function isUpToDate(entry, sharedMtime) {
  const out = path.join(outDir, `${entry.name}.wasm`);
  if (!existsSync(out)) return false;
  const outMtime = (await stat(out)).mtimeMs;
  return outMtime >= Math.max(sharedMtime, await newestMtime(entry.dir));
}

async function buildAs(entry) {
  const entryFile = path.relative(root, path.join(entry.dir, 'index.ts'));
  if (!existsSync(path.join(root, entryFile))) throw new Error(`${entryFile} is missing`);
  const outFile = path.relative(root, path.join(outDir, `${entry.name}.wasm`));
  const stdout = asc.createMemoryStream();
  const stderr = asc.createMemoryStream();
  const started = performance.now();
  const { error } = await asc.main([
    entryFile,
    '--baseDir', root,
    '--config', 'asconfig.json',
    '--target', entry.abi,
    '--outFile', outFile,
    ...entry.ascFlags,
  ], { stdout, stderr });
  const log = stderr.toString().trim();
  if (error) throw new Error(`${entry.name}: ${error.message}\n${log}`);
  const size = (await stat(path.join(root, outFile))).size;
  const ms = Math.round(performance.now() - started);
  console.log(`built ${entry.name}.wasm (${entry.abi}, ${(size / 1024).toFixed(1)} KiB, ${ms} ms)`);
  if (log) console.log(log.replace(/^/gm, '  '));
}

async function writeIndex(entries) {
  const list = [];
  for (const e of entries) {
    const file = `${e.name}.wasm`;
    if (!existsSync(path.join(outDir, file))) continue;
    list.push({ name: e.name, description: e.description, example: e.example, abi: e.abi, lang: e.lang, file });
  }
  await writeFile(path.join(outDir, 'index.json'), JSON.stringify(list, null, 2) + '\n');
}

async function main() {
  const { ifMissing, onlyNames } = parseArgs(process.argv.slice(2));
  const all = await readEntries();
  if (onlyNames) {
    const unknown = onlyNames.filter((n) => !all.some((e) => e.name === n));
    if (unknown.length) throw new Error(`no functions/<name>/function.json for: ${unknown.join(', ')}`);
  }
  const selected = onlyNames ? all.filter((e) => onlyNames.includes(e.name)) : all;
  await mkdir(outDir, { recursive: true });

  const sharedMtime = Math.max(
    await newestMtime(path.join(functionsDir, 'sdk')),
    await newestMtime(path.join(root, 'asconfig.json')),
  );
  const failures = [];
  let upToDate = 0;
  for (const entry of selected.filter((e) => e.lang === 'as')) {
    if (ifMissing && (await isUpToDate(entry, sharedMtime))) { upToDate++; continue; }
    try {
      await buildAs(entry);
    } catch (e) {
      failures.push(e.message);
      console.error(`FAILED ${e.message}`);
    }
  }
  if (upToDate) console.log(`${upToDate} AssemblyScript function(s) up to date`);

  // Hook for C and Rust entries ("lang": "c" | "rust"), owned by another module.
  const native = selected.filter((e) => e.lang !== 'as');
  const nativeBuilder = path.join(functionsDir, 'build-native.mjs');
  if (native.length && existsSync(nativeBuilder)) {
    const { default: buildNative } = await import(pathToFileURL(nativeBuilder).href);
    try {
      await buildNative({ root, outDir, onlyNames: native.map((e) => e.name), ifMissing });
    } catch (e) {
      failures.push(e.message);
      console.error(`FAILED native builds: ${e.message}`);
    }
  } else if (native.length) {
    console.log(`skipped ${native.map((e) => e.name).join(', ')}: functions/build-native.mjs is not there`);
  }

  await writeIndex(all);
  if (failures.length) {
    console.error(`${failures.length} function(s) failed to build`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exitCode = 1;
});

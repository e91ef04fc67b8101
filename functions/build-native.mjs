// Builds C and Rust functions (function.json "lang": "c" | "rust") into WASI commands for the WAGI ABI.
// Called by functions/build.mjs. A missing toolchain is one warning line and a skip, never a failure, so the
// rest of the project builds and runs on a machine without clang or rustc.
//
// Toolchains (Debian bookworm): apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32 rustc libstd-rust-dev-wasm32
// Overrides: CLANG (default "clang"), WASI_SYSROOT (default "/usr"), RUSTC (tried before "rustc" and "/usr/bin/rustc").

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const C_HINT = 'apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32';
const RUST_HINT = 'apt-get install -y rustc libstd-rust-dev-wasm32 lld (or rustup target add wasm32-wasip1)';
/** Rust renamed wasm32-wasi to wasm32-wasip1 (1.78) and dropped the old name (1.84); Debian's 1.63 knows only the old. */
const RUST_TARGETS = ['wasm32-wasip1', 'wasm32-wasi'];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { ok: !r.error && r.status === 0, out: (r.stdout ?? '').trim(), err: r.error ? r.error.message : (r.stderr ?? '').trim() };
}

/** Compiles a trivial program once, so a half-installed toolchain (no wasi-libc, no builtins) is caught here. */
async function probeClang() {
  const cc = process.env.CLANG || 'clang';
  const sysroot = process.env.WASI_SYSROOT || '/usr';
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'wasmfn-cc-'));
  try {
    await writeFile(path.join(tmp, 'probe.c'), '#include <stdio.h>\nint main(void) { puts("ok"); return 0; }\n');
    const r = run(cc, ['--target=wasm32-wasi', `--sysroot=${sysroot}`, 'probe.c', '-o', 'probe.wasm'], { cwd: tmp });
    if (!r.ok) return { missing: `${cc} cannot build wasm32-wasi (${r.err.split('\n')[0]})` };
    return { cc, sysroot };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The first rustc whose sysroot has a WASI standard library and that can link a trivial program (Debian's needs
 * rust-lld, a link to lld-14 from the lld package), with that target's name.
 */
async function probeRustc() {
  const candidates = [...new Set([process.env.RUSTC, 'rustc', '/usr/bin/rustc'].filter(Boolean))];
  const problems = [];
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'wasmfn-rs-'));
  try {
    await writeFile(path.join(tmp, 'probe.rs'), 'fn main() { println!("ok"); }\n');
    for (const rustc of candidates) {
      const sysroot = run(rustc, ['--print', 'sysroot']);
      if (!sysroot.ok) continue;
      const target = RUST_TARGETS.find((t) => existsSync(path.join(sysroot.out, 'lib', 'rustlib', t, 'lib')));
      if (!target) continue;
      const r = run(rustc, ['--target', target, 'probe.rs', '-o', 'probe.wasm'], { cwd: tmp });
      if (r.ok) return { rustc, target, version: run(rustc, ['--version']).out };
      problems.push(`${rustc}: ${r.err.split('\n')[0]}`);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { missing: `no rustc that can build for WASI (tried ${candidates.join(', ')}${problems.length ? `; ${problems.join('; ')}` : ''})` };
}

async function newestMtime(p) {
  const s = await stat(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const d of await readdir(p)) newest = Math.max(newest, await newestMtime(path.join(p, d)));
  return newest;
}

async function readNativeEntries(functionsDir, onlyNames) {
  const names = onlyNames ?? (await readdir(functionsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  const entries = [];
  for (const name of names) {
    const manifest = path.join(functionsDir, name, 'function.json');
    if (!existsSync(manifest)) continue;
    const { lang } = JSON.parse(await readFile(manifest, 'utf8'));
    if (lang === 'c' || lang === 'rust') entries.push({ name, lang, dir: path.join(functionsDir, name) });
  }
  return entries;
}

function compileC(tc, entry, sources, out) {
  return run(tc.cc, ['--target=wasm32-wasi', `--sysroot=${tc.sysroot}`, '-Os', '-Wall', '-Wl,--strip-all', ...sources, '-o', out], { cwd: entry.dir });
}

function compileRust(tc, entry, out) {
  if (!existsSync(path.join(entry.dir, 'main.rs'))) return { ok: false, err: 'main.rs is missing' };
  return run(tc.rustc, ['--edition', '2021', '--target', tc.target, '-C', 'opt-level=s', '-C', 'strip=symbols', '-C', 'codegen-units=1', 'main.rs', '-o', out], { cwd: entry.dir });
}

export default async function buildNative({ root, outDir, onlyNames = null, ifMissing = false }) {
  const entries = await readNativeEntries(path.join(root, 'functions'), onlyNames);
  await mkdir(outDir, { recursive: true });
  const toolchains = {};
  const failures = [];
  for (const entry of entries) {
    const out = path.join(outDir, `${entry.name}.wasm`);
    if (ifMissing && existsSync(out) && (await stat(out)).mtimeMs >= (await newestMtime(entry.dir))) continue;

    if (!(entry.lang in toolchains)) {
      toolchains[entry.lang] = entry.lang === 'c' ? await probeClang() : await probeRustc();
      const tc = toolchains[entry.lang];
      if (tc.missing) {
        const skipped = entries.filter((e) => e.lang === entry.lang).map((e) => e.name).join(', ');
        console.warn(`warning: skipped ${skipped}: ${tc.missing}; install with: ${entry.lang === 'c' ? C_HINT : RUST_HINT}`);
      }
    }
    const tc = toolchains[entry.lang];
    if (tc.missing) continue;

    const started = performance.now();
    let r;
    if (entry.lang === 'c') {
      const sources = (await readdir(entry.dir)).filter((f) => f.endsWith('.c')).sort();
      r = sources.length ? compileC(tc, entry, sources, out) : { ok: false, err: 'no .c files' };
    } else {
      r = compileRust(tc, entry, out);
    }
    if (!r.ok) {
      failures.push(`${entry.name}: ${r.err}`);
      console.error(`FAILED ${entry.name} (${entry.lang}): ${r.err}`);
      continue;
    }
    const kib = ((await stat(out)).size / 1024).toFixed(1);
    const how = entry.lang === 'c' ? 'c, clang' : `rust, ${tc.version} ${tc.target}`;
    console.log(`built ${entry.name}.wasm (${how}, ${kib} KiB, ${Math.round(performance.now() - started)} ms)`);
    if (r.err) console.log(r.err.replace(/^/gm, '  '));
  }
  if (failures.length) throw new Error(`native build failed: ${failures.join('; ')}`);
}

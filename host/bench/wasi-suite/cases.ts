// The WebAssembly/wasi-testsuite's prebuilt wasm32-wasip1 tests: where they are and what each expects.

import fs from 'node:fs';
import path from 'node:path';

export const LANGUAGES = ['assemblyscript', 'c', 'rust'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface SuiteCase {
  language: Language;
  name: string;
  wasm: string;
  args: string[];
  env: Record<string, string>;
  /** Absolute path of the folder preopened as `/` (on a copy), or null. */
  root: string | null;
  exitCode: number;
  /** Exact expected stdout, or null when the test does not say. */
  stdout: string | null;
}

/**
 * The suite's folder: WASMFN_WASI_TESTSUITE, else `shared/wasi-testsuite` next to the checkout or one of its
 * parents (a worktree sits deeper than the main checkout). Null when there is none.
 */
export function findSuite(from = process.cwd()): string | null {
  const env = process.env.WASMFN_WASI_TESTSUITE;
  if (env) return fs.existsSync(env) ? path.resolve(env) : null;
  let dir = path.resolve(from);
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, '..', 'shared', 'wasi-testsuite');
    if (fs.existsSync(candidate)) return path.resolve(candidate);
    dir = path.dirname(dir);
  }
  return null;
}

interface CaseJson {
  args?: string[];
  env?: Record<string, string>;
  root?: string;
  exit_code?: number;
  stdout?: string;
}

export function listCases(suite: string): SuiteCase[] {
  const cases: SuiteCase[] = [];
  for (const language of LANGUAGES) {
    const dir = path.join(suite, language, 'testsuite', 'wasm32-wasip1');
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).sort()) {
      if (!f.endsWith('.wasm')) continue;
      const name = f.slice(0, -'.wasm'.length);
      const jsonFile = path.join(dir, `${name}.json`);
      const spec: CaseJson = fs.existsSync(jsonFile) ? JSON.parse(fs.readFileSync(jsonFile, 'utf8')) : {};
      cases.push({
        language, name, wasm: path.join(dir, f), args: spec.args ?? [], env: spec.env ?? {},
        root: spec.root ? path.join(dir, spec.root) : null, exitCode: spec.exit_code ?? 0, stdout: spec.stdout ?? null,
      });
    }
  }
  return cases;
}

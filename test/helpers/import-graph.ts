// The host's import graph read from its TypeScript sources, and the one-way layer rule checked over it.

import fs from 'node:fs';
import path from 'node:path';

/**
 * Layers from the top down, in request order. A file may import from its own layer or any layer below it.
 * A folder of `host/` is its layer; top-level files are named on their own. `base` holds what every layer
 * shares (typed errors, options).
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['cli'],
  ['bench'],
  ['server.ts', 'examples.ts', 'token.ts'],
  ['ui'],
  ['http'],
  ['map'],
  ['events'],
  ['cluster'],
  ['observe'],
  ['sandbox'],
  ['kv', 'fetch'],
  ['invocation'],
  ['store'],
  ['secrets'],
  ['wasm'],
  ['abi'],
  ['errors.ts', 'config.ts', 'control-chars.ts'],
];

export interface Edge {
  from: string; // path relative to host/, forward slashes
  to: string;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url/g;

/** Every relative import between files under `hostDir` (static, dynamic, and worker entry URLs). */
export function readImportGraph(hostDir: string): Edge[] {
  const edges: Edge[] = [];
  for (const file of listTs(hostDir)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec || !spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!target.startsWith(hostDir + path.sep)) continue;
      edges.push({ from: rel(hostDir, file), to: rel(hostDir, target) });
    }
  }
  return edges;
}

/** The layer index of a host-relative path (0 = top), or -1 when no layer names it. */
export function layerOf(file: string): number {
  const top = file.split('/')[0];
  return LAYERS.findIndex((names) => names.includes(top));
}

/** One line per edge that goes upward or touches a file outside every layer. */
export function layerViolations(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const { from, to } of edges) {
    const a = layerOf(from);
    const b = layerOf(to);
    if (a < 0) out.push(`${from} is in no layer (add its folder to LAYERS in test/helpers/import-graph.ts)`);
    else if (b < 0) out.push(`${to} is in no layer (imported by ${from})`);
    else if (b < a) out.push(`${from} imports ${to}: ${LAYERS[a].join('/')} may not import the higher layer ${LAYERS[b].join('/')}`);
  }
  return [...new Set(out)];
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function rel(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

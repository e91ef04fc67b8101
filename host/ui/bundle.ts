// Builds the dashboard's front end (host/ui/web, Preact + uPlot) with esbuild into static/ next to this module:
// index.html, app.js, app.css. Run by `npm run build:ui`; no network, no CDN at run time.

import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { STATIC_DIR } from './static-files.js';

/** host/ui/web in the source tree, from dist/host/ui/ where this module runs. */
export const WEB_SRC_DIR = fileURLToPath(new URL('../../../host/ui/web/', import.meta.url));

export interface BundleSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

export async function bundleUi(outDir = STATIC_DIR, srcDir = WEB_SRC_DIR): Promise<BundleSize[]> {
  await fs.mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { app: path.join(srcDir, 'main.tsx') },
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
    sourcemap: false,
  });
  await fs.copyFile(path.join(srcDir, 'index.html'), path.join(outDir, 'index.html'));
  const sizes: BundleSize[] = [];
  for (const file of ['index.html', 'app.js', 'app.css']) {
    const body = await fs.readFile(path.join(outDir, file));
    sizes.push({ file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length });
  }
  return sizes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await bundleUi();
  const total = sizes.reduce((a, s) => ({ bytes: a.bytes + s.bytes, gzip: a.gzip + s.gzipBytes }), { bytes: 0, gzip: 0 });
  for (const s of sizes) console.log(`${s.file.padEnd(11)} ${String(s.bytes).padStart(7)} B  ${String(s.gzipBytes).padStart(6)} B gzip`);
  console.log(`${'total'.padEnd(11)} ${String(total.bytes).padStart(7)} B  ${String(total.gzip).padStart(6)} B gzip`);
}

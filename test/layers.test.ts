import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { REPO_ROOT } from './helpers/host.js';
import { layerViolations, readImportGraph } from './helpers/import-graph.js';

const HOST_DIR = path.join(REPO_ROOT, 'host');

const layers = suite('layers: imports go one way');

layers('no file under host/ imports a higher layer', () => {
  const edges = readImportGraph(HOST_DIR);
  assert.ok(edges.length > 100, `read only ${edges.length} imports: is the source tree there?`);
  assert.equal(layerViolations(edges), []);
});

layers('the rule catches sandbox importing observe, and a folder outside every layer', () => {
  assert.equal(layerViolations([{ from: 'sandbox/worker.ts', to: 'observe/metrics.ts' }]).length, 1);
  assert.equal(layerViolations([{ from: 'observe/metrics.ts', to: 'sandbox/pool.ts' }]), []);
  assert.equal(layerViolations([{ from: 'abi/sdk.ts', to: 'errors.ts' }]), []);
  assert.equal(layerViolations([{ from: 'errors.ts', to: 'abi/sdk.ts' }]).length, 1);
  assert.match(layerViolations([{ from: 'nowhere/x.ts', to: 'abi/sdk.ts' }])[0], /no layer/);
});

layers('the reader sees static, dynamic and worker-entry imports', () => {
  const edges = readImportGraph(HOST_DIR);
  const has = (from: string, to: string) => edges.some((e) => e.from === from && e.to === to);
  assert.ok(has('sandbox/pool.ts', 'errors.ts'));
  assert.ok(edges.some((e) => e.to.endsWith('worker.ts') && e.from.startsWith('sandbox/')), 'worker entry URL');
});

layers.run();

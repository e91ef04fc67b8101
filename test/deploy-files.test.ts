// The deployment files parse, and name only environment variables the host reads (host/config.ts), the same set
// in compose and in the Kubernetes manifests, with what cluster mode needs.

import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './helpers/host.js';

const test = suite('deploy files');

const read = (p: string) => fs.readFileSync(path.join(REPO_ROOT, p), 'utf8');

/** Every variable host/config.ts reads from the environment. */
function hostVariables(): Set<string> {
  const src = read('host/config.ts');
  const names = new Set<string>();
  for (const m of src.matchAll(/env\.([A-Z][A-Z0-9_]*)/g)) names.add(m[1]!);
  for (const m of src.matchAll(/num\('([A-Z][A-Z0-9_]*)'/g)) names.add(m[1]!);
  return names;
}

const CLUSTER_NEEDS = ['WASMFN_NATS_URL', 'WASMFN_TOKEN', 'WASMFN_REPLICA', 'HOST'];

type Compose = { services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string>; build?: unknown; volumes?: string[] }> };

test('host/config.ts reads the variables the files rely on', () => {
  const vars = hostVariables();
  for (const v of [...CLUSTER_NEEDS, 'WASMFN_CLUSTER', 'PORT', 'WASMFN_DATA', 'LOG_LEVEL']) assert.ok(vars.has(v), v);
});

test('compose: NATS with JetStream on a volume, three replicas, a load balancer over them', () => {
  const compose = parse(read('deploy/compose.yaml'), { merge: true }) as Compose;
  const nats = compose.services.nats!;
  assert.ok(nats.command!.includes('--jetstream'));
  assert.ok(nats.command!.includes('--store_dir'));
  assert.ok(nats.volumes!.some((v) => v.endsWith(':/data')));
  const replicas = Object.entries(compose.services).filter(([, s]) => s.environment?.WASMFN_NATS_URL);
  assert.is(replicas.length, 3);
  const vars = hostVariables();
  const ids = new Set<string>();
  for (const [name, s] of replicas) {
    assert.ok(s.build, `${name} is built from the Dockerfile`);
    for (const k of Object.keys(s.environment!)) assert.ok(vars.has(k), `${name} sets ${k}, which the host does not read`);
    for (const k of CLUSTER_NEEDS) assert.ok(k in s.environment!, `${name} sets ${k}`);
    assert.is(s.environment!.WASMFN_NATS_URL, 'nats://nats:4222');
    ids.add(s.environment!.WASMFN_REPLICA!);
  }
  assert.is(ids.size, 3, 'each replica has its own id');
  const haproxy = read('deploy/haproxy.cfg');
  for (const [name] of replicas) assert.match(haproxy, new RegExp(`server ${name} ${name}:8080 check`));
  assert.match(haproxy, /option httpchk GET \/healthz/);
  assert.ok(compose.services.lb!.volumes!.some((v) => v.startsWith('./haproxy.cfg:')));
});

test('k8s: a Deployment ready on /healthz, a Service, NATS as a StatefulSet with JetStream; the same variables as compose', () => {
  const docs = fs.readdirSync(path.join(REPO_ROOT, 'deploy/k8s')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => {
      assert.is(d.errors.length, 0, `${f} parses`);
      return d.toJS() as { kind: string; metadata: { name: string }; spec: any; data?: Record<string, string> };
    }));
  const kinds = (k: string) => docs.filter((d) => d.kind === k);
  const deployment = kinds('Deployment').find((d) => d.metadata.name === 'wasmfn')!;
  assert.ok(deployment);
  const container = deployment.spec.template.spec.containers[0];
  assert.is(container.readinessProbe.httpGet.path, '/healthz');
  assert.ok(kinds('Service').some((s) => s.metadata.name === 'wasmfn' && s.spec.selector.app === 'wasmfn'));
  assert.ok(kinds('StatefulSet').some((s) => s.metadata.name === 'nats'));
  assert.match(kinds('ConfigMap').find((c) => c.metadata.name === 'nats-config')!.data!['nats.conf']!, /jetstream/);
  const k8sVars = new Set<string>(container.env.map((e: { name: string }) => e.name));
  const compose = parse(read('deploy/compose.yaml'), { merge: true }) as Compose;
  const composeVars = new Set(Object.keys(compose.services['wasmfn-1']!.environment!));
  assert.equal([...k8sVars].sort(), [...composeVars].sort());
  const vars = hostVariables();
  for (const v of k8sVars) assert.ok(vars.has(v), `the Deployment sets ${v}, which the host does not read`);
  const kustomize = parse(read('deploy/k8s/kustomization.yaml')) as { resources: string[] };
  for (const r of kustomize.resources) assert.ok(fs.existsSync(path.join(REPO_ROOT, 'deploy/k8s', r)));
});

test('Dockerfile: multi-stage, npm ci, built, runs as a non-root user, sets only variables the host reads', () => {
  const lines = read('Dockerfile').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  assert.ok(lines.filter((l) => l.startsWith('FROM ')).length >= 2);
  assert.ok(lines.some((l) => /^RUN npm ci\b/.test(l)));
  assert.ok(lines.some((l) => /tsc -p tsconfig\.json/.test(l)));
  const user = lines.filter((l) => l.startsWith('USER ')).pop();
  assert.ok(user && !/^USER (root|0)\b/.test(user), 'the last USER is not root');
  const text = read('Dockerfile').replace(/\\\n/g, ' ');
  const env = [...text.matchAll(/^ENV (.*)$/gm)].flatMap((m) => [...m[1]!.matchAll(/([A-Z_]+)=/g)].map((x) => x[1]!));
  const vars = hostVariables();
  for (const v of env.filter((v) => v !== 'NODE_ENV')) assert.ok(vars.has(v), `the image sets ${v}, which the host does not read`);
  assert.match(text, /CMD \["node", "dist\/host\/cli\/main\.js", "serve"\]/);
});

test.run();

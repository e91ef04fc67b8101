import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { withHost, tempDir, auth, deploy, fnBytes, FUNCTIONS_DIR } from './helpers/host.js';

const examples = suite('example functions');

const exampleNames = async (): Promise<string[]> => {
  const index = JSON.parse(await fs.readFile(path.join(FUNCTIONS_DIR, 'index.json'), 'utf8')) as { name: string; example: boolean }[] | { functions: { name: string; example: boolean }[] };
  return (Array.isArray(index) ? index : index.functions).filter((f) => f.example).map((f) => f.name).sort();
};
const listed = async (dir: string): Promise<string[]> => (JSON.parse(await fs.readFile(path.join(dir, 'examples.json'), 'utf8')) as { examples: string[] }).examples;
const listNames = async (h: { url: string; token: string }): Promise<string[]> =>
  ((await (await fetch(`${h.url}/api/functions`, { headers: auth(h) })).json()) as { functions: { name: string }[] }).functions.map((f) => f.name);

examples('a deleted example stays deleted after a restart', async () => {
  const dir = await tempDir();
  try {
    const all = await exampleNames();
    assert.ok(all.includes('hello') && all.includes('counter'));
    await withHost({ dataDir: dir, deployExamples: true }, async (h) => {
      assert.equal(await listNames(h), all);
      assert.is((await fetch(`${h.url}/api/functions/hello`, { method: 'DELETE', headers: auth(h) })).status, 204);
    });
    await withHost({ dataDir: dir, deployExamples: true }, async (h) => {
      const res = await fetch(`${h.url}/fn/hello`);
      assert.is(res.status, 404);
      assert.equal(await listNames(h), all.filter((n) => n !== 'hello'));
    });
    assert.equal(await listed(dir), all, 'the file still lists it, so it is not deployed again');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

examples('an example missing from examples.json is deployed once, as in a data dir from before the file', async () => {
  const dir = await tempDir();
  try {
    const all = await exampleNames();
    await withHost({ dataDir: dir, deployExamples: true }, async (h) => {
      assert.is((await fetch(`${h.url}/api/functions/counter`, { method: 'DELETE', headers: auth(h) })).status, 204);
    });
    // A later release that brings `counter` for the first time.
    await fs.writeFile(path.join(dir, 'examples.json'), JSON.stringify({ examples: all.filter((n) => n !== 'counter') }));
    await withHost({ dataDir: dir, deployExamples: true }, async (h) => {
      assert.is(await (await fetch(`${h.url}/fn/counter`)).text(), '1');
      assert.equal(await listed(dir), all);
      assert.is((await fetch(`${h.url}/api/functions/counter`, { method: 'DELETE', headers: auth(h) })).status, 204);
    });
    // No file at all: every missing example once, then the file.
    await fs.rm(path.join(dir, 'examples.json'));
    await withHost({ dataDir: dir, deployExamples: true }, async (h) => {
      assert.equal(await listNames(h), all);
      assert.equal(await listed(dir), all);
      assert.is((await fetch(`${h.url}/api/functions/counter`, { method: 'DELETE', headers: auth(h) })).status, 204);
    });
    await withHost({ dataDir: dir, deployExamples: true }, async (h) => {
      assert.is((await fetch(`${h.url}/fn/counter`)).status, 404);
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

examples("a user's function with an example's name that fails to load is not replaced by the example", async () => {
  const dir = await tempDir();
  try {
    let mine = '';
    await withHost({ dataDir: dir }, async (h) => {
      mine = ((await (await deploy(h, 'hello', await fnBytes('echo'))).json()) as { version: string }).version;
    });
    await fs.writeFile(path.join(dir, 'functions', 'hello', 'versions', mine, 'prepared.wasm'), 'broken');
    await withHost({ dataDir: dir, deployExamples: true }, async (h) => {
      assert.is((await fetch(`${h.url}/fn/hello`)).status, 404, 'it failed to load and nothing took its place');
      assert.ok((await listNames(h)).includes('counter'), 'the other examples are deployed');
    });
    const live = JSON.parse(await fs.readFile(path.join(dir, 'functions', 'hello', 'live.json'), 'utf8')) as { version: string; history: string[] };
    assert.equal(live, { version: mine, history: [] });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

examples('an unreadable examples.json deploys no examples and is left for its owner to fix', async () => {
  const dir = await tempDir();
  try {
    await fs.writeFile(path.join(dir, 'examples.json'), 'not json');
    await withHost({ dataDir: dir, deployExamples: true }, async (h) => {
      assert.equal(await listNames(h), []);
    });
    assert.is(await fs.readFile(path.join(dir, 'examples.json'), 'utf8'), 'not json');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

examples.run();

// `npm run bench:map-memory [-- --gib N]`: N GiB of NDJSON (64 KiB items) streamed through /map/hello of a host
// in a child process, generated on the fly; prints items, errors, seconds and the host's RSS before and at its
// peak. Bounded read-ahead and backpressure keep the peak independent of the input's size.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({ options: { gib: { type: 'string', default: '1' } } });
const gib = Number(values.gib);
const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
const ITEM_BYTES = 64 * 1024;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmfn-map-memory-'));
const host = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', dataDir], {
  env: { ...process.env, WASMFN_TOKEN: 'map-memory', LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  host.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  host.once('exit', (code) => reject(new Error(`host exited with ${String(code)}`)));
});
host.stdout!.resume();

const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${host.pid}/status`, 'utf8'))![1]) / 1024;
const before = rssMiB();
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 100);

const line = Buffer.from(JSON.stringify('x'.repeat(ITEM_BYTES - 3)) + '\n');
const items = Math.ceil((gib * 1024 ** 3) / line.length);
let sent = 0;
const body = new ReadableStream<Uint8Array>({
  pull(c) {
    if (sent >= items) return c.close();
    for (let i = 0; i < 16 && sent < items; i++, sent++) c.enqueue(line);
  },
});
const t0 = performance.now();
const res = await fetch(`${url}/map/hello`, { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'application/x-ndjson' } } as RequestInit);
let lines = 0;
let errors = 0;
let rest = '';
const dec = new TextDecoder();
for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
  rest += dec.decode(chunk, { stream: true });
  for (let i = rest.indexOf('\n'); i >= 0; i = rest.indexOf('\n')) {
    if (rest.slice(0, i).includes('"error"')) errors++;
    lines++;
    rest = rest.slice(i + 1);
  }
}
clearInterval(sampler);
console.log(JSON.stringify({
  inputGiB: (items * line.length) / 1024 ** 3, items, outputLines: lines, errors, seconds: +((performance.now() - t0) / 1000).toFixed(1),
  hostRssBeforeMiB: Math.round(before), hostRssPeakMiB: Math.round(peak),
}));
host.kill('SIGTERM');
await new Promise((r) => host.once('exit', r));
fs.rmSync(dataDir, { recursive: true, force: true });

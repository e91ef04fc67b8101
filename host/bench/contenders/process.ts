// Contender `process`: a new OS process per request (CGI, or a Lambda/container cold start without the VM).

import { spawn } from 'node:child_process';
import { checkOutput, INPUT, usSince, type Contender, type PhaseSample } from '../contender.js';
import { freshSource } from '../fresh-bytes.js';

const SOURCE = `process.stdout.write('Hello, ' + process.argv[1] + '!')`;

interface Timed { out: string; spawnUs: number; firstByteUs: number; totalUs: number }

function once(source: string): Promise<Timed> {
  return new Promise<Timed>((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', source, INPUT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let spawnUs = 0;
    let firstByteUs = 0;
    let out = '';
    child.once('spawn', () => (spawnUs = usSince(t0)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      if (!firstByteUs) firstByteUs = usSince(t0);
      out += s;
    });
    child.once('error', reject);
    // A CGI response is complete when the process exits and its stdout closes.
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`node exited with ${code}`));
      else resolve({ out, spawnUs, firstByteUs, totalUs: usSince(t0) });
    });
  });
}

export function processContender(): Contender {
  return {
    name: 'process',
    isolation: 'process',
    description: 'a new OS process per request (CGI; the runtime part of a Lambda or container cold start): `node -e` running the transform, answer on stdout',
    slow: true,
    async setup() {
      checkOutput('process', (await once(SOURCE)).out);
    },
    async coldStart() {
      return (await once(SOURCE)).totalUs;
    },
    async deploy(): Promise<PhaseSample> {
      const t = await once(freshSource(SOURCE));
      return { spawn: t.spawnUs, bootAndRun: t.firstByteUs - t.spawnUs, exit: t.totalUs - t.firstByteUs };
    },
    async teardown() {},
  };
}

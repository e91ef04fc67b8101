// Contender `worker-thread`: a new worker_thread per request, the transform in JavaScript.

import { Worker } from 'node:worker_threads';
import { checkOutput, INPUT, usSince, type Contender, type PhaseSample } from '../contender.js';
import { freshSource } from '../fresh-bytes.js';

const SOURCE = `const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage('Hello, ' + workerData + '!');`;

interface Timed { out: string; onlineUs: number; totalUs: number }

async function once(source: string): Promise<Timed> {
  const t0 = performance.now();
  const worker = new Worker(source, { eval: true, workerData: INPUT });
  try {
    return await new Promise<Timed>((resolve, reject) => {
      let onlineUs = 0;
      worker.once('online', () => (onlineUs = usSince(t0)));
      worker.once('message', (out: string) => resolve({ out, onlineUs, totalUs: usSince(t0) }));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before answering`)));
    });
  } finally {
    await worker.terminate(); // after the response: not in the figure, but no overlap with the next sample
  }
}

export function workerThreadContender(): Contender {
  return {
    name: 'worker-thread',
    isolation: 'worker',
    description: 'a new Node worker_thread (its own V8 isolate and event loop) per request, the transform in JavaScript',
    slow: true,
    async setup() {
      checkOutput('worker-thread', (await once(SOURCE)).out);
    },
    async coldStart() {
      return (await once(SOURCE)).totalUs;
    },
    async deploy(): Promise<PhaseSample> {
      const t = await once(freshSource(SOURCE));
      return { start: t.onlineUs, firstCall: t.totalUs - t.onlineUs };
    },
    async teardown() {},
  };
}

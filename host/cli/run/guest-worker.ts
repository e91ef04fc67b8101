// The thread `wasmfn run` runs its guest in, with the process's stdio; the main thread can terminate it on its
// deadline wherever the guest is (a loop, a sleep).

import { parentPort, workerData } from 'node:worker_threads';
import { STARTED, type RunGuestJob } from './protocol.js';
import { runGuest } from './run-guest.js';
import { processStreams } from './streams.js';

parentPort!.postMessage(runGuest(workerData as RunGuestJob, processStreams(), () => parentPort!.postMessage(STARTED)));

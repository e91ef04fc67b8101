// Worker thread body for prepareInWorker: prepares one module, posts the result or the error, and ends.

import { parentPort, workerData } from 'node:worker_threads';
import { WasmfnError } from '../errors.js';
import { prepareModule } from './prepare.js';
import type { PrepareJob, PrepareReply } from './prepare-worker.js';

function run(job: PrepareJob): { reply: PrepareReply; transfer: ArrayBuffer[] } {
  try {
    const prepared = prepareModule(job.bytes, job.opts);
    // Own buffer, so it can be transferred rather than copied (Binaryen's output may be a view).
    const bytes = prepared.bytes.slice();
    return { reply: { ok: true, prepared: { ...prepared, bytes } }, transfer: [bytes.buffer] };
  } catch (e) {
    const error = e instanceof WasmfnError ? e : new WasmfnError('internal', 'preparing the module failed', { details: [String((e as Error)?.message ?? e)] });
    return { reply: { ok: false, error: error.toJSON() }, transfer: [] };
  }
}

const { reply, transfer } = run(workerData as PrepareJob);
parentPort!.postMessage(reply, transfer);

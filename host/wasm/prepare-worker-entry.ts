// Worker thread body for the prepare service: loads Binaryen once, then prepares modules one message at a time.

import { parentPort } from 'node:worker_threads';
import { WasmfnError } from '../errors.js';
import { binaryenHasFailed } from './fuel.js';
import { prepareModule } from './prepare.js';
import type { PrepareRequest, PrepareResponse } from './prepare-worker.js';

function run(req: PrepareRequest): { msg: PrepareResponse; transfer: ArrayBuffer[] } {
  try {
    const prepared = prepareModule(req.bytes, req.opts);
    // Own buffer, so it can be transferred rather than copied (Binaryen's output may be a view).
    const bytes = prepared.bytes.slice();
    return { msg: { id: req.id, reply: { ok: true, prepared: { ...prepared, bytes } }, retire: binaryenHasFailed() }, transfer: [bytes.buffer] };
  } catch (e) {
    const typed = e instanceof WasmfnError;
    const error = typed ? e : new WasmfnError('internal', 'preparing the module failed', { details: [String((e as Error)?.message ?? e)] });
    // Anything but our own verdict may have left this thread's state broken: the parent replaces it.
    return { msg: { id: req.id, reply: { ok: false, error: error.toJSON() }, retire: !typed || binaryenHasFailed() }, transfer: [] };
  }
}

parentPort!.on('message', (req: PrepareRequest) => {
  const { msg, transfer } = run(req);
  parentPort!.postMessage(msg, transfer);
});
parentPort!.postMessage({ ready: true });

// Worker thread entry: keeps compiled modules by version key and runs jobs one at a time with an Executor.

import { parentPort, workerData } from 'node:worker_threads';
import { Executor } from './executor.js';
import { STATUS_JOB, STATUS_START, type FromWorker, type ToWorker } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('sandbox worker must run in a worker thread');

const status = new BigInt64Array(workerData.status as SharedArrayBuffer);
const modules = new Map<string, WebAssembly.Module>();
const executor = new Executor();
let recycleScheduled = false;

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'forget') {
    for (const k of msg.keys) modules.delete(k);
    return;
  }
  let module = msg.module;
  if (module) modules.set(msg.key, module);
  else module = modules.get(msg.key);
  if (!module) {
    send({ type: 'missing', id: msg.id, key: msg.key });
    return;
  }
  Atomics.store(status, STATUS_START, process.hrtime.bigint());
  Atomics.store(status, STATUS_JOB, BigInt(msg.id));
  const result = executor.run({
    module,
    abi: msg.abi,
    memory: msg.memory,
    fuel: msg.fuel,
    request: msg.request,
    maxResponseBytes: msg.maxResponseBytes,
  });
  Atomics.store(status, STATUS_JOB, 0n);
  const body = result.ok ? result.response.body : null;
  // Transfer only a body that owns its whole buffer; a view into guest memory was already copied by the ABI.
  const transfer = body && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer ? [body.buffer] : [];
  send({ type: 'done', id: msg.id, result }, transfer);
  // Zero the used memory after the response left, off the request path, batched when jobs arrive back to back.
  if (!recycleScheduled) {
    recycleScheduled = true;
    setImmediate(() => {
      recycleScheduled = false;
      executor.recycle();
    });
  }
});

send({ type: 'ready' });

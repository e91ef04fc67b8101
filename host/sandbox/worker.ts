// Worker thread entry: keeps compiled modules by version key and runs jobs one at a time with an Executor.

import { parentPort, workerData } from 'node:worker_threads';
import { Executor } from './executor.js';
import { STATUS_JOB, STATUS_START, type FromWorker, type JobReply, type RunMessage, type ToWorker } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('sandbox worker must run in a worker thread');

const status = new BigInt64Array(workerData.status as SharedArrayBuffer);
const modules = new Map<string, WebAssembly.Module>();
const executor = new Executor();

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function runOne(msg: RunMessage, replies: JobReply[], transfer: ArrayBuffer[]): void {
  let module = msg.module;
  if (module) modules.set(msg.key, module);
  else module = modules.get(msg.key);
  if (!module) {
    replies.push({ type: 'missing', id: msg.id, key: msg.key });
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
  if (body && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer) transfer.push(body.buffer);
  replies.push({ type: 'done', id: msg.id, result });
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'forget') {
    for (const k of msg.keys) modules.delete(k);
    return;
  }
  const replies: JobReply[] = [];
  const transfer: ArrayBuffer[] = [];
  msg.jobs.forEach((job, i) => {
    runOne(job, replies, transfer);
    // Reply to the first job at once so a batch never delays it; the rest go together.
    if (i === 0 && msg.jobs.length > 1) send({ type: 'replies', replies: replies.splice(0) }, transfer.splice(0));
  });
  if (replies.length) send({ type: 'replies', replies }, transfer);
  // Zero the used memories after the responses left, off the request path.
  executor.recycle();
});

send({ type: 'ready' });

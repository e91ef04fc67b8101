// Worker thread entry: a loop that claims jobs from its shared-memory slots, runs each in a fresh instance and
// writes the result back in place. Between jobs it sleeps in Atomics.wait; it never returns to its event loop.

import { receiveMessageOnPort, workerData, parentPort, type MessagePort } from 'node:worker_threads';
import { Executor } from './executor.js';
import { Channel, ON_PORT, ReplyBell, SlotState } from './channel.js';
import { sharedNow } from '../invocation/clock.js';
import { ByteWriter, Overflow } from './bytes.js';
import { decodeJob } from './job-codec.js';
import { encodeResult, unmeasured, type WorkerResult } from './result-codec.js';
import { WasmfnError } from '../errors.js';
import { runJob } from './run-job.js';
import type { ControlMessage, ModuleMessage, WorkerInit } from './protocol.js';
import { CapabilityClient } from './capability-client.js';
import { lowerThreadPriority } from './thread-priority.js';

interface ModuleEntry extends ModuleMessage {
  fuelBudget: bigint | null;
}

const init = workerData as WorkerInit;
lowerThreadPriority(init.nice);
const channel = new Channel(init.channel, init.shape);
const bell = new ReplyBell(init.bell);
const port: MessagePort = init.port;
const capabilities = new CapabilityClient(init.caps);
const executor = new Executor({ memoryPool: init.memoryPool, capabilities });
const modules = new Map<number, ModuleEntry>();
const payloads = new Map<number, Uint8Array>();
let seenControl = -1;
const PAGE = 65536;

function drainControl(): void {
  seenControl = channel.control();
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const msg = m.message as ControlMessage;
    if (msg.type === 'module') modules.set(msg.id, { ...msg, fuelBudget: msg.fuel === null ? null : BigInt(msg.fuel) });
    else if (msg.type === 'forget') for (const id of msg.ids) modules.delete(id);
    else if (msg.type === 'payload') payloads.set(msg.jobId, msg.bytes);
    else payloads.delete(msg.jobId);
  }
}

/** The READY slot dispatched first (job ids grow; the subtraction keeps the order across wrap-around). */
function oldestReady(): number {
  let best = -1;
  for (let i = 0; i < init.shape.slots; i++) {
    if (channel.state(i) !== SlotState.Ready) continue;
    if (best < 0 || ((channel.seq(i) - channel.seq(best)) | 0) < 0) best = i;
  }
  return best;
}

const hasReady = (): boolean => oldestReady() >= 0;

/** The job record of a slot, from shared memory or (when it was too big) from its port message. */
function jobRecord(slot: number): Uint8Array | null {
  const len = channel.requestLength(slot);
  if (len !== ON_PORT) return channel.bytes.subarray(channel.requestAt(slot), channel.requestAt(slot) + len);
  const id = channel.seq(slot);
  if (!payloads.has(id)) drainControl();
  const bytes = payloads.get(id) ?? null;
  payloads.delete(id);
  return bytes;
}

function result(slot: number, jobId: number): WorkerResult {
  const bytes = jobRecord(slot);
  if (!bytes) return internal('the request of this job never reached the worker');
  const job = decodeJob(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (job.jobId !== jobId) return internal(`slot ${slot} holds job ${job.jobId}, expected ${jobId}`);
  if (!modules.has(job.moduleId)) drainControl();
  const entry = modules.get(job.moduleId);
  if (!entry) return { kind: 'missing', moduleId: job.moduleId };
  return runJob(executor, init, job, entry, channel.started[slot]!);
}

function internal(message: string): WorkerResult {
  return { kind: 'error', error: new WasmfnError('internal', message).toJSON(), trapStack: [], stats: unmeasured() };
}

/** Into the slot; a result bigger than the response area goes over the port (its buffer transferred). */
function publish(slot: number, jobId: number, r: WorkerResult): void {
  const at = channel.responseAt(slot);
  try {
    const w = new ByteWriter(channel.bytes, at, at + init.shape.responseBytes);
    encodeResult(w, jobId, r);
    channel.setResponseLength(slot, w.length);
  } catch (e) {
    if (!(e instanceof Overflow)) throw e;
    const w = ByteWriter.growable(init.shape.responseBytes * 2 + (r.kind === 'ok' ? r.body.length : 0));
    encodeResult(w, jobId, r);
    const bytes = new Uint8Array(w.written());
    port.postMessage({ jobId, bytes }, [bytes.buffer]);
    channel.setResponseLength(slot, ON_PORT);
  }
  channel.setState(slot, SlotState.Done);
  bell.ring();
}

function loop(): never {
  for (;;) {
    if (channel.control() !== seenControl) drainControl();
    const slot = oldestReady();
    if (slot < 0) {
      channel.sleep(hasReady);
      continue;
    }
    // The start time is in place before the claim, so the main thread never reads a stale one for this job.
    channel.started[slot] = sharedNow();
    if (!channel.move(slot, SlotState.Ready, SlotState.Running)) continue; // taken back by the main thread
    const jobId = channel.seq(slot);
    capabilities.jobId = jobId;
    let r: WorkerResult;
    try {
      r = result(slot, jobId);
    } catch (e) {
      // A host bug here must cost this request, not the thread and every job queued on it.
      r = internal(`the worker failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    publish(slot, jobId, r);
    // Zeroing the memory for its next use happens here, after the result is out.
    executor.recycle();
    const pooled = executor.memories.bytes / PAGE;
    if (pooled !== channel.pooledPages()) channel.setPooledPages(pooled);
  }
}

parentPort!.postMessage({ type: 'ready' });
loop();

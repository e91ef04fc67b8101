// The main thread's end of one worker: its thread, its shared-memory slots and which job sits in each, and the
// modules it has been given. Mechanics only; which job goes where is the pool's business.

import v8 from 'node:v8';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Channel, ON_PORT, SlotState, type ChannelShape, type ReplyBell } from './channel.js';
import { RecordReader, ByteWriter } from './bytes.js';
import { encodeJob, jobBytes, type JobInput } from './job-codec.js';
import { decodeResult, failedOutcome, type InvokeOutcome } from './result-codec.js';
import type { LineLevels } from '../invocation/line.js';
import type { ControlMessage, ModuleMessage, ResultMessage, WorkerInit } from './protocol.js';
import type { CapReply, CapRequest } from '../abi/capability-bridge.js';
import type { CapAnswerMessage, CapCallMessage } from './capability-client.js';

export interface DispatchedJob {
  /** Numbered at each dispatch: a worker runs its jobs in this order, and their records and results carry it. */
  id: number;
  readonly input: JobInput;
  readonly enqueuedAt: number;
  moduleId: number;
}

export interface WorkerSpec {
  shape: ChannelShape;
  bell: ReplyBell;
  maxResponseBytes: number;
  memoryPool: { maxBytes: number; maxMemoryBytes: number };
  heapMb: number;
  nice: number;
  lineLevels: LineLevels;
  /** Answers a guest's capability call made by `job`, which started at `startedAt` (sharedNow). */
  onCapability?: (job: never, startedAt: number, req: CapRequest) => Promise<CapReply>;
}

export type Collected = InvokeOutcome | { missing: number };
type Done<J extends DispatchedJob> = (job: J, r: Collected, h: WorkerHandle<J>) => void;

/**
 * V8 sizes every isolate it creates by --max-old-space-size or --max-heap-size when either is set (on the command
 * line or in NODE_OPTIONS, where operators size the main thread), ahead of a worker's resourceLimits: every worker
 * would get the main thread's heap instead of workerHeapMb. Clearing the flags leaves the main isolate the heap it
 * started with and each worker its resourceLimits.
 */
function letWorkersOwnTheirHeapLimits(): void {
  v8.setFlagsFromString('--max-old-space-size=0');
  v8.setFlagsFromString('--max-heap-size=0');
}

export class WorkerHandle<J extends DispatchedJob> {
  readonly worker: Worker;
  readonly channel: Channel;
  /** The job in each slot, from publish() until its result is collected or it is taken back. */
  readonly jobs: (J | null)[];
  ready = false;
  dying = false;
  inflight = 0;
  private readonly port: MessagePort;
  private readonly known = new Set<number>();
  needsWake = false;
  /** Results that came over the port before their slot was read. */
  private readonly stash = new Map<number, Uint8Array>();
  private readonly capPort: MessagePort;

  constructor(spec: WorkerSpec) {
    this.channel = Channel.create(spec.shape);
    this.jobs = new Array<J | null>(spec.shape.slots).fill(null);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const caps = new MessageChannel();
    const cell = new SharedArrayBuffer(4);
    this.capPort = caps.port1;
    this.listenForCapabilities(spec, new Int32Array(cell));
    const init: WorkerInit = { channel: this.channel.sab, shape: spec.shape, bell: spec.bell.sab, port: port2, maxResponseBytes: spec.maxResponseBytes, memoryPool: spec.memoryPool, lineLevels: spec.lineLevels, caps: { port: caps.port2, cell }, nice: spec.nice };
    letWorkersOwnTheirHeapLimits();
    this.worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: init,
      transferList: [port2, caps.port2],
      resourceLimits: { maxOldGenerationSizeMb: spec.heapMb, stackSizeMb: 4 },
    });
  }

  /** Capability calls of the running job: answered on the main thread, the worker woken once the answer is posted. */
  private listenForCapabilities(spec: WorkerSpec, cell: Int32Array): void {
    this.capPort.on('message', (m: CapCallMessage) => {
      const slot = this.jobs.findIndex((j) => j !== null && j.id === m.jobId);
      const answer = (reply: CapReply): void => {
        if (this.dying) return;
        this.capPort.postMessage({ seq: m.seq, reply } satisfies CapAnswerMessage);
        Atomics.store(cell, 0, 1);
        Atomics.notify(cell, 0);
      };
      if (slot < 0 || !spec.onCapability) {
        answer({ ok: false, error: { code: 'unavailable', message: 'no capability host for this call' } });
        return;
      }
      spec.onCapability(this.jobs[slot] as never, this.channel.started[slot]!, m.req).then(answer, (e: Error) => {
        answer({ ok: false, error: { code: 'unavailable', message: e.message } });
      });
    });
    // The thread's own liveness keeps the process up, not this listener.
    this.capPort.unref();
  }

  freeSlot(): number {
    return this.jobs.indexOf(null);
  }

  knows(moduleId: number): boolean {
    return this.known.has(moduleId);
  }

  sendModule(msg: ModuleMessage): void {
    this.control(msg);
    this.known.add(msg.id);
  }

  /** The worker reported it does not have this module (any more): post it again before the next job needing it. */
  lost(moduleId: number): void {
    this.known.delete(moduleId);
  }

  forget(ids: number[]): void {
    const mine = ids.filter((id) => this.known.delete(id));
    if (mine.length) this.control({ type: 'forget', ids: mine });
  }

  /** Writes the job into `slot` (over the port if it is too big) and makes it READY, waking the worker if asleep. */
  publish(slot: number, job: J): void {
    const ch = this.channel;
    const at = ch.requestAt(slot);
    const size = jobBytes(job.input);
    if (size <= ch.shape.requestBytes) {
      encodeJob(new ByteWriter(ch.bytes, at, at + size), job.id, job.enqueuedAt, job.moduleId, job.input);
      ch.setRequestLength(slot, size);
    } else {
      const w = new ByteWriter(Buffer.allocUnsafeSlow(size), 0, size);
      encodeJob(w, job.id, job.enqueuedAt, job.moduleId, job.input);
      const bytes = new Uint8Array(w.buf.buffer, w.buf.byteOffset, size);
      this.control({ type: 'payload', jobId: job.id, bytes }, [bytes.buffer as ArrayBuffer]);
      ch.setRequestLength(slot, ON_PORT);
    }
    ch.setSeq(slot, job.id);
    this.jobs[slot] = job;
    this.inflight++;
    ch.setState(slot, SlotState.Ready);
    ch.announce();
    // A job for an idle worker wakes it at once (latency); otherwise once at the end of the turn, for all the jobs
    // of the turn: a notify is a system call on the main thread. A worker that is awake finds the job by itself.
    if (this.inflight === 1) ch.wake();
    else this.needsWake = true;
  }

  /** Wakes the worker if something was published since the last call and it sleeps. */
  wake(): void {
    if (!this.needsWake) return;
    this.needsWake = false;
    this.channel.wake();
  }

  /** Hands every finished job's result to `done` and frees its slot. */
  collect(done: Done<J>): void {
    for (let slot = 0; slot < this.jobs.length; slot++) {
      const job = this.jobs[slot];
      if (!job || this.channel.state(slot) !== SlotState.Done) continue;
      const r = this.read(slot, job.id);
      this.release(slot);
      done(job, r, this);
    }
  }

  /** Bytes of zeroed memories the worker keeps for reuse (what it holds beyond the job it runs). */
  pooledMemoryBytes(): number {
    return this.channel.pooledPages() * 65536;
  }

  /** The slot whose job is running now, or -1 (a worker runs one job at a time). */
  runningSlot(): number {
    for (let slot = 0; slot < this.jobs.length; slot++) if (this.jobs[slot] && this.channel.state(slot) === SlotState.Running) return slot;
    return -1;
  }

  hasWaiting(): boolean {
    for (let slot = 0; slot < this.jobs.length; slot++) if (this.jobs[slot] && this.channel.state(slot) === SlotState.Ready) return true;
    return false;
  }

  /** Takes back the jobs that have not started (oldest first), so another worker can run them. */
  takeBackWaiting(): J[] {
    const out: J[] = [];
    for (let slot = 0; slot < this.jobs.length; slot++) {
      const job = this.jobs[slot];
      if (!job || !this.channel.move(slot, SlotState.Ready, SlotState.Free)) continue;
      if (this.channel.requestLength(slot) === ON_PORT) this.control({ type: 'drop', jobId: job.id });
      this.jobs[slot] = null;
      this.inflight--;
      out.push(job);
    }
    return out.sort((a, b) => (a.id - b.id) | 0);
  }

  /** For a worker being replaced: its finished results, the job it was running, and the rest. */
  abandon(done: Done<J>): { running: J | null; rest: J[] } {
    this.collect(done);
    const running = this.runningSlot();
    const runningJob = running >= 0 ? this.jobs[running]! : null;
    const rest = this.jobs.filter((j): j is J => j !== null && j !== runningJob).sort((a, b) => (a.id - b.id) | 0);
    this.jobs.fill(null);
    this.inflight = 0;
    return { running: runningJob, rest };
  }

  /** Stops the thread; the port closes once it is gone, so results it posted can still be collected until then. */
  async terminate(): Promise<number> {
    try {
      return await this.worker.terminate();
    } finally {
      this.port.close();
      this.capPort.close();
    }
  }

  private release(slot: number): void {
    this.jobs[slot] = null;
    this.inflight--;
    this.channel.setState(slot, SlotState.Free);
  }

  private read(slot: number, jobId: number): Collected {
    const ch = this.channel;
    const len = ch.responseLength(slot);
    if (len !== ON_PORT) return decodeResult(new RecordReader(ch.bytes.subarray(ch.responseAt(slot), ch.responseAt(slot) + len)), true);
    let bytes = this.stash.get(jobId);
    this.stash.delete(jobId);
    while (!bytes) {
      const m = receiveMessageOnPort(this.port)?.message as ResultMessage | undefined;
      if (!m) break;
      if (m.jobId === jobId) bytes = m.bytes;
      else this.stash.set(m.jobId, m.bytes);
    }
    if (!bytes) {
      return failedOutcome({ code: 'internal', message: 'the result of this job was lost between threads' });
    }
    return decodeResult(new RecordReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)), false);
  }

  private control(msg: ControlMessage, transfer: ArrayBuffer[] = []): void {
    this.port.postMessage(msg, transfer);
    this.channel.announceControl();
    this.needsWake = true;
  }
}

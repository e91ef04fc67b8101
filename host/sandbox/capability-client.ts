// The worker's end of capability calls: a guest's key-value or HTTP call is posted to the main thread, and the
// worker blocks in Atomics.wait until the answer is there, so the call is synchronous for the guest while the
// main thread does the I/O without blocking. The wait is part of the call's wall time: the pool's deadline
// (timeoutMs) terminates a worker still waiting past it.

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { CapabilityBridge, CapReply, CapRequest } from '../abi/capability-bridge.js';

/** Worker to main. */
export interface CapCallMessage {
  jobId: number;
  seq: number;
  req: CapRequest;
}

/** Main to worker; the main thread then sets the cell to 1 and notifies it. */
export interface CapAnswerMessage {
  seq: number;
  reply: CapReply;
}

/** What a worker is given for its capability calls. */
export interface CapabilityWire {
  port: MessagePort;
  /** One Int32: 0 while a call waits for its answer, 1 once the answer was posted. */
  cell: SharedArrayBuffer;
}

/** Slices of the wait, so a notify lost to a race costs at most this much. */
const WAIT_SLICE_MS = 50;

export class CapabilityClient implements CapabilityBridge {
  private readonly cell: Int32Array;
  private seq = 0;
  /** The job the worker runs now: the main thread finds the call's function and limits by it. */
  jobId = 0;

  constructor(private readonly wire: CapabilityWire) {
    this.cell = new Int32Array(wire.cell);
  }

  call(req: CapRequest): CapReply {
    const seq = (this.seq = (this.seq + 1) | 0);
    Atomics.store(this.cell, 0, 0);
    this.wire.port.postMessage({ jobId: this.jobId, seq, req } satisfies CapCallMessage);
    for (;;) {
      const m = receiveMessageOnPort(this.wire.port)?.message as CapAnswerMessage | undefined;
      if (m) {
        // An answer to an earlier call of a job this worker gave up on cannot come (the worker would be gone),
        // but a stray one is skipped rather than taken for this call's.
        if (m.seq === seq) return m.reply;
        continue;
      }
      Atomics.wait(this.cell, 0, 0, WAIT_SLICE_MS);
      Atomics.store(this.cell, 0, 0);
    }
  }
}

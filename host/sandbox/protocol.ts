// Messages between the pool (main thread) and its workers.

import type { AbiName, GuestRequest } from '../abi/types.js';
import type { MemoryShape } from './memory-pool.js';
import type { RunResult } from './executor.js';

export interface RunMessage {
  type: 'run';
  id: number;
  key: string;
  /** Sent the first time this worker runs `key`; cached there afterwards. */
  module?: WebAssembly.Module;
  abi: AbiName;
  memory: MemoryShape | null;
  fuel: bigint | null;
  request: GuestRequest;
  maxResponseBytes: number;
}

export interface ForgetMessage {
  type: 'forget';
  keys: string[];
}

/** Jobs posted in one event-loop turn travel together: one message per worker per turn, not per request. */
export interface BatchMessage {
  type: 'batch';
  jobs: RunMessage[];
}

export type ToWorker = BatchMessage | ForgetMessage;

export type JobReply = { type: 'done'; id: number; result: RunResult } | { type: 'missing'; id: number; key: string };

export type FromWorker = { type: 'ready' } | { type: 'replies'; replies: JobReply[] };

/** Layout of the worker's status words, shared so the main thread can see what runs without a message. */
export const STATUS_JOB = 0;   // id of the job running now, 0 when idle
export const STATUS_START = 1; // process.hrtime.bigint() when it started

// The record of one invocation, as observability (logs, metrics, usage) receives it.

import type { ErrorCode } from '../errors.js';
import type { GuestLogLine } from './guest-log.js';

export interface InvocationRecord {
  requestId: string;
  /** Epoch milliseconds (formatted as ISO 8601 where shown). */
  time: number;
  function: string;
  version: string;
  method: string;
  path: string;
  status: number;
  /** Error code when the invocation failed, else null. */
  code: ErrorCode | null;
  message?: string;
  trapStack?: string[];
  queueMs: number;
  instantiateMs: number;
  runMs: number;
  totalMs: number;
  fuelUsed: number | null;
  peakPages: number;
  memoryMb: number;
  bytesIn: number;
  bytesOut: number;
  logs: GuestLogLine[];
  /** Outbound requests the guest made: method, origin, status (null when it failed), ms. */
  fetches?: { method: string; origin: string; status: number | null; ms: number; error?: string }[];
  /** What started the invocation when not a call of /fn (e.g. "map"); shown in the log line. */
  trigger?: string;
  /** The log line as UTF-8, when a worker formatted it already (empty when its level is off). */
  line?: Uint8Array;
}

export type Outcome = 'ok' | ErrorCode;

export function outcomeOf(r: InvocationRecord): Outcome {
  return r.code ?? 'ok';
}

/** Everything that wants to hear about invocations implements this; the route calls it once per request. */
export interface InvocationSink {
  record(r: InvocationRecord): void;
}

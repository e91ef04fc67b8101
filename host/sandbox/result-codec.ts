// A job's result as it crosses back to the main thread: written by the worker into the slot's response area (or a
// buffer sent over the port when bigger), read by the pool into an InvokeOutcome.
//
//   u32 job id | u8 kind | f64 queue ms | f64 instantiate ms | f64 run ms | f64 fuel used (-1: not metered)
//   f64 total ms | u32 peak pages | kind ok: u32 status, u32 header count, (str name, str value)*, bytes body
//                  | kind error: str code, str message, u32 n, str detail*, u32 n, str stack frame*
//   u32 log count, (u8 level, str line)* | str invocation log line

import { ERROR_STATUS, type ErrorCode, type SerializedError } from '../errors.js';
import type { LogLevel } from '../abi/types.js';
import type { GuestLogLine } from '../invocation/guest-log.js';
import type { RecordReader, ByteWriter } from './bytes.js';
import type { FetchRecord } from '../fetch/outbound.js';

export interface OutcomeStats {
  /** From the request entering the pool to its start on a worker. */
  queueMs: number;
  instantiateMs: number;
  runMs: number;
  fuelUsed: number | null;
  peakPages: number;
  logs: GuestLogLine[];
  /** From the route receiving the request to its result being ready (sharedNow clock). */
  totalMs: number;
  /** The invocation log line the worker formatted, UTF-8 (empty when its level is off); null when it formatted none. */
  line: Uint8Array | null;
  /** The guest's outbound requests, when it made any (set on the main thread). */
  fetches?: FetchRecord[];
}

export type InvokeOutcome =
  | ({ ok: true; status: number; /** name, value, name, value, ... (lower-case names) */ headers: string[]; body: Uint8Array } & OutcomeStats)
  | ({ ok: false; error: SerializedError; trapStack: string[] } & OutcomeStats);

type Failed = Extract<InvokeOutcome, { ok: false }>;

/** What the worker encodes: a run's result. */
export type WorkerResult =
  | { kind: 'ok'; status: number; headers: [string, string][]; body: Uint8Array; stats: OutcomeStats }
  | { kind: 'error'; error: SerializedError; trapStack: string[]; stats: OutcomeStats }
  /** The worker did not have the job's module (a forget crossed the job): the pool posts it again and retries. */
  | { kind: 'missing'; moduleId: number };

/** The stats of a job that did not run (refused, cut short, or its result lost): nothing measured. */
export function unmeasured(totalMs = 0): OutcomeStats {
  return { queueMs: 0, instantiateMs: 0, runMs: 0, fuelUsed: null, peakPages: 0, logs: [], totalMs, line: null };
}

/** A failed outcome; without `stats`, that of a job that did not run. */
export function failedOutcome(error: SerializedError, stats: OutcomeStats = unmeasured(), trapStack: string[] = []): Failed {
  const { queueMs, instantiateMs, runMs, fuelUsed, peakPages, logs, totalMs, line } = stats;
  return { ok: false, error, trapStack, queueMs, instantiateMs, runMs, fuelUsed, peakPages, logs, totalMs, line };
}

const KIND_ERROR = 0;
const KIND_OK = 1;
const KIND_MISSING = 2;
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function encodeResult(w: ByteWriter, jobId: number, r: WorkerResult): void {
  w.u32(jobId);
  if (r.kind === 'missing') {
    w.u8(KIND_MISSING);
    w.u32(r.moduleId);
    return;
  }
  w.u8(r.kind === 'ok' ? KIND_OK : KIND_ERROR);
  const s = r.stats;
  w.f64(s.queueMs);
  w.f64(s.instantiateMs);
  w.f64(s.runMs);
  w.f64(s.fuelUsed ?? -1);
  w.f64(s.totalMs);
  w.u32(s.peakPages);
  if (r.kind === 'ok') {
    w.u32(r.status);
    w.u32(r.headers.length);
    for (const [name, value] of r.headers) {
      w.latin1(name);
      w.latin1(value);
    }
    w.bytes(r.body);
  } else {
    w.latin1(r.error.code);
    w.utf8(r.error.message);
    const details = r.error.details ?? [];
    w.u32(details.length);
    for (const d of details) w.utf8(d);
    w.u32(r.trapStack.length);
    for (const f of r.trapStack) w.utf8(f);
  }
  w.u32(s.logs.length);
  for (const l of s.logs) {
    w.u8(LEVELS.indexOf(l.level));
    w.utf8(l.line);
  }
  w.u8(s.line === null ? 0 : 1);
  if (s.line !== null) w.bytes(s.line);
}

/**
 * Decodes a result. `copyBody` is true when the bytes are shared memory the slot will reuse: the body is then
 * copied (into Node's pooled allocator for small ones); a buffer that came over the port is used as is.
 */
export function decodeResult(r: RecordReader, copyBody: boolean): InvokeOutcome | { missing: number } {
  r.u32(); // job id
  const kind = r.u8();
  if (kind === KIND_MISSING) return { missing: r.u32() };
  const queueMs = r.f64();
  const instantiateMs = r.f64();
  const runMs = r.f64();
  const fuel = r.f64();
  const totalMs = r.f64();
  const peakPages = r.u32();
  const fuelUsed = fuel < 0 ? null : fuel;
  const logs: GuestLogLine[] = [];
  // Object literals of one shape each (no spreads): this runs on the main thread for every request.
  let outcome: InvokeOutcome;
  if (kind === KIND_OK) {
    const status = r.u32();
    const n = r.count(8);
    const headers: string[] = new Array(n * 2);
    for (let i = 0; i < n * 2; i++) headers[i] = r.latin1();
    const view = r.bytes();
    const body = copyBody ? Buffer.from(view) : view;
    outcome = { ok: true, status, headers, body, queueMs, instantiateMs, runMs, fuelUsed, peakPages, logs, totalMs, line: null };
  } else {
    const code = r.latin1() as ErrorCode;
    const message = r.utf8();
    const details = Array.from({ length: r.count(4) }, () => r.utf8());
    const trapStack = Array.from({ length: r.count(4) }, () => r.utf8());
    const error: SerializedError = { code: code in ERROR_STATUS ? code : 'internal', message, ...(details.length ? { details } : {}) };
    outcome = failedOutcome(error, { queueMs, instantiateMs, runMs, fuelUsed, peakPages, logs, totalMs, line: null }, trapStack);
  }
  const logCount = r.count(5);
  for (let i = 0; i < logCount; i++) {
    const level = LEVELS[r.u8()] ?? 'info';
    logs.push({ level, line: r.utf8() });
  }
  // A copy: the slot is reused once collected, and the line is written to the log later in the turn.
  if (r.u8() === 1) outcome.line = Buffer.from(r.bytes());
  return outcome;
}

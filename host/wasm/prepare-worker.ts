// Runs prepareModule in a short-lived worker thread under a time limit, so a huge module never blocks the event loop.

import { Worker } from 'node:worker_threads';
import { WasmfnError, type SerializedError } from '../errors.js';
import type { PreparedModule, PrepareOptions } from './prepare.js';

/** Resolved against this file, so it works from the compiled output (dist/host/wasm). */
const ENTRY = new URL('./prepare-worker-entry.js', import.meta.url);
/** Bounded so a chatty failure cannot grow without limit. */
const STDERR_KEEP_BYTES = 4096;

export interface PrepareJob {
  bytes: Uint8Array;
  opts: PrepareOptions;
}

export type PrepareReply = { ok: true; prepared: PreparedModule } | { ok: false; error: SerializedError };

function tooSlow(timeLimitMs: number): WasmfnError {
  const reason = `preparing the module took longer than ${timeLimitMs} ms`;
  return new WasmfnError('invalid_module', reason, { details: [reason] });
}

/**
 * prepareModule in a fresh worker. The time limit runs from the worker's creation (start-up and loading
 * Binaryen take about half a second of it); past it the worker is terminated and the promise rejects
 * with invalid_module. A result that arrives after the limit is refused too, so 0 always fails.
 */
export function prepareInWorker(bytes: Uint8Array, opts: PrepareOptions, timeLimitMs: number): Promise<PreparedModule> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const job: PrepareJob = { bytes, opts };
    const worker = new Worker(ENTRY, { workerData: job, stderr: true, stdout: true });
    let stderr = '';
    worker.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP_BYTES);
    });
    worker.stdout.resume();
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    const crashed = (why: string) => {
      const details = stderr.trim() ? [why, stderr.trim()] : [why];
      return new WasmfnError('internal', 'the module preparation worker failed', { details });
    };
    const timer = setTimeout(() => settle(() => reject(tooSlow(timeLimitMs))), timeLimitMs);
    worker.once('message', (reply: PrepareReply) => {
      if (performance.now() - started > timeLimitMs) return settle(() => reject(tooSlow(timeLimitMs)));
      settle(() => (reply.ok ? resolve(reply.prepared) : reject(WasmfnError.from(reply.error))));
    });
    worker.once('error', (e: Error) => settle(() => reject(crashed(e.message))));
    worker.once('exit', (code: number) => settle(() => reject(crashed(`worker exited with code ${code} before replying`))));
  });
}

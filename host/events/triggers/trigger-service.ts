// What the rest of the host sees of triggers, embedded or cluster: each function's triggers with their lag and last
// error (for GET /api/functions/:name and /metrics), publishing to a topic, and shutting down.

import { Gauge, type Registry as PromRegistry } from 'prom-client';
import type { JobInput } from '../../sandbox/job-codec.js';

export interface TriggerStatus {
  /** "topic:<topic>" or "stream:<stream>". */
  trigger: string;
  /** Messages not yet acknowledged or dead-lettered (in flight included). */
  pending: number;
  lastError: string | null;
}

export interface TriggerService {
  status(fn: string): Promise<TriggerStatus[]>;
  /** Publishes to a topic (embedded) or a subject (cluster); the message's sequence number. */
  publish(topic: string, subject: string, payload: Uint8Array): Promise<number>;
  /** Messages given up on after maxDeliver deliveries, newest first. */
  deadLetters(fn: string, limit?: number): Promise<DeadLetter[]>;
  /** Every trigger of every function, for the lag gauge. */
  all(): Promise<{ fn: string; status: TriggerStatus }[]>;
  close(): Promise<void>;
}

export interface DeadLetter {
  trigger: string;
  seq: number;
  subject: string;
  payloadBase64: string;
  /** Deliveries made. */
  attempts: number;
  error: string;
  failedAt: string;
}

/** `wasmfn_trigger_lag{function, trigger}`, read at scrape time. */
export function lagGauge(registry: PromRegistry, all: () => Promise<{ fn: string; status: TriggerStatus }[]>): void {
  new Gauge({
    name: 'wasmfn_trigger_lag',
    help: 'Messages of a trigger not yet processed (pending, in flight included)',
    labelNames: ['function', 'trigger'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { fn, status } of await all()) this.set({ function: fn, trigger: status.trigger }, status.pending);
    },
  });
}

/** Backoff before delivery number `attempts + 1`: 100 ms doubling, at most 30 s. */
export function redeliveryDelayMs(attempts: number): number {
  return Math.min(30_000, 100 * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}

/** A message as the function's request: POST with the payload, its subject and sequence number as headers. */
export function messageInput(subject: string, seq: number, payload: Uint8Array, requestId: string, receivedAt: number): JobInput {
  return {
    method: 'POST', path: '/', query: '',
    rawHeaders: ['content-type', 'application/octet-stream', 'x-wasmfn-subject', subject, 'x-wasmfn-stream-seq', String(seq)],
    body: payload, remoteAddr: '', requestId, receivedAt,
  };
}

// What every contender implements: one way to isolate a request, timed by the contender itself.

import type { Isolation } from './results.js';

/** Every contender runs this logic: greet the input. */
export const INPUT = 'world';
export const EXPECTED = `Hello, ${INPUT}!`;
export const WORKLOAD = 'greet the input: "world" -> "Hello, world!"';

/** Microseconds per named phase of one deploy-to-first-response. */
export type PhaseSample = Record<string, number>;

export interface Contender {
  readonly name: string;
  readonly isolation: Isolation;
  readonly host?: true;
  readonly description: string;
  /** Tens of milliseconds per sample (threads, processes): measured with fewer iterations. */
  readonly slow: boolean;
  /** Loads and compiles what a deployed function would have ready, and checks the output once. */
  setup(): Promise<void>;
  /**
   * One request in a fresh isolate, returning its latency in µs. Clean-up that a real host does after the
   * response (terminating a worker, recycling a memory) is done here too but left out of the figure.
   */
  coldStart(): number | Promise<number>;
  /** The very first request after a deploy, from fresh bytes (V8's code cache misses), split in phases. */
  deploy?(): PhaseSample | Promise<PhaseSample>;
  teardown(): Promise<void>;
}

export function checkOutput(contender: string, got: string): void {
  if (got !== EXPECTED) throw new Error(`${contender} answered ${JSON.stringify(got)}, expected ${JSON.stringify(EXPECTED)}`);
}

export const usSince = (t0: number): number => (performance.now() - t0) * 1000;

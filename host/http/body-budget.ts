// The bytes of request bodies the host holds at once, across every request: one cap, so that many clients each
// sending a body just under the per-request limit (and stalling) cannot add up to more memory than the host has.

import { WasmfnError } from '../errors.js';
import { formatBytes } from './read-body.js';

export interface BodyBudgetStats {
  /** Bytes taken now: bodies being read, and bodies read whose request is not answered yet. */
  heldBytes: number;
  maxBytes: number;
  /** Requests refused because their body did not fit, since start. */
  refused: number;
}

export class BodyBudget {
  private held = 0;
  private refused = 0;

  constructor(readonly maxBytes: number) {}

  /** Takes `n` bytes, or throws overloaded (nothing taken) when that would pass the cap. */
  take(n: number): void {
    if (this.held + n > this.maxBytes) {
      this.refused++;
      throw new WasmfnError('overloaded', `request bodies held by the host would pass the ${formatBytes(this.maxBytes)} limit`, { retryAfterS: 1 });
    }
    this.held += n;
  }

  give(n: number): void {
    this.held -= n;
  }

  stats(): BodyBudgetStats {
    return { heldBytes: this.held, maxBytes: this.maxBytes, refused: this.refused };
  }
}

/** What one request has taken from a budget, given back at once when the request is done with its body. */
export class BodyLease {
  private held = 0;

  constructor(private readonly budget: BodyBudget) {}

  take(n: number): void {
    this.budget.take(n);
    this.held += n;
  }

  release(): void {
    this.budget.give(this.held);
    this.held = 0;
  }
}

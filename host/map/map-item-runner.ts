// How a map's items get run: each one is submitted, and answered once through the map's settle callback.

import type { SerializedError } from '../errors.js';
import type { JobInput } from '../sandbox/job-codec.js';

/** An item on its way: its request, and how many runs it has had so far. */
export interface Pending {
  index: number;
  input: JobInput;
  attempt: number;
  /** Fuel its fast-path slices used (added to its outcome's). */
  sliceFuel: number;
}

/** The answer of one run of an item, wherever it ran. */
export type ItemResult =
  | { ok: true; status: number; /** name, value, ... */ headers: readonly string[]; body: Uint8Array }
  | { ok: false; error: SerializedError };

export type Settle = (p: Pending, result: ItemResult) => void;

export interface ItemRunner {
  /** Runs the item (maybe later: a runner may gather items); settle is called once for it. */
  submit(p: Pending): void;
  /** Sends what submit() gathered: called at the end of each of the map's turns. */
  flush(): void;
  /** No further item starts; those already running may still settle. */
  cancel(): void;
}

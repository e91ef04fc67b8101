// The memory a worker shares with the main thread: job slots the main thread fills and the worker answers in
// place, plus the words either side waits on. Both sides use this file; it holds layout and state, no policy.
//
// Why not a postMessage per job: each is a structured clone and an event on the receiving side; here a job is one
// copy into shared memory and an atomic store, its result the same way back, and a worker that is awake picks up
// new jobs without being woken (docs/design.md compares the two).
//
// A slot's life:  FREE --main writes the job--> READY --worker claims (CAS)--> RUNNING --worker writes the
// result--> DONE --main reads it--> FREE.  Main may take back a job that has not started: READY --CAS--> FREE.

export const SlotState = { Free: 0, Ready: 1, Running: 2, Done: 3 } as const;
export type SlotState = (typeof SlotState)[keyof typeof SlotState];

/** A length word's value when the bytes went over the MessagePort instead (bigger than the slot area). */
export const ON_PORT = -1;

export interface ChannelShape {
  slots: number;          // jobs in flight per worker, default 4
  requestBytes: number;   // request area per slot, default 64 KiB (bigger requests travel over the port)
  responseBytes: number;  // response area per slot, default 64 KiB (bigger results travel over the port)
}

export const DEFAULT_CHANNEL_SHAPE: ChannelShape = { slots: 4, requestBytes: 64 * 1024, responseBytes: 64 * 1024 };

// Int32 words at the start: the channel's own, then SLOT_WORDS per slot.
const DOORBELL = 0;  // main adds 1 after publishing jobs or control messages; the worker waits on it
const SLEEPING = 1;  // 1 while the worker waits (or is about to), so main knows a notify is needed
const CONTROL = 2;   // main adds 1 after posting control messages, so the worker drains its port only then
const POOLED = 3;    // the worker's pages of zeroed memories kept for reuse, for the pool's stats
const HEADER_WORDS = 4;
const SLOT_WORDS = 4;
const STATE = 0;
const SEQ = 1;       // dispatch order: the worker runs READY jobs oldest first
const REQ_LEN = 2;
const RES_LEN = 3;

export class Channel {
  readonly ctl: Int32Array;
  /** Per slot: when the worker started its job, on the sharedNow() clock. */
  readonly started: Float64Array;
  readonly bytes: Buffer;
  private readonly areaBytes: number;

  constructor(readonly sab: SharedArrayBuffer, readonly shape: ChannelShape) {
    const words = HEADER_WORDS + shape.slots * SLOT_WORDS;
    const timesAt = align8(words * 4);
    const bytesAt = timesAt + shape.slots * 8;
    this.ctl = new Int32Array(sab, 0, words);
    this.started = new Float64Array(sab, timesAt, shape.slots);
    this.areaBytes = shape.requestBytes + shape.responseBytes;
    this.bytes = Buffer.from(sab, bytesAt, shape.slots * this.areaBytes);
  }

  static create(shape: ChannelShape): Channel {
    const words = HEADER_WORDS + shape.slots * SLOT_WORDS;
    const size = align8(words * 4) + shape.slots * 8 + shape.slots * (shape.requestBytes + shape.responseBytes);
    return new Channel(new SharedArrayBuffer(size), shape);
  }

  state(slot: number): SlotState {
    return Atomics.load(this.ctl, HEADER_WORDS + slot * SLOT_WORDS + STATE) as SlotState;
  }

  setState(slot: number, s: SlotState): void {
    Atomics.store(this.ctl, HEADER_WORDS + slot * SLOT_WORDS + STATE, s);
  }

  /** Atomically moves a slot from `from` to `to`; false if it was not in `from`. */
  move(slot: number, from: SlotState, to: SlotState): boolean {
    return Atomics.compareExchange(this.ctl, HEADER_WORDS + slot * SLOT_WORDS + STATE, from, to) === from;
  }

  seq(slot: number): number {
    return this.ctl[HEADER_WORDS + slot * SLOT_WORDS + SEQ]!;
  }

  setSeq(slot: number, seq: number): void {
    this.ctl[HEADER_WORDS + slot * SLOT_WORDS + SEQ] = seq;
  }

  requestLength(slot: number): number {
    return this.ctl[HEADER_WORDS + slot * SLOT_WORDS + REQ_LEN]!;
  }

  setRequestLength(slot: number, n: number): void {
    this.ctl[HEADER_WORDS + slot * SLOT_WORDS + REQ_LEN] = n;
  }

  responseLength(slot: number): number {
    return this.ctl[HEADER_WORDS + slot * SLOT_WORDS + RES_LEN]!;
  }

  setResponseLength(slot: number, n: number): void {
    this.ctl[HEADER_WORDS + slot * SLOT_WORDS + RES_LEN] = n;
  }

  /** Byte offset in `bytes` of a slot's request area; its response area follows. */
  requestAt(slot: number): number {
    return slot * this.areaBytes;
  }

  responseAt(slot: number): number {
    return slot * this.areaBytes + this.shape.requestBytes;
  }

  // ---- waking the worker (main side) and sleeping (worker side) ----

  /** Main: after publishing a job or a control message. Cheap: a worker that is awake sees it without a notify. */
  announce(): void {
    Atomics.add(this.ctl, DOORBELL, 1);
  }

  /** Main: after posting a control message on the worker's port. */
  announceControl(): void {
    Atomics.add(this.ctl, CONTROL, 1);
    Atomics.add(this.ctl, DOORBELL, 1);
  }

  /**
   * Main: wakes the worker if it sleeps (it drains every READY slot once awake). A notify is a system call, so it is
   * made per job only for an idle worker, otherwise once per event-loop turn. It cannot be skipped for a sleep
   * already notified: that notify may have landed before the worker reached Atomics.wait, and then it woke nobody.
   */
  wake(): void {
    if (Atomics.load(this.ctl, SLEEPING) === 1) Atomics.notify(this.ctl, DOORBELL, 1);
  }

  control(): number {
    return Atomics.load(this.ctl, CONTROL);
  }

  /** Worker: after its memory pool changed. */
  setPooledPages(pages: number): void {
    Atomics.store(this.ctl, POOLED, pages);
  }

  pooledPages(): number {
    return Atomics.load(this.ctl, POOLED);
  }

  /**
   * Worker: waits until main rings, unless `hasWork()` turns true first. The flag is raised before the doorbell
   * is read, so a ring either sees the flag (and notifies) or lands before the read (and the wait returns at once).
   */
  sleep(hasWork: () => boolean): void {
    Atomics.store(this.ctl, SLEEPING, 1);
    const bell = Atomics.load(this.ctl, DOORBELL);
    if (!hasWork()) Atomics.wait(this.ctl, DOORBELL, bell);
    Atomics.store(this.ctl, SLEEPING, 0);
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * The word all workers of a pool bump when they finish a job, and the main thread waits on (Atomics.waitAsync):
 * one wake-up then collects every finished job of every worker.
 */
export class ReplyBell {
  readonly word: Int32Array;

  constructor(readonly sab: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.word = new Int32Array(sab, 0, 1);
  }

  /** Worker side. A notify with nobody waiting costs no system call. */
  ring(): void {
    Atomics.add(this.word, 0, 1);
    Atomics.notify(this.word, 0);
  }

  value(): number {
    return Atomics.load(this.word, 0);
  }

  /** Main side: resolves once the word is no longer `seen` (null: it already is not). Never blocks. */
  changed(seen: number): Promise<unknown> | null {
    const r = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.word, 0, seen);
    return r.async ? r.value : null;
  }
}

/** Atomics.waitAsync (V8 has it; TypeScript's lib has it only from ES2024). */
interface AtomicsWaitAsync {
  waitAsync(a: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

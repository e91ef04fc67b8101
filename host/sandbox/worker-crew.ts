// The pool's worker threads: the ones taking jobs and one warm spare. Which worker a job may go to, which have
// overrun a deadline or hold jobs behind a long one, and swapping a killed worker for the spare. What happens to
// the jobs themselves (queueing, failing, answering) is the pool's.

import { WorkerHandle, type DispatchedJob, type WorkerSpec } from './worker-handle.js';
import { ReplyBell } from './channel.js';

interface Timed extends DispatchedJob {
  readonly fn: { readonly limits: { readonly timeoutMs: number } };
}

/** What a deadline scan found; the pool decides what becomes of the jobs. */
export interface DeadlineActions<J extends Timed> {
  /** `job`, running in `h`, is past its timeout: the worker must go. */
  overran(h: WorkerHandle<J>, job: J): void;
  /** Jobs that waited behind a long one, taken back from its worker, oldest first. */
  stolen(jobs: J[]): void;
}

export interface CrewHooks<J extends Timed> {
  /** A new worker can take jobs. */
  ready(h: WorkerHandle<J>): void;
  /** A worker's thread failed or exited. */
  crashed(h: WorkerHandle<J>, e: Error): void;
  /** A worker rang the bell after listen(): results are in. */
  rang(): void;
}

export class WorkerCrew<J extends Timed> {
  readonly active: WorkerHandle<J>[] = [];
  private spare: WorkerHandle<J> | null = null;
  /** Workers replaced so far. */
  restarts = 0;
  /** Every worker rings it after writing a result. */
  private readonly bell = new ReplyBell();
  private readonly spec: WorkerSpec;
  private listening = false;
  private bellSeen = 0;

  /** `stealAfterMs`: a job running this long gets no company. */
  constructor(count: number, spec: Omit<WorkerSpec, 'bell'>, private readonly hooks: CrewHooks<J>, private readonly stealAfterMs: number) {
    this.spec = { ...spec, bell: this.bell };
    for (let i = 0; i < count; i++) this.active.push(this.spawn());
    this.spare = this.spawn();
  }

  private spawn(): WorkerHandle<J> {
    const h = new WorkerHandle<J>(this.spec);
    h.worker.once('message', () => {
      h.ready = true;
      this.hooks.ready(h);
    });
    h.worker.on('error', (e) => this.hooks.crashed(h, e));
    h.worker.on('exit', (code) => this.hooks.crashed(h, new Error(`worker exited with code ${code}`)));
    return h;
  }

  /** Every worker, the spare included. */
  all(): WorkerHandle<J>[] {
    return this.spare ? [...this.active, this.spare] : [...this.active];
  }

  get spares(): number {
    return this.spare ? 1 : 0;
  }

  /** Jobs sitting in workers' slots (published and not yet collected). */
  get inflight(): number {
    let n = 0;
    for (const h of this.active) n += h.inflight;
    return n;
  }

  /** Workers running at least one job. */
  busy(): number {
    let n = 0;
    for (const h of this.active) if (h.inflight) n++;
    return n;
  }

  /** Bytes of the zeroed memories the workers keep for reuse. */
  pooledMemoryBytes(): number {
    let n = 0;
    for (const h of this.active) n += h.pooledMemoryBytes();
    return n;
  }

  /** Waits (without blocking) for any worker to ring the bell, then calls `rang` once. */
  listen(): void {
    if (this.listening) return;
    this.listening = true;
    const changed = this.bell.changed(this.bellSeen);
    if (changed) void changed.then(this.onRing);
    else queueMicrotask(this.onRing);
  }

  private readonly onRing = (): void => {
    this.listening = false;
    // Read before collecting: a ring after this point changes the word, so the next wait returns at once.
    this.bellSeen = this.bell.value();
    this.hooks.rang();
  };

  /** The worker the next job goes to, or null when none has a free slot it may use. */
  pick(now: number): WorkerHandle<J> | null {
    let best: WorkerHandle<J> | null = null;
    for (const h of this.active) {
      if (!h.ready || h.dying || h.inflight >= h.jobs.length || (best && h.inflight >= best.inflight)) continue;
      if (this.isLong(h, now)) continue;
      best = h;
    }
    return best;
  }

  /** Slots pick() could hand a job now, all workers together. */
  freeSlots(now: number): number {
    let n = 0;
    for (const h of this.active) if (h.ready && !h.dying && !this.isLong(h, now)) n += h.jobs.length - h.inflight;
    return n;
  }

  /** Whether the worker's running job has run longer than `afterMs` (by default, long enough to be stolen from). */
  isLong(h: WorkerHandle<J>, now: number, afterMs = this.stealAfterMs): boolean {
    const slot = h.runningSlot();
    return slot >= 0 && now - h.channel.started[slot]! > afterMs;
  }

  /**
   * Finds workers past a job's deadline and jobs waiting behind a long one, and says when to look again
   * (Infinity: nothing to watch).
   */
  scanDeadlines(now: number, act: DeadlineActions<J>): number {
    let next = Infinity;
    for (const h of [...this.active]) {
      if (h.dying) continue;
      const slot = h.runningSlot();
      if (slot >= 0) {
        const job = h.jobs[slot]!;
        const started = h.channel.started[slot]!;
        const deadline = started + job.fn.limits.timeoutMs;
        if (now >= deadline) {
          act.overran(h, job);
          continue;
        }
        next = Math.min(next, deadline);
        if (h.hasWaiting()) {
          const stealAt = started + this.stealAfterMs;
          if (now >= stealAt) act.stolen(h.takeBackWaiting());
          else next = Math.min(next, stealAt);
        }
      } else if (h.hasWaiting()) {
        // Between two jobs (or before the first starts) there is no start time to count from: look again soon.
        next = Math.min(next, now + this.stealAfterMs);
      }
      // A job that has not started cannot be due before its full timeout from now.
      for (const j of h.jobs) if (j && j !== h.jobs[slot]) next = Math.min(next, now + j.fn.limits.timeoutMs);
    }
    return next;
  }

  /**
   * Puts the warm spare in a dying worker's place; true if `h` was taking jobs (a restart). A new spare is made
   * after this turn: creating a thread takes the calling thread's time too, which the answers owed now should not
   * wait for.
   */
  replace(h: WorkerHandle<J>, stillWanted: () => boolean): boolean {
    const i = this.active.indexOf(h);
    let restarted = false;
    if (i >= 0) {
      this.active[i] = this.spare ?? this.spawn();
      this.spare = null;
      this.restarts++;
      restarted = true;
    } else if (this.spare === h) this.spare = null;
    setImmediate(() => {
      if (stillWanted() && !this.spare) this.spare = this.spawn();
    });
    return restarted;
  }

  /** Collects what every worker with jobs has finished. */
  collectAll(done: Parameters<WorkerHandle<J>['collect']>[0]): void {
    for (const h of this.active) if (h.inflight) h.collect(done);
  }

  wakeAll(): void {
    for (const h of this.active) h.wake();
  }

  /** Resolves once every worker (and the spare) can take jobs. */
  async ready(): Promise<void> {
    await Promise.all(this.all().map((h) => (h.ready ? undefined : new Promise<void>((res) => h.worker.once('message', () => res())))));
  }
}

// The worker pool on the main thread: admission, dispatch into the workers' shared-memory slots, collecting
// results, wall-clock deadlines, and replacing killed workers with a warm spare.

import { WasmfnError } from '../errors.js';
import type { LiveFunction } from '../store/registry.js';
import { DEFAULT_CHANNEL_SHAPE, type ChannelShape } from './channel.js';
import { sharedNow } from '../invocation/clock.js';
import { FairQueue, type Lane } from './fair-queue.js';
import type { JobInput } from './job-codec.js';
import { moduleMessage } from './protocol.js';
import { failedOutcome, unmeasured, type InvokeOutcome } from './result-codec.js';
import { Watchdog } from './watchdog.js';
import { ThreadLoad } from './thread-load.js';
import { HandOffChoice } from './hand-off-choice.js';
import { threadClock } from './thread-clock.js';
import { crashError } from './classify.js';
import type { LineLevels } from '../invocation/line.js';
import type { Collected, DispatchedJob, WorkerHandle, WorkerSpec } from './worker-handle.js';
import { WorkerCrew } from './worker-crew.js';
import { Admission, shuttingDown } from './admission.js';
import { InlineRunner, type InlineAttempt } from './inline-runner.js';
import { CallUsage, type CapabilityHost } from './capability-host.js';
import { withFetches } from './fetch-line.js';

export type { InvokeOutcome } from './result-codec.js';
export type RestartReason = 'timeout' | 'crash';

export interface PoolOptions {
  workers: number;                   // guest threads, default one per core
  maxQueue: number;                  // requests waiting for a worker host-wide, default 1024
  maxConcurrencyPerFunction: number; // running + waiting per function, default 64
  maxRunningPerFunction: number;     // calls of one function in workers while another function's calls wait, default 0: workers - 1 (at least 1)
  maxResponseBytes: number;          // response body cap, default 6 MiB
  channel: ChannelShape;             // slots per worker and their sizes, default 4 x (64 KiB + 64 KiB)
  stealAfterMs: number;              // a job running this long gets no company: jobs waiting behind it move, default 10
  workerHeapMb: number;              // JS heap of a worker (wasm memory is capped per function instead), default 128
  workerNice?: number;               // nice steps the worker threads take below the calling thread (Linux), default 0
  memoryPoolBytesPerWorker: number;  // zeroed memories a worker keeps for reuse, default 64 MiB
  memoryPoolMaxMemoryBytes: number;  // a memory bigger than this is not kept after its call, default 16 MiB
  lineLevels: LineLevels;            // levels of the invocation log lines workers format (null: off)
  inlineFuel?: number;               // fuel slice of a call tried on the calling thread first, default 0: off
  inlineBusyPercent?: number;        // the calling thread's event-loop utilization past which calls skip the slice, default 75; 100 = never skip
  capabilities?: CapabilityHost;     // answers guests' key-value and HTTP calls; absent: they answer `unavailable`
  isLive?: (fn: LiveFunction) => boolean; // whether fn is its name's live version (no instance is made ahead for others); absent: always
}

export const DEFAULT_POOL_OPTIONS = { channel: DEFAULT_CHANNEL_SHAPE, stealAfterMs: 10 };

interface Job extends DispatchedJob {
  readonly fn: LiveFunction;
  readonly lane: Lane<Job>;
  resolve(o: InvokeOutcome): void;
  /** Its capability calls so far; made at the first. */
  usage?: CallUsage;
}

type Handle = WorkerHandle<Job>;

export interface PoolStats {
  workers: number;
  spares: number;
  busy: number;
  queued: number;
  inflight: number;
  restarts: number;
  /** Function versions whose compiled module the workers hold. */
  modules: number;
  /** Zeroed linear memories the workers (and the fast path on the HTTP thread) keep for reuse, in bytes, all together. */
  pooledMemoryBytes: number;
}

/** Job ids stay positive 31-bit numbers; they are compared with wrap-around in mind. */
const ID_MASK = 0x7fff_ffff;
/** About the time of the default inline slice: a job running longer is one that did not fit a slice. */
const HAND_OFF_BEHIND_MS = 1;

export class WorkerPool {
  private readonly crew: WorkerCrew<Job>;
  private readonly queue = new FairQueue<Job>();
  /** How many calls of one function may sit in workers while other functions' calls wait. */
  private readonly share: number;
  private readonly moduleIds = new Map<string, number>();
  /** How busy this (the HTTP) thread is: past a point, calls may go to the workers' cores instead of running here. */
  private readonly load: ThreadLoad;
  /** Whether handing calls off does relieve this thread, measured on its CPU time. */
  private readonly handOff: HandOffChoice;
  private readonly watchdog = new Watchdog((now) => this.checkDeadlines(now));
  private nextJobId = 1;
  private nextModuleId = 1;
  private readonly admission: Admission<Job>;
  /** The fast path on the calling thread; null when off. */
  readonly inline: InlineRunner | null;
  private readonly restartListeners: ((reason: RestartReason) => void)[] = [];

  /** Jobs sitting in workers' slots (published and not yet collected). */
  private get inflight(): number {
    return this.crew.inflight;
  }

  constructor(private readonly opts: PoolOptions) {
    this.share = opts.maxRunningPerFunction || Math.max(1, opts.workers - 1);
    this.load = new ThreadLoad(opts.inlineBusyPercent);
    // Made on the thread that calls tryInline (the HTTP thread): the clock counts the thread that opened it.
    this.handOff = new HandOffChoice(opts.inlineFuel ? threadClock() : null);
    this.inline = opts.inlineFuel ? new InlineRunner({
      fuel: opts.inlineFuel, maxMemoryBytes: opts.memoryPoolMaxMemoryBytes, memoryPoolBytes: opts.memoryPoolBytesPerWorker, maxResponseBytes: opts.maxResponseBytes, lineLevels: opts.lineLevels,
      isLive: opts.isLive,
    }) : null;
    this.admission = new Admission(this.queue, opts, () => this.crew.freeSlots(sharedNow()), (name) => {
      if (this.retired.has(name)) this.forget(name, this.retired.get(name));
    });
    this.crew = new WorkerCrew<Job>(opts.workers, this.workerSpec(), {
      ready: () => this.pump(),
      crashed: (h, e) => this.onCrash(h, e),
      rang: () => this.onBell(),
    }, opts.stealAfterMs);
  }

  /** Called whenever a worker is replaced, with why. */
  onRestart(fn: (reason: RestartReason) => void): void {
    this.restartListeners.push(fn);
  }

  /** Whether a busy HTTP thread keeps eligible calls (measured cheaper for it) rather than handing them off. */
  get keepsWhenBusy(): boolean {
    return this.handOff.chosen === 'keep';
  }

  /** Resolves once every worker (and the spare) can take jobs. */
  ready(): Promise<void> {
    return this.crew.ready();
  }

  stats(): PoolStats {
    return {
      workers: this.crew.active.length, spares: this.crew.spares, busy: this.crew.busy(), queued: this.queue.length, inflight: this.inflight,
      restarts: this.crew.restarts, modules: this.moduleIds.size, pooledMemoryBytes: (this.inline?.pooledMemoryBytes ?? 0) + this.crew.pooledMemoryBytes(),
    };
  }

  /**
   * Runs the call on this thread if it is eligible and fits its slice (see inline-runner.ts); null when it was not
   * tried. After a hit call `inline.recycle()` once the answer is written; after a miss, invoke() as usual.
   * `contended`: other callers share this thread, so its being busy is a reason to hand the call off.
   */
  tryInline(fn: LiveFunction, input: JobInput, contended = true): InlineAttempt | null {
    if (!this.inline || this.closed) return null;
    // A function at its concurrency cap is refused by invoke(), as it would be without the fast path.
    if (this.admission.atCap(fn.name)) return null;
    this.handOff.counted();
    if (contended && this.queue.length === 0 && this.load.busy() && this.workerStartsSoon(sharedNow()) && this.handOff.share()) return null;
    return this.inline.attempt(fn, input);
  }

  /**
   * Whether a call handed to the workers now would start soon: the worker it would go to is idle, or its running
   * job is younger than a slice. A heuristic: a job older than that is one that did not fit a slice, and a call
   * behind it would wait longer than the slice it takes here; a young job may still turn out long.
   */
  private workerStartsSoon(now: number): boolean {
    const h = this.crew.pick(now);
    return h !== null && !this.crew.isLong(h, now, HAND_OFF_BEHIND_MS);
  }

  invoke(fn: LiveFunction, input: JobInput): Promise<InvokeOutcome> {
    this.admission.admit(fn.name);
    return this.enqueue(fn, input);
  }

  /**
   * Admits a call whose body is still to be read, so a refusal costs no upload: the call holds its place under the
   * function's cap, and counts as waiting, until invokeReserved() or release().
   */
  reserve(fn: LiveFunction): void {
    this.admission.reserve(fn.name);
  }

  /** Runs a reserved call; it was admitted, so only a shutdown since then refuses it. */
  invokeReserved(fn: LiveFunction, input: JobInput): Promise<InvokeOutcome> {
    this.admission.unreserve();
    if (this.closed) {
      this.admission.done(this.queue.lane(fn.name));
      throw shuttingDown();
    }
    return this.enqueue(fn, input);
  }

  /** Gives back a reservation whose call will not run (its body failed or was refused). */
  release(fn: LiveFunction): void {
    this.admission.unreserve();
    this.admission.done(this.queue.lane(fn.name));
  }

  /** Whether the pool is shutting down (it refuses every call from now on). */
  get closing(): boolean {
    return this.closed;
  }

  private get closed(): boolean {
    return this.admission.closed;
  }

  /**
   * Resolves when the next call finishes, anywhere in the pool: room may have freed under a cap. For callers that
   * wait for room instead of being refused (a map's items).
   */
  nextDone(): Promise<void> {
    return this.admission.nextDone();
  }

  private enqueue(fn: LiveFunction, input: JobInput): Promise<InvokeOutcome> {
    const lane = this.queue.lane(fn.name);
    return new Promise<InvokeOutcome>((resolve) => {
      this.queue.push({ id: this.newJobId(), fn, lane, input, enqueuedAt: sharedNow(), moduleId: 0, resolve });
      // Under load the main thread is busy with sockets and the bell's wake-up waits its turn; finished jobs are
      // picked up here too, so a response goes out within the turn its result arrived in rather than sitting in its
      // slot until the wake-up runs.
      if (this.inflight > 0) this.collectAll();
      this.pump();
    });
  }

  /** Drops the modules of `name` in every worker, except `keepKey` (the live version). */
  forget(name: string, keepKey?: string): void {
    const ids: number[] = [];
    for (const [key, id] of this.moduleIds) {
      if (!key.startsWith(`${name}@`) || key === keepKey) continue;
      ids.push(id);
      // A queued job of that version gets a new id at dispatch, and its module is posted again.
      this.moduleIds.delete(key);
    }
    if (ids.length) for (const h of this.crew.active) h.forget(ids);
    this.inline?.forget(name);
    // Calls of the name still in flight run to the end, and may post their module again: forget once more after.
    if (this.queue.busy(name)) this.retired.set(name, keepKey);
    else {
      this.retired.delete(name);
      this.queue.release(name);
    }
    this.scheduleWake();
  }

  /** Names forgotten while some of their calls were in flight, with the key to keep, forgotten again after the last. */
  private readonly retired = new Map<string, string | undefined>();

  /** Waits until nothing is queued or running (used by graceful shutdown). */
  async drain(): Promise<void> {
    this.admission.closed = true;
    while (this.queue.length || this.inflight) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    this.admission.closed = true;
    this.watchdog.stop();
    this.handOff.close();
    const all = this.crew.all();
    for (const h of all) h.dying = true;
    const shutdown = shuttingDown();
    // Workers first: collecting their slots may put a job back in the queue (a module lost to a forget).
    for (const h of all) {
      const { running, rest } = h.abandon(this.onCollected);
      for (const job of running ? [running, ...rest] : rest) {
        job.lane.running--;
        this.fail(job, shutdown);
      }
    }
    for (const job of this.queue.drain()) this.fail(job, shutdown);
    await Promise.all(all.map((h) => h.terminate()));
  }

  private workerSpec(): Omit<WorkerSpec, 'bell'> {
    return {
      shape: this.opts.channel,
      maxResponseBytes: this.opts.maxResponseBytes,
      memoryPool: { maxBytes: this.opts.memoryPoolBytesPerWorker, maxMemoryBytes: this.opts.memoryPoolMaxMemoryBytes },
      heapMb: this.opts.workerHeapMb,
      nice: this.opts.workerNice ?? 0,
      lineLevels: this.opts.lineLevels,
      onCapability: (job: Job, startedAt, req) => {
        const host = this.opts.capabilities;
        if (!host) return Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'no capability host' } });
        const usage = (job.usage ??= new CallUsage());
        return host.handle(job.fn, usage, startedAt + job.fn.limits.timeoutMs - sharedNow(), req);
      },
    };
  }

  /**
   * Fills free slots from the queue: the least busy worker first, never one stuck in a long job; functions take
   * turns, and one with its share of calls in workers waits while another function's calls wait.
   */
  private pump(): void {
    if (!this.queue.length) return;
    const now = sharedNow();
    while (this.queue.length) {
      const best = this.crew.pick(now);
      if (!best) return;
      this.dispatch(best, this.queue.take(this.share)!);
    }
  }

  private newJobId(): number {
    const id = this.nextJobId;
    this.nextJobId = (id + 1) & ID_MASK || 1;
    return id;
  }

  private dispatch(h: Handle, job: Job): void {
    const { fn } = job;
    // Turns decide the order now, not arrival: a worker runs the jobs in its slots by this number.
    job.id = this.newJobId();
    let id = this.moduleIds.get(fn.key);
    if (id === undefined) this.moduleIds.set(fn.key, (id = this.nextModuleId++));
    job.moduleId = id;
    if (!h.knows(id)) h.sendModule(moduleMessage(id, fn));
    h.publish(h.freeSlot(), job);
    job.lane.running++;
    this.scheduleWake();
    // The job starts a moment after this; a millisecond more means the first check already finds it due, rather than
    // a hair early and then late by a whole timer tick (timers have millisecond resolution).
    this.watchdog.poke(sharedNow() + fn.limits.timeoutMs + 1);
    // Queued behind another job: look again when that one would count as long, to move this one elsewhere. The
    // one ahead may not have started yet (then it counts from now at the earliest).
    if (h.inflight > 1) {
      const running = h.runningSlot();
      this.watchdog.poke((running >= 0 ? h.channel.started[running]! : sharedNow()) + this.opts.stealAfterMs);
    }
    this.crew.listen();
  }

  private wakeScheduled = false;

  /** Wakes sleeping workers once at the end of this event-loop turn: one system call for all jobs of the turn. */
  private scheduleWake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(this.wakeAll);
  }

  /** Wakes the workers given jobs in this turn now, rather than at the end of it. */
  wakeNow(): void {
    this.wakeAll();
  }

  private readonly wakeAll = (): void => {
    // Already done by wakeNow() since it was scheduled.
    if (!this.wakeScheduled) return;
    this.wakeScheduled = false;
    // Results that came in during this turn are answered now, before the loop waits for I/O again.
    if (this.inflight > 0) {
      this.collectAll();
      this.pump();
    }
    this.crew.wakeAll();
  };

  private collectAll(): void {
    this.crew.collectAll(this.onCollected);
  }

  /** A worker rang: one wake-up collects everything finished. */
  private onBell(): void {
    this.collectAll();
    this.pump();
    if (this.inflight > 0) this.crew.listen();
  }

  private readonly onCollected = (job: Job, r: Collected, h: Handle): void => {
    job.lane.running--;
    if ('missing' in r) {
      // The worker lost the module to a forget that crossed this job; it is posted again on the retry.
      h.lost(r.missing);
      this.queue.unshift(job);
      return;
    }
    this.finish(job, r);
  };

  /** Kills workers past a deadline, moves jobs off workers busy with a long one, and says when to look again. */
  private checkDeadlines(now: number): number {
    let moved = false;
    const next = this.crew.scanDeadlines(now, {
      overran: (h, job) => this.kill(h, 'timeout', job),
      stolen: (jobs) => {
        for (const j of jobs.reverse()) {
          j.lane.running--;
          this.queue.unshift(j);
        }
        moved = true;
      },
    });
    if (moved) this.pump();
    return this.inflight > 0 || this.queue.length ? next : Infinity;
  }

  /**
   * Replaces a worker. `culprit` is the job that overran (a timeout); for a crash it is whatever job was running.
   * Jobs that finished are answered, the culprit fails, everything else runs elsewhere.
   */
  private kill(h: Handle, reason: 'timeout' | 'crash', culprit: Job | null, cause?: Error): void {
    if (h.dying) return;
    h.dying = true;
    // Stopped first, so it claims no job that is about to run elsewhere; its port stays open for abandon().
    void h.terminate();
    const { running, rest } = h.abandon(this.onCollected);
    if (running) running.lane.running--;
    for (const j of rest) j.lane.running--;
    // A culprit that finished in the meantime was answered by abandon(); one still held fails.
    const failed = culprit ? (culprit === running || rest.includes(culprit) ? culprit : null) : running;
    if (failed) {
      const err = reason === 'timeout'
        ? new WasmfnError('timeout', `the function ran longer than its ${failed.fn.limits.timeoutMs} ms limit`)
        : crashError(cause);
      this.fail(failed, err);
    }
    // The spare is already warm, so the next request does not wait for a new thread to boot.
    if (this.crew.replace(h, () => !this.closed)) for (const l of this.restartListeners) l(reason);
    // Jobs waiting behind it are run elsewhere, not failed.
    const others = (running && running !== failed ? [running, ...rest] : rest).filter((j) => j !== failed);
    for (const j of others.sort((a, b) => (a.id - b.id) | 0).reverse()) this.queue.unshift(j);
    this.pump();
  }

  private onCrash(h: Handle, e: Error): void {
    if (!h.dying) this.kill(h, 'crash', null, e);
  }

  private fail(job: Job, err: WasmfnError): void {
    // No line: the route formats the log line of a job that never ran to a result.
    this.finish(job, failedOutcome(err.toJSON(), unmeasured(sharedNow() - job.input.receivedAt)));
  }

  private finish(job: Job, outcome: InvokeOutcome): void {
    if (job.usage?.fetches.length) withFetches(outcome, job.usage.fetches);
    this.admission.done(job.lane);
    job.resolve(outcome);
  }
}

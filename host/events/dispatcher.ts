// Pulls due invocations from the queue and runs them, at most `concurrency` at once. Synchronous calls come
// first: while any call waits for a worker no new asynchronous one is started, so a backlog never sits between a
// waiting client and the workers; and while synchronous calls come at all (in the workers, or keeping the HTTP
// thread busy with calls it runs itself), one worker's share of the machine is left to them.

import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Logger } from '../observe/logger.js';
import type { Registry } from '../store/registry.js';
import type { WorkerPool } from '../sandbox/pool.js';
import type { InvocationSink } from '../invocation/record.js';
import type { AsyncQueue, Claimed } from './queue.js';
import { runAttempt } from './run-attempt.js';
import { registryLagMs } from './registry-lag.js';
import { isDone, type InvocationState } from './invocation.js';
import type { Callbacks } from './callbacks.js';

/** How long one take() waits for work before the loop looks around again (bounds how long close() waits). */
const TAKE_WAIT_MS = 500;
/** How soon to look again while synchronous calls wait for workers. */
const YIELD_MS = 2;
/** How long an attempt the pool refused keeps its slot before going back (so it is not taken again at once). */
const REFUSED_PAUSE_MS = 50;
/** Synchronous traffic seen this recently still counts as present. */
const PRESSURE_HOLD_MS = 250;
/** HTTP-thread utilization above which the host counts as serving synchronous calls. */
const BUSY_ELU = 0.3;
const ELU_WINDOW_MS = 50;

export interface DispatcherDeps {
  queue: AsyncQueue;
  registry: Registry;
  pool: WorkerPool;
  sink: InvocationSink;
  callbacks: Callbacks;
  concurrency: number;
  log: Logger;
  /** How long after queueing an invocation whose function (or version) this replica has not seen yet is held back. */
  registryGraceMs?: number;
  /** Called once an invocation ended (succeeded or dead). */
  onDone?: (s: InvocationState) => void;
}

export class Dispatcher {
  private running = 0;
  private closed = false;
  private wakeUp: (() => void) | null = null;
  private readonly idle: Set<Promise<void>> = new Set();
  private loopDone: Promise<void> = Promise.resolve();
  private pressureUntil = 0;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private eluAt = performance.now();

  constructor(private readonly d: DispatcherDeps) {}

  start(): void {
    this.loopDone = this.loop();
  }

  /** Stops taking work and waits for the attempts under way to be settled. */
  async close(): Promise<void> {
    this.closed = true;
    this.d.queue.interrupt();
    this.kick();
    await this.loopDone;
    await Promise.allSettled([...this.idle]);
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      if (this.running >= this.d.concurrency) {
        await this.pause();
        continue;
      }
      const { queued, inflight } = this.d.pool.stats();
      if (queued > 0) {
        await this.pause(YIELD_MS);
        continue;
      }
      if (this.running > 0 && this.running >= this.d.concurrency - 1 && this.syncPressure(inflight)) {
        await this.pause(YIELD_MS * 10);
        continue;
      }
      let claim: Claimed | null;
      try {
        claim = await this.d.queue.take(TAKE_WAIT_MS);
      } catch (e) {
        this.d.log.error({ err: e }, 'could not take from the async queue');
        await this.pause(1000);
        continue;
      }
      if (!claim) continue;
      if (this.closed) {
        await claim.release().catch(() => undefined);
        break;
      }
      this.running++;
      const p = this.run(claim).finally(() => {
        this.running--;
        this.idle.delete(p);
        this.kick();
      });
      this.idle.add(p);
    }
  }

  /** Whether synchronous calls are being served now (or were a moment ago). */
  private syncPressure(inflight: number): boolean {
    const now = performance.now();
    if (inflight > this.running) this.pressureUntil = now + PRESSURE_HOLD_MS;
    if (now - this.eluAt >= ELU_WINDOW_MS) {
      const next = performance.eventLoopUtilization();
      if (performance.eventLoopUtilization(next, this.elu).utilization > BUSY_ELU) this.pressureUntil = now + PRESSURE_HOLD_MS;
      this.elu = next;
      this.eluAt = now;
    }
    return now < this.pressureUntil;
  }

  private async run(c: Claimed): Promise<void> {
    try {
      const lagMs = await registryLagMs(c.inv, this.d.registry, this.d.registryGraceMs ?? 0);
      if (lagMs > 0) {
        await c.release(lagMs);
        return;
      }
      const settlement = await runAttempt(c.inv, this.d.registry.get(c.inv.function), this.d.pool, this.d.sink);
      if (settlement === 'refused') {
        await c.release();
        await new Promise((r) => setTimeout(r, REFUSED_PAUSE_MS));
        return;
      }
      const state = await c.settle(settlement);
      if (state.status === 'dead') {
        this.d.log.warn({ event: 'invocation_dead', invocation: state.id, function: state.function, attempts: state.attempts, code: state.error?.code }, `invocation ${state.id} of ${state.function} is dead after ${state.attempts} attempts`);
      }
      if (isDone(state.status)) {
        this.d.callbacks.send(state);
        this.d.onDone?.(state);
      }
    } catch (e) {
      this.d.log.error({ err: e, invocation: c.inv.id }, 'could not settle an asynchronous invocation');
    }
  }

  private pause(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? null : setTimeout(done, ms);
      const self = this;
      function done() {
        if (timer) clearTimeout(timer);
        if (self.wakeUp === done) self.wakeUp = null;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private kick(): void {
    this.wakeUp?.();
  }
}

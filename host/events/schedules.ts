// Cron triggers from the functions' deploy configs (croner, UTC). Each tick queues one asynchronous invocation:
// method POST, the schedule's path and body, header x-wasmfn-schedule. Ticks that fell while the host was down
// are not replayed: a schedule starts from the next tick after the host (or the deploy) starts. In a cluster every
// replica keeps the timers and one wins each tick (the queue's claimTick).

import { Cron } from 'croner';
import type { Logger } from '../observe/logger.js';
import type { Registry, LiveFunction } from '../store/registry.js';
import type { ScheduleConfig } from '../store/events-config.js';
import type { AsyncQueue } from './queue.js';
import { newInvocation } from './new-invocation.js';

export const SCHEDULE_HEADER = 'x-wasmfn-schedule';

export class Schedules {
  private readonly jobs = new Map<string, { version: string; crons: Cron[] }>();
  private closed = false;

  constructor(private readonly registry: Registry, private readonly queue: AsyncQueue, private readonly log: Logger) {}

  start(): void {
    for (const fn of this.registry.list()) this.sync(fn.name);
    this.registry.onChange((e) => this.sync(e.name));
  }

  /** The next `n` run times of a function's schedules together, soonest first. */
  nextRuns(name: string, n = 5): string[] {
    const crons = this.jobs.get(name)?.crons ?? [];
    return crons.flatMap((c) => c.nextRuns(n)).sort((a, b) => a.getTime() - b.getTime()).slice(0, n).map((d) => d.toISOString());
  }

  close(): void {
    this.closed = true;
    for (const name of [...this.jobs.keys()]) this.stop(name);
  }

  private sync(name: string): void {
    if (this.closed) return;
    const fn = this.registry.get(name);
    const current = this.jobs.get(name);
    if (current && fn && current.version === fn.version) return;
    this.stop(name);
    const schedules = fn?.events.schedules ?? [];
    if (!fn || schedules.length === 0) return;
    const crons = schedules.map((s, i) => new Cron(s.cron, { timezone: 'UTC', protect: true, catch: true }, (self: Cron) => this.fire(fn.name, i, s, self.currentRun() ?? new Date())));
    this.jobs.set(name, { version: fn.version, crons });
  }

  private stop(name: string): void {
    for (const c of this.jobs.get(name)?.crons ?? []) c.stop();
    this.jobs.delete(name);
  }

  private async fire(name: string, index: number, s: ScheduleConfig, at: Date): Promise<void> {
    // The live version at the tick (a deploy replaces the timers, so this is the version that made them).
    const fn: LiveFunction | undefined = this.registry.get(name);
    if (!fn || this.closed) return;
    const tick = Math.round(at.getTime() / 1000) * 1000;
    try {
      if (!(await this.queue.claimTick(`${name}.${index}.${tick}`))) return;
      const [path, query = ''] = (s.path ?? '/').split(/\?(.*)/s, 2) as [string, string?];
      const body = new TextEncoder().encode(s.body ?? '');
      const headers = [SCHEDULE_HEADER, s.cron, 'x-wasmfn-scheduled-at', new Date(tick).toISOString()];
      if (body.byteLength) headers.push('content-type', 'text/plain; charset=utf-8');
      await this.queue.enqueue(newInvocation(fn, { method: 'POST', path, query, rawHeaders: headers, body }, null));
    } catch (e) {
      this.log.error({ err: e, function: name, cron: s.cron }, `could not queue the scheduled invocation of ${name}`);
    }
  }
}

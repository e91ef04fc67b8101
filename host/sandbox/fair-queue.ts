// The requests waiting for a worker: one queue per function, served in turns, so one function's backlog never
// stands in front of another function's calls.

import { Deque } from './deque.js';

/** One function's calls in the pool. Kept while the function has calls in flight or is deployed and called. */
export interface Lane<T> {
  readonly name: string;
  /** Admitted and not yet answered: waiting here plus sitting in workers' slots. */
  inFlight: number;
  /** Sitting in workers' slots (published and not yet collected or taken back). */
  running: number;
  readonly waiting: Deque<T>;
  /** In the ring of turns (it has waiting calls). */
  queued: boolean;
}

export interface LaneJob<T> {
  id: number;
  readonly lane: Lane<T>;
}

export class FairQueue<T extends LaneJob<T>> {
  private readonly lanes = new Map<string, Lane<T>>();
  /** Lanes with waiting calls, in turn order. */
  private readonly turns = new Deque<Lane<T>>();
  /** Waiting calls, all lanes together. */
  length = 0;

  lane(name: string): Lane<T> {
    let lane = this.lanes.get(name);
    if (!lane) this.lanes.set(name, (lane = { name, inFlight: 0, running: 0, waiting: new Deque<T>(), queued: false }));
    return lane;
  }

  /** The lane of `name` if it has calls in flight. */
  busy(name: string): Lane<T> | undefined {
    const lane = this.lanes.get(name);
    return lane && lane.inFlight > 0 ? lane : undefined;
  }

  /** Drops the lane of a function that has nothing in flight (it was deleted or replaced). */
  release(name: string): void {
    if (this.lanes.get(name)?.inFlight === 0) this.lanes.delete(name);
  }

  push(job: T): void {
    const lane = job.lane;
    lane.waiting.push(job);
    this.length++;
    if (!lane.queued) {
      lane.queued = true;
      this.turns.push(lane);
    }
  }

  /** Puts back a call that was dispatched once (taken back from a worker): first in its lane, its lane's turn next. */
  unshift(job: T): void {
    const lane = job.lane;
    lane.waiting.unshift(job);
    this.length++;
    if (!lane.queued) {
      lane.queued = true;
      this.turns.unshift(lane);
    }
  }

  /**
   * The call to dispatch next, when a worker can take one. Lanes take turns; a lane with `share` calls in workers
   * already gives its turn to the next lane that has fewer, and takes it only when every waiting lane is at its share
   * (a free worker never stays idle, and a function alone still gets every worker).
   */
  take(share: number): T | undefined {
    const turns = this.turns;
    let lane = turns.shift();
    if (!lane) return undefined;
    if (lane.running >= share && turns.length > 0) {
      const first = lane;
      for (let others = turns.length; others > 0 && lane.running >= share; others--) {
        turns.push(lane);
        lane = turns.shift()!;
      }
      if (lane.running >= share) {
        // Every lane is at its share: the ring goes back to its order and the first takes the turn.
        turns.push(lane);
        while ((lane = turns.shift()!) !== first) turns.push(lane);
      }
    }
    const job = lane.waiting.shift()!;
    this.length--;
    if (lane.waiting.length > 0) turns.push(lane);
    else lane.queued = false;
    return job;
  }

  /** Removes and returns every waiting call, in the order they were admitted. */
  drain(): T[] {
    const out: T[] = [];
    for (let lane = this.turns.shift(); lane; lane = this.turns.shift()) {
      lane.queued = false;
      for (const job of lane.waiting.drain()) out.push(job);
    }
    this.length = 0;
    return out.sort((a, b) => (a.id - b.id) | 0);
  }
}

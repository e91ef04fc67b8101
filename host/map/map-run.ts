// One map: input lines in, each run as an invocation of the function, output lines out in input order.
//
// Lines are taken only while fewer than `concurrency` items are in progress and fewer than `window` results wait
// for an earlier one to finish, and not while the output is blocked: together with the reader's bounded read-ahead
// this keeps memory flat however long the input is, and slows a fast client down by TCP backpressure. Items go
// through the pool as /fn's calls do (local-items.ts), or in a cluster over the replicas in batches
// (cluster-items.ts); either way each is answered once. Output lines are gathered during an event-loop turn and
// written once at its end.

import { WasmfnError } from '../errors.js';
import type { LiveFunction } from '../store/registry.js';
import type { WorkerPool } from '../sandbox/pool.js';
import type { InvocationSink } from '../invocation/record.js';
import { sharedNow } from '../invocation/clock.js';
import type { LineReader, Line } from './line-reader.js';
import { itemRequest } from './map-item.js';
import { errorLine, responseLine } from './map-output.js';
import { retryDelayMs, retryableCode, retryableStatus } from './retry.js';
import type { ItemResult, ItemRunner, Pending } from './map-item-runner.js';
import { LocalItems } from './local-items.js';
import { ClusterItems } from './cluster-items.js';
import type { MapCluster } from './map-cluster.js';

export interface MapSettings {
  concurrency: number;
  /** Further runs of an item whose run failed in a way another may not (see retry.ts). */
  retries: number;
  envelope: boolean;
  /** Output lines carry the response headers. */
  headers: boolean;
  /** Items' request ids are `<requestId>:<index>`. */
  requestId: string;
  remoteAddr: string;
}

/** Where output lines go: write() returns false when the consumer is full; onDrain() says when it has room again. */
export interface MapOutput {
  write(chunk: string): boolean;
  onDrain(cb: () => void): void;
}

export interface MapSummary {
  items: number;
  /** Items answered with an error or a 5xx status. */
  failed: number;
  cancelled: boolean;
}

export interface MapDeps {
  pool: WorkerPool;
  sink: InvocationSink;
  /** In a cluster: items go over the replicas in batches (run here when none answers). */
  cluster?: MapCluster | null;
}

/** Most starts in one event-loop turn, so reading, answering and other requests get their turn too. */
const STARTS_PER_TURN = 256;

export class MapRun {
  private next = 0;
  private written = 0;
  private inProgress = 0;
  private failed = 0;
  private readonly results = new Map<number, string>();
  private readonly local: LocalItems;
  private readonly runner: ItemRunner;
  private blocked = false;
  private finished = false;
  private out: string[] = [];
  private flushScheduled = false;
  private pumpScheduled = false;
  private readonly window: number;
  private resolveDone!: (s: MapSummary) => void;
  readonly done: Promise<MapSummary>;

  constructor(
    private readonly deps: MapDeps,
    private readonly fn: LiveFunction,
    private readonly settings: MapSettings,
    private readonly reader: LineReader,
    private readonly output: MapOutput,
  ) {
    this.window = Math.max(4 * settings.concurrency, 1024);
    this.local = new LocalItems(deps.pool, deps.sink, fn, this.settle, () => this.pump());
    this.runner = deps.cluster ? new ClusterItems(deps.cluster, fn, settings, this.local, this.settle) : this.local;
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Called when lines arrive (and to start). */
  readonly pump = (): void => {
    this.pumpScheduled = false;
    if (this.finished) return;
    if (this.reader.error) return this.cancel();
    let starts = 0;
    while (!this.blocked && !this.local.waiting && this.inProgress < this.settings.concurrency && this.next - this.written < this.window) {
      const line = this.reader.take();
      if (!line) break;
      this.start(this.next++, line);
      if (++starts === STARTS_PER_TURN) {
        // The rest in a later turn, after I/O (a microtask would run before it).
        if (!this.pumpScheduled) {
          this.pumpScheduled = true;
          setImmediate(this.pump);
        }
        break;
      }
    }
    this.runner.flush();
    this.maybeEnd();
  };

  /** Stops: no further item starts and nothing more is written (the client is gone). */
  cancel(): void {
    if (this.finished) return;
    this.finished = true;
    this.runner.cancel();
    this.reader.stop();
    this.resolveDone({ items: this.next, failed: this.failed, cancelled: true });
  }

  private start(index: number, line: Line): void {
    this.inProgress++;
    if (line.tooLong) return this.finish(index, errorLine(index, 'payload_too_large', 'the line is longer than the request body limit'), true);
    let req;
    try {
      req = itemRequest(line.bytes, this.settings.envelope);
    } catch (e) {
      const err = e instanceof WasmfnError ? e : new WasmfnError('bad_request', 'the line is not a valid item');
      return this.finish(index, errorLine(index, err.code, err.message), true);
    }
    const input = {
      method: req.method, path: req.path, query: req.query, rawHeaders: req.rawHeaders, body: req.body,
      remoteAddr: this.fn.abi === 'wagi' ? this.settings.remoteAddr : '',
      requestId: `${this.settings.requestId}:${index}`, receivedAt: sharedNow(),
    };
    this.runner.submit({ index, input, attempt: 0, sliceFuel: 0 });
  }

  /** A run's answer (already recorded as an invocation where it ran): the item's line, or another run. */
  private readonly settle = (p: Pending, out: ItemResult): void => {
    if (this.finished) return;
    const failure = out.ok ? null : out.error;
    const again = out.ok ? retryableStatus(out.status) : retryableCode(failure!.code);
    if (again && p.attempt < this.settings.retries) {
      setTimeout(() => {
        if (this.finished) return;
        p.attempt++;
        p.input.receivedAt = sharedNow();
        this.runner.submit(p);
        this.runner.flush();
      }, retryDelayMs(p.attempt));
      return;
    }
    if (out.ok) this.finish(p.index, responseLine(p.index, out.status, out.body, this.settings.headers ? out.headers : null), out.status >= 500);
    else this.finish(p.index, errorLine(p.index, failure!.code, failure!.message), true);
  };

  private finish(index: number, line: string, failed: boolean): void {
    this.inProgress--;
    if (this.finished) return;
    if (failed) this.failed++;
    this.results.set(index, line);
    while (this.results.has(this.written)) {
      this.out.push(this.results.get(this.written)!);
      this.results.delete(this.written++);
    }
    if (this.out.length && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(this.pump);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.finished || !this.out.length) return;
    const chunk = this.out.length === 1 ? this.out[0]! : this.out.join('');
    this.out = [];
    if (!this.output.write(chunk)) {
      this.blocked = true;
      this.output.onDrain(() => {
        this.blocked = false;
        this.pump();
      });
    }
    this.maybeEnd();
  };

  private maybeEnd(): void {
    if (this.finished || !this.reader.ended || this.reader.error || this.reader.available || this.inProgress || this.out.length) return;
    this.finished = true;
    this.resolveDone({ items: this.next, failed: this.failed, cancelled: false });
  }
}

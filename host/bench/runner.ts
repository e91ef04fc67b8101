// Measures the contenders: set-up, warm-up, rounds in rotating order, then deploy phases; figures per contender.

import type { Contender } from './contender.js';
import { sig3 } from './format.js';
import { GcWatch } from './gc-watch.js';
import type { Progress } from './progress.js';
import type { ContenderResult, Summary } from './results.js';
import { cdfPoints, concat, countAbove, EMPTY_SUMMARY, summarize, summarizeRounds } from './stats.js';
import { Unavailable } from './unavailable.js';

export interface Plan {
  rounds: number;
  /** Cold starts per round for µs-scale contenders. */
  iterations: number;
  /** Cold starts per round for contenders that start threads or processes. */
  slowIterations: number;
  /** Deploys (fresh bytes) per contender; capped at slowIterations for slow ones. */
  phaseIterations: number;
}

interface Track {
  c: Contender;
  rounds: Float64Array[];
  windows: [number, number][];
  phases: Map<string, number[]>;
  skipped?: string;
  failed?: boolean;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function sample(c: Contender, n: number, onProgress: (i: number) => void): Promise<Float64Array> {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = c.coldStart();
    out[i] = typeof r === 'number' ? r : await r;
    if ((i & 31) === 0) onProgress(i);
  }
  return out;
}

export async function runContenders(contenders: Contender[], plan: Plan, progress: Progress): Promise<{ results: ContenderResult[]; failures: string[] }> {
  const tracks: Track[] = contenders.map((c) => ({ c, rounds: [], windows: [], phases: new Map() }));
  const failures: string[] = [];
  const fail = (t: Track, what: string, e: unknown): void => {
    if (e instanceof Unavailable) t.skipped = `cannot run here: ${e.message}`;
    else {
      t.skipped = `failed during ${what}: ${describe(e)}`;
      t.failed = true;
      failures.push(`${t.c.name}: ${t.skipped}`);
    }
    progress.done(`${t.c.name}: ${t.skipped}`);
  };
  const live = (): Track[] => tracks.filter((t) => !t.skipped);
  const perRound = (c: Contender): number => (c.slow ? plan.slowIterations : plan.iterations);

  for (const t of tracks) {
    progress.update(`setting up ${t.c.name}`, true);
    try {
      await t.c.setup();
    } catch (e) {
      fail(t, 'setup', e);
    }
  }

  for (const t of live()) {
    const n = t.c.slow ? Math.min(3, plan.slowIterations) : Math.max(20, Math.ceil(plan.iterations / 5));
    try {
      await sample(t.c, n, (i) => progress.update(`warm-up ${t.c.name} ${i}/${n}`));
    } catch (e) {
      fail(t, 'warm-up', e);
    }
  }

  const gc = new GcWatch();
  gc.start();
  for (let r = 0; r < plan.rounds; r++) {
    // Rotate the order each round so slow drift (thermal, neighbours, heap growth) hits every contender alike.
    const order = live();
    const rotated = order.slice(r % Math.max(1, order.length)).concat(order.slice(0, r % Math.max(1, order.length)));
    for (const t of rotated) {
      const n = perRound(t.c);
      await tick();
      const start = performance.now();
      try {
        t.rounds.push(await sample(t.c, n, (i) => progress.update(`round ${r + 1}/${plan.rounds} · ${t.c.name} ${i}/${n}`)));
      } catch (e) {
        fail(t, `round ${r + 1}`, e);
      }
      t.windows.push([start, performance.now()]);
    }
  }
  await tick();
  gc.stop();

  for (const t of live()) {
    if (!t.c.deploy) continue;
    const n = t.c.slow ? Math.min(plan.phaseIterations, plan.slowIterations) : plan.phaseIterations;
    try {
      for (let i = 0; i < n; i++) {
        if ((i & 7) === 0) progress.update(`deploy phases · ${t.c.name} ${i}/${n}`);
        const phases = await t.c.deploy();
        for (const [k, v] of Object.entries(phases)) {
          if (!t.phases.has(k)) t.phases.set(k, []);
          t.phases.get(k)!.push(v);
        }
      }
    } catch (e) {
      fail(t, 'deploy phases', e);
    }
  }

  for (const t of tracks) {
    try {
      await t.c.teardown();
    } catch (e) {
      failures.push(`${t.c.name}: teardown: ${describe(e)}`);
    }
  }

  return { results: tracks.map((t) => toResult(t, gc)), failures };
}

function toResult(t: Track, gc: GcWatch): ContenderResult {
  const all = concat(t.rounds);
  const coldStartUs: Summary = t.skipped ? { ...EMPTY_SUMMARY } : summarizeRounds(t.rounds);
  const result: ContenderResult = {
    name: t.c.name,
    isolation: t.c.isolation,
    ...(t.c.host ? { host: true as const } : {}),
    description: t.c.description,
    coldStartUs,
    roundP50sUs: t.rounds.map((r) => summarize(r).p50).filter((x): x is number => x !== null),
    outliers10x: coldStartUs.p50 === null ? 0 : countAbove(all, 10 * coldStartUs.p50),
    gc: gc.within(t.windows),
    cdfUs: t.skipped ? [] : cdfPoints(all),
    ratioP50: null,
    ratioP99: null,
  };
  if (t.phases.size > 0) result.phasesUs = Object.fromEntries([...t.phases].map(([k, v]) => [k, summarize(v)]));
  if (t.skipped) result.skipped = t.skipped;
  return result;
}

/** Fills each contender's ratios to the host contender's p50/p99. */
export function addRatios(results: ContenderResult[]): void {
  const host = results.find((r) => r.host && r.coldStartUs.p50 !== null);
  for (const r of results) {
    if (!host || r.coldStartUs.p50 === null) continue;
    r.ratioP50 = sig3(r.coldStartUs.p50 / host.coldStartUs.p50!);
    r.ratioP99 = sig3(r.coldStartUs.p99! / host.coldStartUs.p99!);
  }
}

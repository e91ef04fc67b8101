// Whether a busy HTTP thread hands calls off or keeps them, chosen on its own CPU time per call: the thread's clock,
// the rule that weighs a probe against the chosen way, the windows and probes (driven window by window with given
// CPU costs), and the choice following real CPU costs both ways.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { threadClock } from '../host/sandbox/thread-clock.js';
import { afterProbe, HandOffChoice, type HandOffMode } from '../host/sandbox/hand-off-choice.js';

const test = suite('sandbox hand-off choice');
const linux = process.platform === 'linux';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the thread clock counts CPU time used, not time asleep', async () => {
  if (!linux) return;
  const clock = threadClock();
  assert.ok(clock, 'Linux has /proc/thread-self/schedstat');
  try {
    const t0 = clock!.ns();
    const w0 = performance.now();
    while (clock!.ns() - t0 < 20e6) if (performance.now() - w0 > 10_000) assert.unreachable('20 ms of CPU took over 10 s');
    const t1 = clock!.ns();
    await tick(50);
    // Timers and the loop's own bookkeeping use a little; 50 ms asleep is far from 50 ms of CPU.
    assert.ok(clock!.ns() - t1 < 25e6, `asleep: ${(clock!.ns() - t1) / 1e6} ms`);
  } finally {
    clock!.close();
  }
  assert.ok(Number.isNaN(clock!.ns()), 'a closed clock reads nothing');
});

test('handing off is chosen only while it clearly saves the thread time per call', () => {
  // afterProbe(chosen, its ns per call, the other way's)
  assert.is(afterProbe('share', 40_000, 20_000), 'keep', 'keeping is cheaper');
  assert.is(afterProbe('share', 36_000, 37_000), 'keep', 'alike: keeping saves the wake-ups');
  assert.is(afterProbe('share', 32_000, 37_000), 'share', 'still saving enough');
  assert.is(afterProbe('keep', 40_000, 20_000), 'share', 'handing off is clearly cheaper');
  assert.is(afterProbe('keep', 37_000, 32_000), 'keep', 'not clearly enough to change');
  assert.is(afterProbe('keep', 20_000, 40_000), 'keep');
});

test('without a thread clock, a busy thread always hands off', () => {
  const choice = new HandOffChoice(null);
  for (let i = 0; i < 1000; i++) choice.counted();
  assert.ok(choice.share());
  assert.is(choice.chosen, 'share');
});

/** A thread clock and a wall clock the test moves; each call costs the CPU ns its way is given. */
class Driven {
  ns = 0;
  ms = 0;
  readonly choice: HandOffChoice;
  constructor(readonly windowMs = 200, readonly probeEvery = 10) {
    this.choice = new HandOffChoice({ ns: () => this.ns, close() {} }, { windowMs, probeEvery, now: () => this.ms });
  }

  /**
   * Runs `windows` windows of `calls` calls each, every call meeting a busy thread unless `busy` is false, with
   * `pauseMs` of quiet after each; returns the way each window went. A window ends at the first call of the next.
   */
  run(windows: number, cost: { share: number; keep: number }, o: { calls?: number; busy?: boolean; pauseMs?: number } = {}): HandOffMode[] {
    const calls = o.calls ?? 100;
    const ways: HandOffMode[] = [];
    for (let w = 0; w < windows; w++) {
      let way: HandOffMode = 'keep';
      for (let i = 0; i < calls; i++) {
        this.choice.counted();
        way = (o.busy ?? true) ? (this.choice.share() ? 'share' : 'keep') : 'keep';
        this.ns += cost[way];
        this.ms += this.windowMs / calls;
      }
      this.ms += o.pauseMs ?? 0;
      ways.push(way);
    }
    return ways;
  }
}

test('one window after every ten goes the other way; two probes in a row that favour it change the choice', () => {
  const d = new Driven();
  const ways = d.run(26, { share: 300_000, keep: 100_000 });
  assert.equal(ways.slice(0, 10), Array(10).fill('share'), 'ten windows the chosen way');
  assert.is(ways[10], 'keep', 'then a probe');
  assert.equal(ways.slice(11, 21), Array(10).fill('share'), 'one probe in favour is not enough');
  assert.is(ways[21], 'keep', 'the second probe');
  assert.is(d.choice.chosen, 'keep');
  assert.is(d.choice.switches, 1);
  assert.equal(ways.slice(22), ['keep', 'keep', 'keep', 'keep'], 'after a switch, no probe back at once');
  // Handing off becomes three times cheaper: back after two more probes.
  const back = d.run(30, { share: 100_000, keep: 300_000 });
  assert.is(d.choice.chosen, 'share');
  assert.is(d.choice.switches, 2);
  assert.is(back[back.length - 1], 'share');
  assert.is(back.filter((w, i) => w === 'share' && back[i + 1] === 'keep').length, 2, 'two lone probes before it');
});

test('windows that say nothing leave the choice as it is', () => {
  const cost = { share: 300_000, keep: 100_000 };
  const notBusy = new Driven();
  notBusy.run(40, cost, { busy: false });
  assert.is(notBusy.choice.chosen, 'share', 'no call met a busy thread');
  const few = new Driven();
  few.run(40, cost, { calls: 20 });
  assert.is(few.choice.chosen, 'share', 'too few calls per window');
  const paused = new Driven();
  paused.run(40, cost, { pauseMs: 500 });
  assert.is(paused.choice.chosen, 'share', 'each window spans a quiet spell');
  const stuck = new Driven();
  stuck.run(40, { share: 0, keep: 0 });
  assert.is(stuck.choice.chosen, 'share', 'a clock that does not move');
  // The same windows, with calls that met a busy thread and a clock that moves: the choice does change.
  const counted = new Driven();
  counted.run(40, cost);
  assert.is(counted.choice.chosen, 'keep');
});

test('closed, it hands off again and reads no clock', () => {
  const d = new Driven();
  d.run(30, { share: 300_000, keep: 100_000 });
  assert.is(d.choice.chosen, 'keep');
  d.choice.close();
  d.choice.counted();
  assert.ok(d.choice.share());
  assert.is(d.choice.chosen, 'share');
});

/**
 * Uses `us` of CPU time, however long the machine makes that take. Counted by the process (getrusage, exact), as the
 * kernel's per-thread count moves in scheduler ticks while the thread runs; CPU time of the process's other threads
 * only shortens a burn, alike for both ways.
 */
function burn(us: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= us) return;
  }
}

async function callUntil(choice: HandOffChoice, cost: { share: number; keep: number }, want: HandOffMode, limitMs: number): Promise<boolean> {
  const end = performance.now() + limitMs;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) {
      choice.counted();
      burn(choice.share() ? cost.share : cost.keep);
    }
    if (choice.chosen === want) return true;
    // Lets the loop breathe (timers of other suites in this process), as a server's loop would between reads.
    await new Promise((r) => setImmediate(r));
  }
  return false;
}

test('on the real thread clock, the choice follows the CPU time calls cost: to keeping, and back', async () => {
  if (!linux) return;
  // Short windows keep the test short; each still spans several scheduler ticks.
  const choice = new HandOffChoice(threadClock(), { windowMs: 60, probeEvery: 3 });
  try {
    assert.ok(await callUntil(choice, { share: 300, keep: 100 }, 'keep', 30_000), 'handing off cost three times as much: keeps');
    assert.is(choice.switches, 1);
    assert.ok(await callUntil(choice, { share: 100, keep: 300 }, 'share', 30_000), 'keeping cost three times as much: hands off again');
    assert.is(choice.switches, 2);
  } finally {
    choice.close();
  }
});

test.run();

// Whether a busy HTTP thread hands calls off or keeps them, chosen on its own CPU time per call: the thread's clock,
// the rule that compares a probe with the chosen way, and the choice following real CPU costs both ways.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { threadClock } from '../host/sandbox/thread-clock.js';
import { afterProbe, HandOffChoice } from '../host/sandbox/hand-off-choice.js';

const test = suite('sandbox hand-off choice');

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Uses `us` of CPU time, however long the machine makes that take. Counted by the process (getrusage, exact), as the
 * kernel's per-thread count moves in scheduler ticks while the thread runs; this suite's other threads are idle.
 */
function burn(us: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= us) return;
  }
}

test('the thread clock counts CPU time used, not time asleep', async () => {
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
});

test('handing off is chosen only while it clearly saves the thread time per call', () => {
  // afterProbe(chosen, its ns per call, the other way's)
  assert.is(afterProbe('share', 40_000, 20_000), 'keep', 'keeping is cheaper');
  assert.is(afterProbe('share', 36_000, 37_000), 'keep', 'alike: keeping saves the wake-ups');
  assert.is(afterProbe('share', 32_000, 37_000), 'share', 'still saving enough');
  assert.is(afterProbe('keep', 40_000, 20_000), 'share', 'handing off is clearly cheaper');
  assert.is(afterProbe('keep', 37_000, 34_000), 'keep', 'not clearly cheaper');
  assert.is(afterProbe('keep', 20_000, 40_000), 'keep');
});

test('without a thread clock, a busy thread always hands off', () => {
  const choice = new HandOffChoice(null);
  for (let i = 0; i < 1000; i++) choice.counted();
  assert.ok(choice.share());
  assert.is(choice.chosen, 'share');
});

/**
 * Calls as a busy thread meets them: each costs this thread `shareUs` of CPU when handed off and `keepUs` when kept.
 * Runs until the choice is `want` (true) or `limitMs` passes.
 */
async function callUntil(choice: HandOffChoice, shareUs: number, keepUs: number, want: 'share' | 'keep', limitMs: number, busy = true): Promise<boolean> {
  const end = performance.now() + limitMs;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) {
      choice.counted();
      // A thread that is not busy runs its calls without asking.
      burn(busy && choice.share() ? shareUs : keepUs);
    }
    if (choice.chosen === want) return true;
    // Lets the loop breathe (timers of other suites in this process), as a server's loop would between reads.
    await new Promise((r) => setImmediate(r));
  }
  return false;
}

test('the choice follows the thread CPU time per call: to keeping when handing off costs more, and back', async () => {
  const choice = new HandOffChoice(threadClock());
  try {
    assert.is(choice.chosen, 'share', 'starts as the design assumes');
    assert.ok(await callUntil(choice, 300, 100, 'keep', 30_000), 'handing off cost three times as much: keeps');
    assert.is(choice.switches, 1);
    assert.ok(await callUntil(choice, 100, 300, 'share', 30_000), 'keeping cost three times as much: hands off again');
    assert.is(choice.switches, 2);
  } finally {
    choice.close();
  }
});

test('calls that never meet a busy thread leave the choice as it is', async () => {
  const choice = new HandOffChoice(threadClock());
  try {
    // Long enough for a probe (11 windows of 200 ms), had the windows counted.
    assert.not.ok(await callUntil(choice, 300, 100, 'keep', 3000, false));
    assert.is(choice.switches, 0);
  } finally {
    choice.close();
  }
});

test.run();

import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { measureWakeCost } from '../host/bench/wake-cost.js';

const wake = suite('bench: cross-thread wake-up cost');

/** Threads of this process (Linux); null elsewhere. */
const threads = (): number | null => (process.platform === 'linux' ? fs.readdirSync('/proc/self/task').length : null);

wake('every requested wake-up of the sleeping worker is measured, and the worker is gone afterwards', async () => {
  const before = threads();
  const r = await measureWakeCost(50);
  for (const s of [r.notifyIdleNs, r.notifyWakingNs, r.wakeLatencyNs]) {
    assert.is(s.n, 50);
    assert.ok(Number.isFinite(s.p50) && s.p50! >= 0, `p50 ${s.p50}`);
  }
  assert.is(threads(), before, 'the sleeping worker thread has exited');
});

wake.run();

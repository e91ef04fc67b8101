// When the HTTP thread counts as too busy to run calls itself: its event-loop utilization against
// WASMFN_INLINE_BUSY_PERCENT, read from Node's own counters.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ThreadLoad } from '../host/sandbox/thread-load.js';
import { resolveOptions } from '../host/config.js';
import { WasmfnError } from '../host/errors.js';

const test = suite('sandbox thread load');

const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a thread blocked in a call is busy at 75%, never at 100%; one waiting on its timers is not busy', async () => {
  const usual = new ThreadLoad(75);
  const always = new ThreadLoad(100);
  spin(30);
  assert.ok(usual.busy(), 'blocked for a whole window');
  assert.not.ok(always.busy(), '100% never hands off for load');
  // Idle: the loop waits in the poll phase, which is not utilization. Work left by earlier suites in this process
  // (a closed host's last callbacks, a collection) can fill one window, so a few windows are allowed.
  let idle = false;
  for (let i = 0; i < 20 && !idle; i++) {
    await tick(30);
    idle = !usual.busy();
  }
  assert.ok(idle, 'idle for a whole window');
});

test('WASMFN_INLINE_BUSY_PERCENT defaults to 75 and must be 1-100', () => {
  assert.is(resolveOptions({}, {}).inlineBusyPercent, 75);
  assert.is(resolveOptions({}, { WASMFN_INLINE_BUSY_PERCENT: '100' }).inlineBusyPercent, 100);
  for (const bad of ['0', '101', '50.5']) {
    try {
      resolveOptions({}, { WASMFN_INLINE_BUSY_PERCENT: bad });
      assert.unreachable(`accepted ${bad}`);
    } catch (e) {
      assert.instance(e, WasmfnError);
      assert.match((e as WasmfnError).details?.join(' ') ?? '', 'inlineBusyPercent');
    }
  }
});

test.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { measureCallParts, PARTS } from '../host/bench/call-parts.js';

const parts = suite('bench: what each part of a call costs over HTTP and in a loop');

parts('every part is taken in turn under load and in the loop, and hello answers right in both', async () => {
  const r = await measureCallParts({ connections: 2, durationS: 0.5, warmupS: 0, loopCalls: 40 });
  assert.ok(r.requestsPerSec > 0);
  for (const [phase, rows] of [['over HTTP', r.overHttp], ['in a loop', r.backToBack]] as const) {
    assert.equal(rows.map((x) => x.part), [...PARTS], phase);
    const calls = rows.map((x) => x.calls);
    // Taken in turn: no part is called more than once more than another.
    assert.ok(Math.max(...calls) - Math.min(...calls) <= 1 && Math.min(...calls) > 0, `${phase}: ${calls}`);
    for (const x of rows) assert.ok(x.us >= 0, `${phase} ${x.part}: ${x.us}`);
    const call = rows.find((x) => x.part === 'hello call')!;
    assert.ok(call.instantiateUs! > 0 && call.runUs! > 0 && call.zeroUs! >= 0, `${phase}: hello's stages are timed`);
    assert.ok(call.instantiateUs! + call.runUs! + call.zeroUs! <= call.us * 1.001, `${phase}: the stages fit in the call`);
  }
  assert.is(r.backToBack[0]!.calls, 10);
});

parts.run();

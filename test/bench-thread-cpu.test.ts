import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { perRequest, sampleProcess, threadStat, type ProcessSample } from '../host/bench/thread-cpu.js';

const cpu = suite('bench: CPU per request from /proc');

const linux = process.platform === 'linux';

cpu('a sample of this process counts CPU burnt on its main thread', () => {
  const before = sampleProcess(process.pid);
  if (!linux) return assert.is(before, null);
  const mainBefore = threadStat(process.pid, String(process.pid));
  // Burn 200 ms of this thread's CPU: not wall time, which a busy machine would stretch, nor the process's, to which
  // other threads add (a garbage collector still busy with an earlier test's objects).
  while (threadStat(process.pid, String(process.pid)).ms - mainBefore.ms < 200) {
    for (let i = 0; i < 100_000; i++) Math.sqrt(Math.random());
  }
  const after = sampleProcess(process.pid)!;
  assert.ok(after.mainMs - before!.mainMs >= 100, `main thread went from ${before!.mainMs} to ${after.mainMs} ms`);
  // Per thread: the process's sum drops whenever a thread of an earlier test (a worker, a pool) exits meanwhile.
  assert.ok(threadStat(process.pid, String(process.pid)).switches >= mainBefore.switches, 'switch counts never go back');
});

cpu('a process that does not exist has no sample', () => {
  assert.is(sampleProcess(2 ** 22 + 12345), null);
});

cpu('figures per request split the server by thread and add both sides of the load generator', () => {
  const s = (mainMs: number, otherMs: number, switches: number): ProcessSample => ({ mainMs, otherMs, switches });
  const r = perRequest([s(100, 50, 10), s(120, 60, 30)], [s(10, 0, 5), s(20, 5, 25)], 1000);
  assert.equal(r, { serverMainUs: 20, serverOtherUs: 10, loadGeneratorUs: 15, switches: 0.04 });
});

cpu('a missing sample or a run without requests gives no figures', () => {
  const s: ProcessSample = { mainMs: 1, otherMs: 1, switches: 1 };
  assert.is(perRequest([s, null], [s, s], 10), null);
  assert.is(perRequest([s, s], [s, s], 0), null);
});

cpu.run();

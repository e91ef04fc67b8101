import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CallBatch } from '../host/http/call-batch.js';

const batch = suite('http: calls of one event-loop turn run together');

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

batch('calls queued in a turn run together after it, in order, then the after hook once', async () => {
  const seen: string[] = [];
  const b = new CallBatch<string>((c) => seen.push(c), () => assert.unreachable('nothing throws'), () => seen.push('after'));
  b.add('a');
  b.add('b');
  b.add('c');
  assert.equal(seen, [], 'nothing runs while the turn that queued the calls is still going');
  await nextTurn();
  assert.equal(seen, ['a', 'b', 'c', 'after']);
  b.add('d');
  await nextTurn();
  assert.equal(seen, ['a', 'b', 'c', 'after', 'd', 'after'], 'a later turn makes a batch of its own');
});

batch('a call that throws is handed to the failure handler, and the calls after it still run', async () => {
  const ran: number[] = [];
  const failed: [number, string][] = [];
  const b = new CallBatch<number>(
    (n) => {
      if (n === 2) throw new Error('boom');
      ran.push(n);
    },
    (n, e) => failed.push([n, (e as Error).message]),
    () => ran.push(0),
  );
  for (const n of [1, 2, 3]) b.add(n);
  await nextTurn();
  assert.equal(ran, [1, 3, 0]);
  assert.equal(failed, [[2, 'boom']]);
});

batch('a failure handler that throws too stops neither the batch nor its after hook', async () => {
  const seen: string[] = [];
  const b = new CallBatch<string>(
    (c) => {
      if (c === 'bad') throw new Error('boom');
      seen.push(c);
    },
    () => {
      throw new Error('the last resort failed as well');
    },
    () => seen.push('after'),
  );
  for (const c of ['a', 'bad', 'b']) b.add(c);
  await nextTurn();
  assert.equal(seen, ['a', 'b', 'after']);
});

batch('a call run at once runs before the queued ones of its turn, then the hook', async () => {
  const seen: string[] = [];
  const b = new CallBatch<string>((c) => seen.push(c), () => assert.unreachable('nothing throws'), () => seen.push('after'));
  b.add('queued');
  b.run('lone');
  assert.equal(seen, ['lone', 'after'], 'nothing waits for the turn to end');
  await nextTurn();
  assert.equal(seen, ['lone', 'after', 'queued', 'after']);
});

batch('a call queued while a batch runs waits for the next one', async () => {
  const seen: string[] = [];
  const b: CallBatch<string> = new CallBatch<string>(
    (c) => {
      seen.push(c);
      if (c === 'first') b.add('queued by first');
    },
    () => assert.unreachable('nothing throws'),
    () => seen.push('after'),
  );
  b.add('first');
  await nextTurn();
  assert.equal(seen, ['first', 'after']);
  await nextTurn();
  assert.equal(seen, ['first', 'after', 'queued by first', 'after']);
});

batch.run();

// Uploads admitted before their bodies arrive: each holds a place until its body is in, and the places they hold
// together stay within what the workers' free slots and the queue can take once the bodies arrive.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withHost, deployBuilt, until } from './helpers/host.js';
import { head, rawStart, type RawConnection } from './helpers/raw-http.js';
import { DEFAULT_CHANNEL_SHAPE } from '../host/sandbox/channel.js';

const test = suite('adversarial http: admission before the body');

const BODY_BYTES = 1024;

function stalledUpload(url: string): Promise<RawConnection> {
  return rawStart(url, head('POST', '/fn/echo', { 'Content-Length': BODY_BYTES }), Buffer.alloc(16, 0x61));
}

test('stalled uploads hold no more places than the free slots plus maxQueue', async () => {
  const maxQueue = 1;
  await withHost({ workers: 1, maxQueue }, async (h) => {
    await deployBuilt(h, 'echo');
    const capacity = DEFAULT_CHANNEL_SHAPE.slots + maxQueue;
    const conns: RawConnection[] = [];
    for (let i = 0; i < capacity + 4; i++) conns.push(await stalledUpload(h.url));
    await until(() => h.bodies.stats().heldBytes + conns.filter((c) => c.status() !== null).length * BODY_BYTES === conns.length * BODY_BYTES,
      'every upload admitted or refused');
    const admitted = conns.filter((c) => c.status() === null);
    assert.is(admitted.length, capacity, 'admitted past what the slots and the queue can take');
    for (const c of conns.filter((c) => c.status() !== null)) assert.is(c.status(), 503);

    // Every admitted upload that goes on is served.
    for (const c of admitted) c.write(Buffer.alloc(BODY_BYTES - 16, 0x61));
    await until(() => admitted.every((c) => c.body() !== null), 'the admitted uploads answered');
    for (const c of admitted) assert.is(c.status(), 200);
    assert.ok(h.pool.stats().queued <= maxQueue);
    await until(() => h.bodies.stats().heldBytes === 0, 'every body given back');
    for (const c of conns) c.socket.destroy();
  });
});

test.run();

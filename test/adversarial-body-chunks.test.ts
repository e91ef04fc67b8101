// A request body cut into tiny pieces: Node hands the route one Buffer per piece, an object far bigger than the
// byte it holds, so a body kept as its pieces would cost the host many times what the body cap and the host-wide
// body budget count. Against a host in a child process with a small heap: keeping the pieces ends that process.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withChildHost } from './helpers/child-host.js';
import { fnBytes, until } from './helpers/host.js';
import { head, rawStart } from './helpers/raw-http.js';

const test = suite('adversarial http: body pieces');

test('a chunked body of a million one-byte chunks is answered, and the host serves on', async () => {
  const chunks = 1_000_000;
  await withChildHost({}, async (h) => {
    await h.deploy('hello', await fnBytes('hello'));
    const c = await rawStart(h.proc.url, head('POST', '/fn/hello?name=chunks', { 'Transfer-Encoding': 'chunked' }));
    const piece = Buffer.from('1\r\na\r\n'.repeat(10_000));
    for (let i = 0; i < chunks / 10_000 && !c.closed(); i++) {
      if (!c.socket.write(piece)) await new Promise((r) => c.socket.once('drain', r));
    }
    c.write('0\r\n\r\n');
    await until(() => c.body() !== null || c.closed(), 'the upload answered or its connection closed', 60_000);
    assert.is(c.status(), 200, `host exit ${h.proc.child.exitCode ?? h.proc.child.signalCode}: ${h.proc.output().slice(-500)}`);
    assert.is(c.body(), 'Hello, chunks!');
    c.socket.destroy();
    await h.assertServing();
  });
});

test.run();

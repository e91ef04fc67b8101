import http from 'node:http';
import fs from 'node:fs/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startHost } from '../host/server.js';
import { deployBuilt, silentLogger, tempDir, until } from './helpers/host.js';

const close = suite('graceful shutdown');

interface Answer {
  status: number;
  connection: string | undefined;
}

/** A GET on the agent's one keep-alive socket; null when no connection could be made. */
function get(agent: http.Agent, url: string): Promise<Answer | null> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
    });
    req.on('error', () => resolve(null));
  });
}

close('a client that keeps sending on a keep-alive connection does not hold the shutdown open', async () => {
  const dataDir = await tempDir();
  const h = await startHost({ port: 0, workers: 1, logger: silentLogger(), deployExamples: false, dataDir });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await deployBuilt(h, 'hello');
    await deployBuilt(h, 'loop-forever', 'loop-forever', 'timeoutMs=300&fuel=1000000000000');
    assert.is((await get(agent, `${h.url}/fn/hello`))?.connection, 'keep-alive');
    // In flight when the shutdown starts, on the agent's only socket.
    const slow = get(agent, `${h.url}/fn/loop-forever`);
    await until(() => h.pool.stats().inflight > 0, 'the slow call in flight');
    let closed = false;
    const closing = h.close().then(() => (closed = true));
    const answers: (Answer | null)[] = [await slow];
    // Without the fix every one of these is served on the same socket, keep-alive, and close() never resolves.
    for (let i = 0; i < 40 && answers[answers.length - 1] !== null; i++) answers.push(await get(agent, `${h.url}/fn/hello`));
    assert.is(answers[0]!.status, 504, 'the call in flight is answered');
    // A call sent on the socket before it was swept is served, and told the connection ends with it.
    for (const a of answers.slice(1)) if (a) assert.is(a.connection, 'close', 'responses after the shutdown began say Connection: close');
    assert.is(answers[answers.length - 1], null, 'then the host stops taking connections');
    await closing;
    assert.ok(closed);
  } finally {
    agent.destroy();
    await h.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

close.run();

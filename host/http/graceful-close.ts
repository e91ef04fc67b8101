// Shutting the HTTP server down without dropping answers and without waiting on clients that keep connections open.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';

const IDLE_SWEEP_MS = 50;

/**
 * Stops accepting, lets in-flight requests finish, and ends keep-alive connections rather than waiting for their
 * clients: every response from now on says `Connection: close`, and connections are closed as soon as they are
 * idle (a client that keeps sending on one would otherwise hold the shutdown open for ever). Whatever is still
 * open after `hardStopMs` (a stalled upload, say) is cut.
 */
export function closeServer(server: Server, hardStopMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.shouldKeepAlive = false;
    });
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const hardStop = setTimeout(() => server.closeAllConnections(), hardStopMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(hardStop);
      resolve();
    });
    server.closeIdleConnections();
  });
}

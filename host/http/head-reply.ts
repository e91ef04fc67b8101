// HEAD on the invocation route. Hono answers a HEAD by running the GET route and re-wrapping the Response it
// returns without its body, so the RESPONSE_ALREADY_SENT marker the route returns after answering on Node's
// response itself would be re-wrapped out of node-server's sight: node-server would write a head of its own at
// once, and the route's answer would then find the response already sent. A HEAD is answered by the same code
// as every other method, written to this stand-in, which hands what was written to Hono as a Response.

import type { ServerResponse } from 'node:http';

/** The part of Node's ServerResponse the invocation route writes its answer to. */
export interface Outgoing {
  readonly headersSent: boolean;
  /** `headers` is a flat name, value list. */
  writeHead(status: number, headers: string[]): unknown;
  end(body?: Uint8Array | string): unknown;
  /** Cuts the connection: for an answer that cannot be completed. */
  destroy(): unknown;
}

export class HeadReply implements Outgoing {
  headersSent = false;
  /** The answer's status and headers, once written: what the route hands Hono. */
  readonly response: Promise<Response>;
  private resolve!: (r: Response) => void;

  constructor(private readonly node: ServerResponse) {
    this.response = new Promise((resolve) => (this.resolve = resolve));
  }

  writeHead(status: number, headers: string[]): this {
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([headers[i]!, headers[i + 1]!]);
    // Built before anything counts as sent: a header Fetch refuses throws here, and a 500 can still go out.
    const res = new Response(null, { status, headers: pairs });
    this.headersSent = true;
    this.resolve(res);
    return this;
  }

  /** No body: Node leaves it out of a HEAD answer anyway. */
  end(): this {
    return this;
  }

  destroy(): this {
    this.node.destroy();
    return this;
  }
}

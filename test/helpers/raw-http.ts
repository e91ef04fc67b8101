// A bare HTTP/1.1 client on a socket, for what fetch will not do: send a target as written (no dot-segment
// resolution), stop halfway through headers or a body, and watch the connection while it waits.

import net from 'node:net';

export interface RawConnection {
  socket: net.Socket;
  /** Everything the server sent so far, as latin1 text. */
  received(): string;
  /** The status of the response once its status line has arrived, else null. */
  status(): number | null;
  /** The response body once the whole response has arrived (by Content-Length), else null. */
  body(): string | null;
  closed(): boolean;
  /** Bytes of request this side has written. */
  sent(): number;
  write(data: string | Buffer): void;
}

export async function rawConnect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  let closed = false;
  let sent = 0;
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  // A reset after the answer (the server closed with unread request bytes) is expected here, not a test failure.
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  return {
    socket,
    received: () => text,
    status: () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      return m ? Number(m[1]) : null;
    },
    body: () => {
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return null;
      const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      const body = text.slice(end + 4);
      return len && body.length >= Number(len[1]) ? body.slice(0, Number(len[1])) : null;
    },
    closed: () => closed,
    sent: () => sent,
    write: (data) => {
      sent += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      socket.write(data);
    },
  };
}

/** Opens a connection and sends a request head (and the start of a body, if any) without finishing it. */
export async function rawStart(url: string, head: string, bodyStart: Buffer = Buffer.alloc(0)): Promise<RawConnection> {
  const c = await rawConnect(url);
  c.write(head);
  if (bodyStart.byteLength) c.write(bodyStart);
  return c;
}

/** A request head: the request line as given, Host, and extra header lines. */
export function head(method: string, target: string, headers: Record<string, string | number> = {}): string {
  let s = `${method} ${target} HTTP/1.1\r\nHost: test\r\n`;
  for (const [k, v] of Object.entries(headers)) s += `${k}: ${v}\r\n`;
  return `${s}\r\n`;
}

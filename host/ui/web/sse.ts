// Reads a text/event-stream with fetch, so the request can carry the Authorization header (EventSource cannot).

import { authHeaders, errorFrom } from './api.js';

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/** Resolves when the server ends the stream; rejects on an HTTP error or a network failure. */
export async function readEvents(url: string, signal: AbortSignal, onEvent: (e: SseEvent) => void): Promise<void> {
  const res = await fetch(url, { headers: authHeaders({ accept: 'text/event-stream' }), signal });
  if (!res.ok || !res.body) throw await errorFrom(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = 'message';
      let id: string | null = null;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = val;
        else if (field === 'data') data.push(val);
        else if (field === 'id') id = val;
      }
      if (data.length) onEvent({ event, data: data.join('\n'), id });
    }
  }
}

// The live log tail: each invocation as it ends (server-sent events), newest first, with its status, timings,
// fuel, guest log lines and trap message. Everything here is text: a guest's line is never read as HTML.

import { useEffect, useState } from 'preact/hooks';
import { enc, isMissingRoute } from './api.js';
import { readEvents } from './sse.js';
import { bytes, ms, time } from './format.js';
import type { LogEntry } from './types.js';

const KEEP = 200;
const RECONNECT_MS = 1000;

export function LogTail({ name }: { name: string }) {
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'retrying' | 'gone'>('connecting');

  useEffect(() => {
    const ctl = new AbortController();
    let after = 0;
    let hostId: string | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      setState('connecting');
      readEvents(`/api/functions/${enc(name)}/logs/stream?after=${after}`, ctl.signal, (ev) => {
        if (ev.event === 'hello') {
          const h = (JSON.parse(ev.data) as { hostId: string }).hostId;
          // A restarted host numbers its invocations from 1 again.
          if (hostId !== null && h !== hostId) {
            after = 0;
            setEntries([]);
          }
          hostId = h;
          setState('live');
        } else if (ev.event === 'invocation') {
          const e = JSON.parse(ev.data) as LogEntry;
          after = Math.max(after, e.seq);
          setEntries((list) => [e, ...list].slice(0, KEEP));
        } else if (ev.event === 'gone') {
          setState('gone');
        }
      }).then(
        () => schedule(),
        (e) => {
          if (ctl.signal.aborted) return;
          if (isMissingRoute(e)) return;
          schedule();
        },
      );
    };
    const schedule = () => {
      if (ctl.signal.aborted) return;
      setState((s) => (s === 'gone' ? s : 'retrying'));
      retry = setTimeout(connect, RECONNECT_MS);
    };
    connect();
    return () => {
      ctl.abort();
      clearTimeout(retry);
    };
  }, [name]);

  return (
    <section class="card" aria-labelledby="tail-h">
      <h2 id="tail-h">
        Live log tail <span class={`pill ${state}`}>{state}</span>
      </h2>
      {entries.length === 0 ? (
        <p class="hint">No invocations yet: they appear here as they end.</p>
      ) : (
        <ol class="tail" aria-label="Invocations, newest first">
          {entries.map((e) => (
            <LogItem key={e.seq} e={e} />
          ))}
        </ol>
      )}
    </section>
  );
}

function LogItem({ e }: { e: LogEntry }) {
  const d = e.durationsMs;
  return (
    <li class={`inv ${e.code ? 'failed' : 'ok'}`} data-seq={e.seq}>
      <div class="inv-head">
        <span class="status">{e.status}</span>
        {e.code && <code class="code">{e.code}</code>}
        <span class="req">
          {e.method} {e.path}
        </span>
        <span class="when">{time(e.time)}</span>
      </div>
      <div class="inv-meta">
        total {ms(d.total)} · queue {ms(d.queue)} · instantiate {ms(d.instantiate)} · run {ms(d.run)} · fuel {e.fuelUsed ?? '–'} · in {bytes(e.bytesIn)} · out {bytes(e.bytesOut)} · v <code>{e.version}</code>
        {e.replica ? ` · replica ${e.replica}` : ''}
      </div>
      {e.message ? <pre class="trap">{e.message}{e.trapStack?.length ? `\n${e.trapStack.join('\n')}` : ''}</pre> : null}
      {e.logs.length > 0 && (
        <pre class="lines">
          {e.logs.map((l, i) => (
            <span key={i} class={`lvl-${l.level}`}>
              {`${l.level.padEnd(5)} ${l.line}\n`}
            </span>
          ))}
        </pre>
      )}
    </li>
  );
}

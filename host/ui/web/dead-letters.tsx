// Asynchronous invocations that used up their attempts, each with a Retry button, and the ones retried from here
// followed until they end; shown only when the host has the route (GET /api/functions/:name/dead-letters).

import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, enc, isMissingRoute } from './api.js';
import { usePoll } from './use-poll.js';
import { ago } from './format.js';

interface DeadLetter {
  id: string;
  status?: string;
  attempts?: number;
  createdAt?: string;
  finishedAt?: string;
  error?: { code?: string; message?: string };
}

export function DeadLetters({ name }: { name: string }) {
  const dead = usePoll(async () => {
    const body = await api<unknown>(`/api/functions/${enc(name)}/dead-letters`);
    if (Array.isArray(body)) return body as DeadLetter[];
    const list = Object.values(body as Record<string, unknown>).find(Array.isArray);
    return (list ?? []) as DeadLetter[];
  }, 5000, [name]);
  const [note, setNote] = useState<string | null>(null);
  const [retried, setRetried] = useState<DeadLetter[]>([]);
  useFollow(retried, setRetried);
  if (isMissingRoute(dead.error) || !dead.data) return null;

  const retry = async (id: string) => {
    try {
      const r = await api<DeadLetter>(`/api/invocations/${enc(id)}/retry`, { method: 'POST' });
      setNote(`Retrying ${r?.id ?? id}: ${r?.status ?? 'queued'}`);
      setRetried((list) => [{ ...r, id: r?.id ?? id }, ...list.filter((x) => x.id !== id)].slice(0, 20));
      dead.reload();
    } catch (e) {
      setNote(`Retry of ${id} failed: ${e instanceof ApiError ? `${e.code} ${e.message}` : String(e)}`);
    }
  };

  return (
    <section class="card" aria-labelledby="dead-h">
      <h2 id="dead-h">Dead letters</h2>
      {note && <p role="status">{note}</p>}
      {retried.length > 0 && (
        <ul class="retried" aria-label="Retried invocations">
          {retried.map((r) => (
            <li key={r.id}>
              <code>{r.id}</code> {r.status ?? 'queued'}, {r.attempts ?? 0} attempt(s){r.error ? `: ${r.error.code ?? ''} ${r.error.message ?? ''}` : ''}
            </li>
          ))}
        </ul>
      )}
      {dead.data.length === 0 ? (
        <p class="hint">No asynchronous invocation of this function has run out of attempts.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Invocation</th>
              <th scope="col">Attempts</th>
              <th scope="col">Error</th>
              <th scope="col">Queued</th>
              <th scope="col">Ended</th>
              <th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {dead.data.map((d) => (
              <tr key={d.id}>
                <th scope="row"><code>{d.id}</code></th>
                <td class="num">{d.attempts ?? '–'}</td>
                <td>{d.error ? `${d.error.code ?? ''} ${d.error.message ?? ''}` : ''}</td>
                <td>{ago(d.createdAt ?? null)}</td>
                <td>{ago(d.finishedAt ?? null)}</td>
                <td>
                  <button type="button" onClick={() => void retry(d.id)}>Retry</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const DONE = new Set(['succeeded', 'dead']);

/** Polls GET /api/invocations/:id for each retried invocation until it has ended. */
function useFollow(list: DeadLetter[], set: (f: (l: DeadLetter[]) => DeadLetter[]) => void): void {
  const open = list.filter((r) => !DONE.has(r.status ?? '')).map((r) => r.id).join(',');
  useEffect(() => {
    if (!open) return;
    const timer = setTimeout(async () => {
      for (const id of open.split(',')) {
        try {
          const s = await api<DeadLetter>(`/api/invocations/${enc(id)}`);
          set((l) => l.map((x) => (x.id === id ? { ...s, id } : x)));
        } catch {
          // Kept as it was; the next round asks again.
        }
      }
    }, 1500);
    return () => clearTimeout(timer);
  }, [open, list]);
}

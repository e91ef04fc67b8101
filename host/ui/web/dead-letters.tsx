// Asynchronous invocations that used up their attempts, each with a Retry button; shown only when the host has
// the route (GET /api/functions/:name/dead-letters).

import { useState } from 'preact/hooks';
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
  if (isMissingRoute(dead.error) || !dead.data) return null;

  const retry = async (id: string) => {
    try {
      const r = await api<{ id?: string; status?: string }>(`/api/invocations/${enc(id)}/retry`, { method: 'POST' });
      setNote(`Retrying ${r?.id ?? id}: ${r?.status ?? 'queued'}`);
      dead.reload();
    } catch (e) {
      setNote(`Retry of ${id} failed: ${e instanceof ApiError ? `${e.code} ${e.message}` : String(e)}`);
    }
  };

  return (
    <section class="card" aria-labelledby="dead-h">
      <h2 id="dead-h">Dead letters</h2>
      {note && <p role="status">{note}</p>}
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

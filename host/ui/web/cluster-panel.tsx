// The cluster's replicas and their calls in flight, when the host runs as a replica (GET /api/cluster exists).

import { api, isMissingRoute } from './api.js';
import { usePoll } from './use-poll.js';
import { ago } from './format.js';

interface Replica {
  id: string;
  url?: string;
  startedAt?: string;
  lastSeen?: string;
  inflight?: number;
  functions?: number | string[];
}

export function ClusterPanel() {
  const cluster = usePoll(async () => {
    const body = await api<unknown>('/api/cluster');
    const list = Array.isArray(body) ? body : ((body as { replicas?: unknown }).replicas ?? []);
    return Array.isArray(list) ? (list as Replica[]) : [];
  }, 5000);
  if (isMissingRoute(cluster.error) || !cluster.data) return null;
  return (
    <section class="card" aria-labelledby="cluster-h">
      <h2 id="cluster-h">Replicas</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Replica</th>
            <th scope="col">URL</th>
            <th scope="col">In flight</th>
            <th scope="col">Functions</th>
            <th scope="col">Started</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {cluster.data.map((r) => (
            <tr key={r.id}>
              <th scope="row">{r.id}</th>
              <td>{r.url ?? ''}</td>
              <td class="num">{r.inflight ?? '–'}</td>
              <td class="num">{Array.isArray(r.functions) ? r.functions.length : (r.functions ?? '–')}</td>
              <td>{ago(r.startedAt ?? null)}</td>
              <td>{ago(r.lastSeen ?? null)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

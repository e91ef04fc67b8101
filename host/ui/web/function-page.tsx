// One function: its versions (with Rollback), limits, imports, exports and env keys, usage charts, the live log
// tail, the invoke console and its dead letters.

import { useState } from 'preact/hooks';
import { ApiError, api, enc } from './api.js';
import { usePoll } from './use-poll.js';
import { UsageCharts } from './usage-charts.js';
import { LogTail } from './log-tail.js';
import { InvokeConsole } from './invoke-console.js';
import { DeadLetters } from './dead-letters.js';
import { ago, bytes, count } from './format.js';
import type { FunctionDetail, FunctionMeta } from './types.js';

export function FunctionPage({ name }: { name: string }) {
  const detail = usePoll(() => api<FunctionDetail>(`/api/functions/${enc(name)}`), 5000, [name]);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);

  if (detail.error instanceof ApiError && detail.error.code === 'function_not_found') {
    return (
      <section class="card">
        <h1>{name}</h1>
        <p class="error" role="alert">No function named {name} (deleted?). <a href="#/">Back to the functions</a></p>
      </section>
    );
  }
  const f = detail.data;

  const rollback = async (version: string) => {
    try {
      const meta = await api<FunctionMeta>(`/api/functions/${enc(name)}/rollback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version }) });
      setNote({ ok: true, text: `Rolled back: version ${meta.version} is live` });
      detail.reload();
    } catch (e) {
      setNote({ ok: false, text: `Rollback failed: ${e instanceof ApiError ? `${e.code} ${e.message}` : String(e)}` });
    }
  };

  return (
    <>
      <section class="card" aria-labelledby="fn-h">
        <h1 id="fn-h">{name}</h1>
        {!f ? (
          <p>{detail.error ? `Could not load: ${String((detail.error as Error).message)}` : 'Loading…'}</p>
        ) : (
          <>
            <dl class="meta">
              <dt>ABI</dt>
              <dd>{f.abi}</dd>
              <dt>Live version</dt>
              <dd><code data-testid="live-version">{f.live}</code></dd>
              <dt>Limits</dt>
              <dd>
                memory {f.limits.memoryMb} MB · timeout {count(f.limits.timeoutMs)} ms · fuel {count(f.limits.fuel)}
              </dd>
              <dt>Module</dt>
              <dd>{bytes(f.size)}, sha256 <code>{f.sha256.slice(0, 16)}…</code>, compiled in {f.compileMs} ms</dd>
              <dt>Env keys</dt>
              <dd>{f.env.length ? f.env.map((k) => <code key={k} class="chip">{k}</code>) : 'none'}</dd>
              <dt>Exports</dt>
              <dd>{f.exports.map((x) => <code key={x} class="chip">{x}</code>)}</dd>
              <dt>Imports</dt>
              <dd>{f.imports.length ? f.imports.map((i) => <code key={`${i.module}.${i.name}`} class="chip">{`${i.module}.${i.name}`}</code>) : 'none'}</dd>
              <dt>URL</dt>
              <dd><code>/fn/{name}</code></dd>
            </dl>
            <h2>Versions</h2>
            {note && <p class={note.ok ? 'ok' : 'error'} role={note.ok ? 'status' : 'alert'}>{note.text}</p>}
            <table class="versions">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Deployed</th>
                  <th scope="col">Size</th>
                  <th scope="col">Limits</th>
                  <th scope="col"><span class="sr-only">State</span></th>
                </tr>
              </thead>
              <tbody>
                {f.versions.map((v) => (
                  <tr key={v.version} data-version={v.version}>
                    <th scope="row"><code>{v.version}</code></th>
                    <td>{ago(v.createdAt)}</td>
                    <td>{bytes(v.size)}</td>
                    <td>{v.limits.memoryMb} MB · {count(v.limits.timeoutMs)} ms</td>
                    <td>{v.version === f.live ? <span class="pill live">live</span> : <button type="button" onClick={() => void rollback(v.version)}>Rollback</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
      <InvokeConsole name={name} />
      <LogTail name={name} />
      <UsageCharts name={name} />
      <DeadLetters name={name} />
    </>
  );
}

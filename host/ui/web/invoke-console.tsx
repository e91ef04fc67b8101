// Try a function from the page: method, path, headers, body; then its status, headers, body, and the
// server-timing phases as one bar.

import { useState } from 'preact/hooks';
import { serverTiming, ms } from './format.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const PHASE_COLORS: Record<string, string> = { queue: '#f59e0b', instantiate: '#8b5cf6', run: '#10b981' };

interface Answer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
  timing: { name: string; ms: number }[];
  elapsedMs: number;
}

export function InvokeConsole({ name }: { name: string }) {
  const [method, setMethod] = useState('GET');
  const [path, setPath] = useState('/');
  const [headers, setHeaders] = useState('');
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const send = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    const h = new Headers();
    for (const line of headers.split('\n')) {
      if (!line.trim()) continue;
      const colon = line.indexOf(':');
      if (colon <= 0) return setProblem(`Headers: "${line.slice(0, 40)}" is not "Name: value"`);
      try {
        h.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      } catch {
        return setProblem(`Headers: "${line.slice(0, 40)}" is not a header the browser can send`);
      }
    }
    const p = path.startsWith('/') || path === '' ? path : `/${path}`;
    setBusy(true);
    const t0 = performance.now();
    try {
      const res = await fetch(`/fn/${name}${p === '/' ? '' : p}`, {
        method,
        headers: h,
        body: method === 'GET' || method === 'HEAD' ? undefined : body,
        credentials: 'omit',
      });
      const text = await res.text();
      setAnswer({
        status: res.status,
        statusText: res.statusText,
        headers: [...res.headers.entries()],
        body: text,
        timing: serverTiming(res.headers.get('server-timing')),
        elapsedMs: performance.now() - t0,
      });
    } catch (err) {
      setProblem(`The request failed: ${String(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="invoke-h">
      <h2 id="invoke-h">Invoke</h2>
      <form class="grid" onSubmit={send}>
        <label for="i-method">Method</label>
        <select id="i-method" value={method} onChange={(e) => setMethod(e.currentTarget.value)}>
          {METHODS.map((m) => (
            <option key={m} value={m}>{m}</option>
          ))}
        </select>
        <label for="i-path">Path</label>
        <div class="path">
          <code>/fn/{name}</code>
          <input id="i-path" value={path} onInput={(e) => setPath(e.currentTarget.value)} spellcheck={false} />
        </div>
        <label for="i-headers">Headers</label>
        <textarea id="i-headers" rows={2} placeholder="Name: value, one per line" value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} spellcheck={false} />
        <label for="i-body">Body</label>
        <textarea id="i-body" rows={3} value={body} onInput={(e) => setBody(e.currentTarget.value)} spellcheck={false} />
        <span />
        <div>
          <button type="submit" disabled={busy}>Send</button>
        </div>
      </form>
      {problem && <p class="error" role="alert">{problem}</p>}
      {answer && <AnswerView a={answer} />}
    </section>
  );
}

function AnswerView({ a }: { a: Answer }) {
  const total = a.timing.reduce((s, t) => s + t.ms, 0);
  return (
    <div class="answer" aria-live="polite">
      <p>
        Status <strong data-testid="invoke-status">{a.status}</strong> {a.statusText} · {ms(a.elapsedMs)} in the browser
      </p>
      {a.timing.length > 0 && (
        <div class="timing">
          <div class="bar" role="img" aria-label={`Server timing: ${a.timing.map((t) => `${t.name} ${ms(t.ms)}`).join(', ')}`}>
            {a.timing.map((t) => (
              <span key={t.name} style={{ flexGrow: total > 0 ? t.ms / total : 1, background: PHASE_COLORS[t.name] ?? '#64748b' }} />
            ))}
          </div>
          <ul class="legend">
            {a.timing.map((t) => (
              <li key={t.name}>
                <span class="swatch" style={{ background: PHASE_COLORS[t.name] ?? '#64748b' }} /> {t.name} {ms(t.ms)}
              </li>
            ))}
          </ul>
        </div>
      )}
      <details>
        <summary>Headers ({a.headers.length})</summary>
        <table class="kv">
          <tbody>
            {a.headers.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <pre class="body" data-testid="invoke-body">{a.body}</pre>
    </div>
  );
}

// Deploys a module: a file input or a file dropped anywhere on the page, limits, and environment variables
// (KEY=value per line); shows the new version or every reason the host refused the module.

import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, authHeaders, errorFrom } from './api.js';
import type { FunctionMeta } from './types.js';

type Result = { ok: true; meta: FunctionMeta; created: boolean } | { ok: false; code: string; message: string; details: string[] };

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function DeployForm({ onDeployed }: { onDeployed: () => void }) {
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [memoryMb, setMemoryMb] = useState('');
  const [timeoutMs, setTimeoutMs] = useState('');
  const [fuel, setFuel] = useState('');
  const [env, setEnv] = useState('');
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const input = useRef<HTMLInputElement>(null);

  // Dropping a .wasm anywhere on the page picks it (and names the function after it when no name is set).
  useEffect(() => {
    const over = (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      const f = e.dataTransfer?.files[0];
      if (!f) return;
      e.preventDefault();
      setDragging(false);
      if (input.current && e.dataTransfer) input.current.files = e.dataTransfer.files;
      pick(f);
    };
    addEventListener('dragover', over);
    addEventListener('dragleave', leave);
    addEventListener('drop', drop);
    return () => {
      removeEventListener('dragover', over);
      removeEventListener('dragleave', leave);
      removeEventListener('drop', drop);
    };
  }, []);

  const pick = (f: File | null) => {
    setFile(f);
    if (f) setName((n) => n || f.name.replace(/\.wasm$/i, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 63));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const problems: string[] = [];
    if (!NAME_RE.test(name)) problems.push('Name: use 1-63 of a-z, 0-9 and "-", starting with a letter or digit');
    if (!file) problems.push('Module (.wasm): choose a file or drop one on the page');
    const limits: Record<string, number> = {};
    for (const [key, label, v] of [['memoryMb', 'Memory (MB)', memoryMb], ['timeoutMs', 'Timeout (ms)', timeoutMs], ['fuel', 'Fuel', fuel]] as const) {
      if (v.trim() === '') continue;
      if (!/^\d+$/.test(v.trim())) problems.push(`${label}: a positive whole number`);
      else limits[key] = Number(v.trim());
    }
    const envObj: Record<string, string> = {};
    for (const line of env.split('\n')) {
      if (!line.trim()) continue;
      const eq = line.indexOf('=');
      if (eq <= 0) problems.push(`Environment variables: "${line.slice(0, 40)}" is not KEY=value`);
      else envObj[line.slice(0, eq).trim()] = line.slice(eq + 1);
    }
    if (problems.length) {
      setResult({ ok: false, code: 'bad_request', message: 'Fix the form first', details: problems });
      return;
    }
    const body = new FormData();
    body.append('module', file!, file!.name);
    body.append('config', JSON.stringify({ limits, env: envObj }));
    setBusy(true);
    setResult(null);
    try {
      const res = await fetch(`/api/functions/${encodeURIComponent(name)}`, { method: 'PUT', body, headers: authHeaders() });
      if (!res.ok) throw await errorFrom(res);
      setResult({ ok: true, meta: (await res.json()) as FunctionMeta, created: res.status === 201 });
      onDeployed();
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, 'network', String(err));
      setResult({ ok: false, code: e.code, message: e.message, details: e.details });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class={`card${dragging ? ' dragging' : ''}`} aria-labelledby="deploy-h">
      <h2 id="deploy-h">Deploy</h2>
      <form class="grid" onSubmit={submit}>
        <label for="d-name">Name</label>
        <input id="d-name" value={name} onInput={(e) => setName(e.currentTarget.value)} autocomplete="off" spellcheck={false} />
        <label for="d-module">Module (.wasm)</label>
        <input id="d-module" ref={input} type="file" accept=".wasm,application/wasm" onChange={(e) => pick(e.currentTarget.files?.[0] ?? null)} />
        <label for="d-memory">Memory (MB)</label>
        <input id="d-memory" inputMode="numeric" placeholder="host default" value={memoryMb} onInput={(e) => setMemoryMb(e.currentTarget.value)} />
        <label for="d-timeout">Timeout (ms)</label>
        <input id="d-timeout" inputMode="numeric" placeholder="host default" value={timeoutMs} onInput={(e) => setTimeoutMs(e.currentTarget.value)} />
        <label for="d-fuel">Fuel</label>
        <input id="d-fuel" inputMode="numeric" placeholder="host default" value={fuel} onInput={(e) => setFuel(e.currentTarget.value)} />
        <label for="d-env">Environment variables</label>
        <textarea id="d-env" rows={3} placeholder="KEY=value, one per line" value={env} onInput={(e) => setEnv(e.currentTarget.value)} />
        <span />
        <div>
          <button type="submit" disabled={busy}>Deploy</button>
          <span class="hint"> or drop a .wasm file anywhere on the page</span>
        </div>
      </form>
      <div aria-live="polite">
        {result?.ok === true && (
          <p class="ok" role="status">
            {result.created ? 'Deployed' : 'Already deployed'} <a href={`#/functions/${result.meta.name}`}>{result.meta.name}</a> version <code>{result.meta.version}</code> ({result.meta.abi})
          </p>
        )}
        {result?.ok === false && (
          <div class="error" role="alert">
            <p>
              Deploy failed: <code>{result.code}</code> {result.message}
            </p>
            {result.details.length > 0 && (
              <ul class="reasons">
                {result.details.map((d, i) => (
                  <li key={i}>{d}</li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
    </section>
  );
}

// Asks for the admin token; checks it against the API before the dashboard is shown.

import { useState } from 'preact/hooks';

export function TokenForm({ problem, onSave }: { problem: string | null; onSave: (token: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <section class="card token">
      <h1>wasmfn</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onSave(value.trim());
        }}
      >
        <label for="token">Admin token</label>
        <input id="token" type="password" autocomplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit">Save token</button>
      </form>
      <p class="hint">The host printed it at its first start; it is in <code>data/token</code>. It is kept in this tab only.</p>
      {problem && <p class="error" role="alert">{problem}</p>}
    </section>
  );
}

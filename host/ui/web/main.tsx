// The dashboard's shell: the token gate, a hash router (#/ and #/functions/<name>), and the header.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiError, api, getToken, setToken, setUnauthorizedHandler } from './api.js';
import { TokenForm } from './token-form.js';
import { FunctionsPage } from './functions-page.js';
import { FunctionPage } from './function-page.js';

type Auth = { state: 'none' } | { state: 'checking' } | { state: 'ok' } | { state: 'refused'; message: string };

function route(): { page: 'list' } | { page: 'function'; name: string } {
  const m = /^#\/functions\/([a-z0-9-]+)/.exec(location.hash);
  return m ? { page: 'function', name: m[1]! } : { page: 'list' };
}

function App() {
  const [auth, setAuth] = useState<Auth>(getToken() ? { state: 'checking' } : { state: 'none' });
  const [where, setWhere] = useState(route());

  const check = async () => {
    setAuth({ state: 'checking' });
    try {
      await api('/api/functions');
      setAuth({ state: 'ok' });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setToken(null);
        setAuth({ state: 'refused', message: 'Wrong token: the host refused it (401 unauthorized). Check data/token and try again.' });
      } else {
        setAuth({ state: 'refused', message: `Could not reach the admin API: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
  };

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setToken(null);
      setAuth({ state: 'refused', message: 'Wrong token: the host refused it (401 unauthorized). Check data/token and try again.' });
    });
    const onHash = () => setWhere(route());
    addEventListener('hashchange', onHash);
    if (getToken()) void check();
    return () => removeEventListener('hashchange', onHash);
  }, []);

  if (auth.state === 'none' || auth.state === 'refused') {
    return (
      <main>
        <TokenForm
          problem={auth.state === 'refused' ? auth.message : null}
          onSave={(t) => {
            setToken(t);
            void check();
          }}
        />
      </main>
    );
  }
  if (auth.state === 'checking') return <main><p>Checking the token…</p></main>;
  return (
    <>
      <Header />
      <main>{where.page === 'function' ? <FunctionPage key={where.name} name={where.name} /> : <FunctionsPage />}</main>
    </>
  );
}

function Header() {
  const [report, setReport] = useState(false);
  useEffect(() => {
    fetch('/ui/bench/report.html', { method: 'HEAD' }).then((r) => setReport(r.ok), () => setReport(false));
  }, []);
  return (
    <header>
      <a class="brand" href="#/">wasmfn</a>
      <nav>
        <a href="#/">Functions</a>
        {report && <a href="/ui/bench/report.html" target="_blank" rel="noopener">Benchmark report</a>}
        <button
          type="button"
          class="link"
          onClick={() => {
            setToken(null);
            location.reload();
          }}
        >
          Forget token
        </button>
      </nav>
    </header>
  );
}

const root = document.getElementById('app')!;
// The placeholder is static markup of index.html; render() would keep it beside the app.
root.textContent = '';
render(<App />, root);

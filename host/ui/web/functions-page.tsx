// The front page: every function with its last hour, the deploy form, and the cluster's replicas when clustered.

import { api } from './api.js';
import { usePoll } from './use-poll.js';
import { Chart } from './chart.js';
import { DeployForm } from './deploy-form.js';
import { ClusterPanel } from './cluster-panel.js';
import { ago, count, ms } from './format.js';
import type { FunctionMeta, FunctionUsage, UsageMinutes } from './types.js';

const REFRESH_MS = 2000;

export function FunctionsPage() {
  const list = usePoll(async () => {
    const [fns, usage] = await Promise.all([
      api<{ functions: FunctionMeta[] }>('/api/functions'),
      api<UsageMinutes>('/api/usage/minutes?minutes=60'),
    ]);
    return { functions: fns.functions.sort((a, b) => a.name.localeCompare(b.name)), usage: new Map(usage.functions.map((u) => [u.function, u])) };
  }, REFRESH_MS);

  return (
    <>
      <section class="card">
        <h1>Functions</h1>
        {list.error ? <p class="error" role="alert">Could not load the functions: {String((list.error as Error).message ?? list.error)}</p> : null}
        {!list.data ? (
          <p>Loading…</p>
        ) : list.data.functions.length === 0 ? (
          <p>No functions deployed yet: deploy one below.</p>
        ) : (
          <table class="functions">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ABI</th>
                <th scope="col">Live version</th>
                <th scope="col">Invocations (1 h)</th>
                <th scope="col">Errors (1 h)</th>
                <th scope="col">p50</th>
                <th scope="col">p99</th>
                <th scope="col">Per minute</th>
                <th scope="col">Last call</th>
              </tr>
            </thead>
            <tbody>
              {list.data.functions.map((f) => (
                <FunctionRow key={f.name} meta={f} usage={list.data!.usage.get(f.name)} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <DeployForm onDeployed={list.reload} />
      <ClusterPanel />
    </>
  );
}

function FunctionRow({ meta, usage }: { meta: FunctionMeta; usage: FunctionUsage | undefined }) {
  const s = usage?.summary;
  return (
    <tr data-function={meta.name}>
      <th scope="row">
        <a href={`#/functions/${meta.name}`}>{meta.name}</a>
      </th>
      <td>{meta.abi}</td>
      <td><code>{meta.version}</code></td>
      <td class="num">{count(s?.invocations ?? 0)}</td>
      <td class={`num${s?.errors ? ' bad' : ''}`}>{count(s?.errors ?? 0)}</td>
      <td class="num">{ms(s?.p50)}</td>
      <td class="num">{ms(s?.p99)}</td>
      <td>
        {usage && (
          <Chart
            spark
            width={120}
            height={28}
            title={`${meta.name}: invocations per minute, last hour`}
            data={[usage.points.map((p) => p.t / 1000), usage.points.map((p) => p.invocations)]}
            series={[{ label: 'invocations', stroke: '#2563eb', fill: 'rgba(37,99,235,0.15)' }]}
          />
        )}
      </td>
      <td>{ago(usage?.lastCall ?? null)}</td>
    </tr>
  );
}

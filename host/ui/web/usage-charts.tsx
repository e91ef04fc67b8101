// A function's last hour, minute by minute: invocations by outcome, p50/p99 wall time, fuel, GB-seconds.

import { api, enc } from './api.js';
import { usePoll } from './use-poll.js';
import { Chart } from './chart.js';
import type { UsageMinutes } from './types.js';
import { count, ms } from './format.js';

const COLORS = ['#16a34a', '#dc2626', '#f59e0b', '#8b5cf6', '#0891b2', '#db2777', '#64748b'];

export function UsageCharts({ name }: { name: string }) {
  const usage = usePoll(() => api<UsageMinutes>(`/api/usage/minutes?minutes=60&function=${enc(name)}`), 3000, [name]);
  const u = usage.data?.functions[0];
  if (!u) return <section class="card"><h2>Usage</h2><p>{usage.error ? 'Could not load usage.' : 'Loading…'}</p></section>;
  const x = u.points.map((p) => p.t / 1000);
  const outcomes = ['ok', ...[...new Set(u.points.flatMap((p) => Object.keys(p.outcomes)))].filter((o) => o !== 'ok').sort()];
  return (
    <section class="card" aria-labelledby="usage-h">
      <h2 id="usage-h">Usage, last hour</h2>
      <p data-testid="usage-summary">
        {count(u.summary.invocations)} invocations, {count(u.summary.errors)} errors, p50 {ms(u.summary.p50)}, p99 {ms(u.summary.p99)}
      </p>
      <div class="charts">
        <Chart
          title="Invocations per minute by outcome"
          data={[x, ...outcomes.map((o) => u.points.map((p) => p.outcomes[o] ?? 0))]}
          series={outcomes.map((o, i) => ({ label: o, stroke: COLORS[i % COLORS.length]! }))}
        />
        <Chart
          title="Wall time (ms)"
          points
          data={[x, u.points.map((p) => p.p50), u.points.map((p) => p.p99)]}
          series={[{ label: 'p50', stroke: '#2563eb' }, { label: 'p99', stroke: '#dc2626' }]}
        />
        <Chart title="Fuel per minute" data={[x, u.points.map((p) => p.fuel)]} series={[{ label: 'fuel', stroke: '#8b5cf6' }]} />
        <Chart title="GB-seconds per minute" data={[x, u.points.map((p) => p.gbSeconds)]} series={[{ label: 'GB-s', stroke: '#0891b2' }]} />
      </div>
    </section>
  );
}

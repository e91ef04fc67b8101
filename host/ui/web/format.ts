// Numbers and times as the dashboard shows them.

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (v < 1) return `${Math.round(v * 1000)} µs`;
  if (v < 100) return `${v.toFixed(2)} ms`;
  return `${Math.round(v)} ms`;
}

export function count(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return v.toLocaleString('en-US');
}

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

export function time(iso: string): string {
  return new Date(iso).toISOString().slice(11, 23);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** `queue;dur=0.1, run;dur=2` as name -> ms, in the header's order. */
export function serverTiming(header: string | null): { name: string; ms: number }[] {
  if (!header) return [];
  const out: { name: string; ms: number }[] = [];
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().split(';');
    const dur = params.map((p) => /^\s*dur=([0-9.]+)\s*$/.exec(p)).find((m) => m);
    if (name && dur) out.push({ name: name.trim(), ms: Number(dur[1]) });
  }
  return out;
}

// The `triggers` field of a deploy config: what invokes a function besides HTTP. A topic trigger reads a local
// durable topic (embedded mode); a stream trigger a JetStream stream (cluster mode).

export interface TriggerConfig {
  /** Embedded: the topic published to with POST /api/topics/:topic. */
  topic?: string;
  /** Cluster: the JetStream stream, created if missing with `subjects`. */
  stream?: string;
  subjects?: string[];
  /** Messages fetched at a time (cluster). */
  batch: number;
  /** Deliveries of a message before it becomes a dead letter. */
  maxDeliver: number;
  /** One message in flight per subject, in order. */
  ordered: boolean;
}

export const DEFAULT_MAX_DELIVER = 5;
const TOPIC_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
const SUBJECT_RE = /^[^\s*>]+(\.[^\s.]+)*$|^([^\s.]+\.)*(\*|>)(\.[^\s.]+)*$/;
const FIELDS = ['topic', 'stream', 'subjects', 'batch', 'maxDeliver', 'ordered'];
const MAX_TRIGGERS = 16;

/** Checks `raw` (the config's `triggers`), adding each problem found to `problems`. */
export function checkTriggers(raw: unknown, problems: string[]): TriggerConfig[] {
  if (!Array.isArray(raw)) {
    problems.push('"triggers" must be an array');
    return [];
  }
  if (raw.length > MAX_TRIGGERS) problems.push(`at most ${MAX_TRIGGERS} triggers`);
  const out: TriggerConfig[] = [];
  const seen = new Set<string>();
  raw.forEach((t, i) => {
    const at = `triggers[${i}]`;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) return void problems.push(`${at} must be an object`);
    const o = t as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!FIELDS.includes(k)) problems.push(`unknown field "${at}.${k}"`);
    const c: TriggerConfig = { batch: 1, maxDeliver: DEFAULT_MAX_DELIVER, ordered: false };
    if ((o.topic === undefined) === (o.stream === undefined)) problems.push(`${at} needs either "topic" or "stream"`);
    if (o.topic !== undefined) {
      if (typeof o.topic !== 'string' || !TOPIC_RE.test(o.topic)) problems.push(`${at}.topic must match ${TOPIC_RE.source}`);
      else c.topic = o.topic;
      if (o.subjects !== undefined) problems.push(`${at}.subjects is for stream triggers`);
    }
    if (o.stream !== undefined) {
      if (typeof o.stream !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(o.stream)) problems.push(`${at}.stream must be 1-64 of A-Z, a-z, 0-9, "_" and "-"`);
      else c.stream = o.stream;
      if (o.subjects === undefined) c.subjects = [`${String(o.stream)}.>`];
      else if (!Array.isArray(o.subjects) || o.subjects.length === 0 || o.subjects.length > 16 || !o.subjects.every((s) => typeof s === 'string' && s.length <= 256 && SUBJECT_RE.test(s))) {
        problems.push(`${at}.subjects must be 1-16 NATS subjects`);
      } else c.subjects = o.subjects as string[];
    }
    if (o.batch !== undefined) {
      if (!Number.isInteger(o.batch) || (o.batch as number) < 1 || (o.batch as number) > 256) problems.push(`${at}.batch must be an integer from 1 to 256`);
      else c.batch = o.batch as number;
    }
    if (o.maxDeliver !== undefined) {
      if (!Number.isInteger(o.maxDeliver) || (o.maxDeliver as number) < 1 || (o.maxDeliver as number) > 100) problems.push(`${at}.maxDeliver must be an integer from 1 to 100`);
      else c.maxDeliver = o.maxDeliver as number;
    }
    if (o.ordered !== undefined) {
      if (typeof o.ordered !== 'boolean') problems.push(`${at}.ordered must be true or false`);
      else c.ordered = o.ordered;
    }
    const id = triggerId(c);
    if (seen.has(id)) problems.push(`${at} repeats another trigger's ${c.topic !== undefined ? 'topic' : 'stream'}`);
    seen.add(id);
    out.push(c);
  });
  return out;
}

/** A trigger's name within its function: "topic:<topic>" or "stream:<stream>". */
export function triggerId(t: TriggerConfig): string {
  return t.topic !== undefined ? `topic:${t.topic}` : `stream:${t.stream ?? ''}`;
}

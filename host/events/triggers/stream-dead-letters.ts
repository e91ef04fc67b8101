// Dead letters of stream triggers, shared by the replicas: a JetStream stream with a subject per function, so any
// replica lists what any other gave up on. The message's payload is the dead letter's data as it was, its facts go
// in headers, so a payload as large as NATS allows still fits.

import { headers as natsHeaders } from '@nats-io/transport-node';
import { DiscardPolicy, StorageType, type JsMsg } from '@nats-io/jetstream';
import type { ClusterConnection } from '../../cluster/connection.js';
import { asUnavailable } from '../../cluster/nats-errors.js';
import { ensureStream, readSubject } from '../../cluster/jetstream-setup.js';
import type { DeadLetter } from './trigger-service.js';

/** Dead letters kept per function: the oldest go first. */
export const KEPT_PER_FUNCTION = 1000;
/** Header values are one line; an error message longer than this is cut. */
const MAX_ERROR_CHARS = 1000;

export interface NewDeadLetter {
  fn: string;
  trigger: string;
  seq: number;
  subject: string;
  payload: Uint8Array;
  attempts: number;
  error: string;
}

export class StreamDeadLetters {
  private readonly stream: string;
  private ready: Promise<void> | null = null;

  constructor(private readonly cluster: ClusterConnection) {
    this.stream = cluster.name('trigger_dead');
  }

  /** Stored (acknowledged by JetStream) when this resolves; rejects while NATS is away. */
  async add(d: NewDeadLetter): Promise<void> {
    await this.ensure();
    const h = natsHeaders();
    h.set('Wasmfn-Trigger', d.trigger);
    h.set('Wasmfn-Seq', String(d.seq));
    h.set('Wasmfn-Subject', d.subject);
    h.set('Wasmfn-Attempts', String(d.attempts));
    h.set('Wasmfn-Error', oneLine(d.error));
    h.set('Wasmfn-Failed-At', new Date().toISOString());
    // The message id lets JetStream drop a second copy (a publish retried after its acknowledgement was lost).
    await this.cluster.js.publish(this.subject(d.fn), d.payload, { headers: h, msgID: `${d.fn}:${d.trigger}:${d.seq}` });
  }

  /** The newest `limit` dead letters of a function, newest first. */
  async list(fn: string, limit: number): Promise<DeadLetter[]> {
    try {
      await this.ensure();
      const msgs = await readSubject(this.cluster, this.stream, this.subject(fn));
      return msgs.slice(-limit).reverse().map(toDeadLetter);
    } catch (e) {
      return asUnavailable(e);
    }
  }

  /** Creates the stream once (or finds it made by another replica); tried again after a failure. */
  private ensure(): Promise<void> {
    this.ready ??= ensureStream(this.cluster, {
      name: this.stream,
      subjects: [this.cluster.subject('trigger_dead.>')],
      max_msgs_per_subject: KEPT_PER_FUNCTION,
      discard: DiscardPolicy.Old,
      storage: StorageType.File,
    }).catch((e: unknown) => {
      this.ready = null;
      throw e;
    });
    return this.ready;
  }

  private subject(fn: string): string {
    return this.cluster.subject(`trigger_dead.${fn}`);
  }
}

function toDeadLetter(m: JsMsg): DeadLetter {
  const h = m.headers;
  return {
    trigger: h?.get('Wasmfn-Trigger') ?? '',
    seq: Number(h?.get('Wasmfn-Seq') ?? 0),
    subject: h?.get('Wasmfn-Subject') ?? '',
    payloadBase64: Buffer.from(m.data).toString('base64'),
    attempts: Number(h?.get('Wasmfn-Attempts') ?? 0),
    error: h?.get('Wasmfn-Error') ?? '',
    failedAt: h?.get('Wasmfn-Failed-At') ?? new Date(m.info.timestampNanos / 1e6).toISOString(),
  };
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\0]+/g, ' ').slice(0, MAX_ERROR_CHARS);
}

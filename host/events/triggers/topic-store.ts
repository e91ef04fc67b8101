// Local durable topics on the embedded database: messages, one delivery row per message and consumer (a
// function's topic trigger) until it is acknowledged or becomes a dead letter, and the dead letters. A message is
// stored in the same transaction as its deliveries, so a crash after publish() returned loses nothing.

import type { EmbeddedDb } from '../../store/embedded-db.js';
import type { DeadLetter } from './trigger-service.js';

export interface Delivery {
  seq: number;
  subject: string;
  payload: Buffer;
  /** Deliveries so far (before this one). */
  attempts: number;
  nextAt: number;
}


export class TopicStore {
  private readonly stmts;

  constructor(private readonly db: EmbeddedDb) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS topic_messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, subject TEXT NOT NULL, payload BLOB NOT NULL,
        published_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS topic_consumers (
        consumer TEXT PRIMARY KEY, function TEXT NOT NULL, topic TEXT NOT NULL, last_error TEXT);
      CREATE TABLE IF NOT EXISTS topic_deliveries (
        consumer TEXT NOT NULL REFERENCES topic_consumers(consumer) ON DELETE CASCADE, seq INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (consumer, seq));
      CREATE TABLE IF NOT EXISTS topic_dead_letters (
        id INTEGER PRIMARY KEY AUTOINCREMENT, consumer TEXT NOT NULL, function TEXT NOT NULL, trigger TEXT NOT NULL,
        seq INTEGER NOT NULL, subject TEXT NOT NULL, payload BLOB NOT NULL, attempts INTEGER NOT NULL, error TEXT NOT NULL,
        failed_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS topic_dead_letters_function ON topic_dead_letters(function, id);
    `);
    this.stmts = {
      insertMessage: db.prepare('INSERT INTO topic_messages (topic, subject, payload, published_at) VALUES (?, ?, ?, ?)'),
      fanOut: db.prepare('INSERT INTO topic_deliveries (consumer, seq) SELECT consumer, ? FROM topic_consumers WHERE topic = ?'),
      consumers: db.prepare('SELECT consumer, function, topic FROM topic_consumers'),
      upsertConsumer: db.prepare('INSERT INTO topic_consumers (consumer, function, topic) VALUES (?, ?, ?) ON CONFLICT(consumer) DO NOTHING'),
      deleteConsumer: db.prepare('DELETE FROM topic_consumers WHERE consumer = ?'),
      due: db.prepare(`SELECT d.seq AS seq, m.subject AS subject, m.payload AS payload, d.attempts AS attempts, d.next_at AS nextAt
        FROM topic_deliveries d JOIN topic_messages m ON m.seq = d.seq WHERE d.consumer = ? AND d.seq > ? ORDER BY d.seq LIMIT ?`),
      ack: db.prepare('DELETE FROM topic_deliveries WHERE consumer = ? AND seq = ?'),
      retry: db.prepare('UPDATE topic_deliveries SET attempts = ?, next_at = ? WHERE consumer = ? AND seq = ?'),
      setError: db.prepare('UPDATE topic_consumers SET last_error = ? WHERE consumer = ?'),
      lastError: db.prepare('SELECT last_error AS e FROM topic_consumers WHERE consumer = ?'),
      pending: db.prepare('SELECT COUNT(*) AS n FROM topic_deliveries WHERE consumer = ?'),
      gc: db.prepare('DELETE FROM topic_messages WHERE seq = ? AND NOT EXISTS (SELECT 1 FROM topic_deliveries WHERE seq = ?)'),
      gcAll: db.prepare('DELETE FROM topic_messages WHERE NOT EXISTS (SELECT 1 FROM topic_deliveries d WHERE d.seq = topic_messages.seq)'),
      dead: db.prepare(`INSERT INTO topic_dead_letters (consumer, function, trigger, seq, subject, payload, attempts, error, failed_at)
        SELECT ?, ?, 'topic:' || m.topic, m.seq, m.subject, m.payload, ?, ?, ? FROM topic_messages m WHERE m.seq = ?`),
      deadLetters: db.prepare('SELECT trigger, seq, subject, payload, attempts, error, failed_at AS failedAt FROM topic_dead_letters WHERE function = ? ORDER BY id DESC LIMIT ?'),
    };
  }

  /** Stores a message and a delivery for every consumer of its topic; its sequence number. */
  publish(topic: string, subject: string, payload: Uint8Array): number {
    return this.db.transaction(() => {
      const seq = Number(this.stmts.insertMessage.run(topic, subject, payload, Date.now()).lastInsertRowid);
      this.stmts.fanOut.run(seq, topic);
      return seq;
    })();
  }

  /** Makes the stored consumers exactly `wanted` (consumer id → function, topic); a new one starts at the next message. */
  syncConsumers(wanted: Map<string, { fn: string; topic: string }>): void {
    this.db.transaction(() => {
      for (const row of this.stmts.consumers.all() as { consumer: string }[]) {
        if (!wanted.has(row.consumer)) this.stmts.deleteConsumer.run(row.consumer);
      }
      for (const [id, w] of wanted) this.stmts.upsertConsumer.run(id, w.fn, w.topic);
      this.stmts.gcAll.run();
    })();
  }

  /** Up to `limit` deliveries of the consumer after `afterSeq`, oldest first (due or not). */
  deliveries(consumer: string, afterSeq: number, limit: number): Delivery[] {
    return this.stmts.due.all(consumer, afterSeq, limit) as Delivery[];
  }

  ack(consumer: string, seq: number): void {
    this.db.transaction(() => {
      this.stmts.ack.run(consumer, seq);
      this.stmts.gc.run(seq, seq);
    })();
  }

  retry(consumer: string, seq: number, attempts: number, nextAt: number, error: string): void {
    this.db.transaction(() => {
      this.stmts.retry.run(attempts, nextAt, consumer, seq);
      this.stmts.setError.run(error, consumer);
    })();
  }

  /** Moves the delivery to the dead letters (with the message's payload). */
  deadLetter(consumer: string, fn: string, seq: number, attempts: number, error: string): void {
    this.db.transaction(() => {
      this.stmts.dead.run(consumer, fn, attempts, error, Date.now(), seq);
      this.stmts.ack.run(consumer, seq);
      this.stmts.gc.run(seq, seq);
      this.stmts.setError.run(error, consumer);
    })();
  }

  pending(consumer: string): number {
    return (this.stmts.pending.get(consumer) as { n: number }).n;
  }

  lastError(consumer: string): string | null {
    return (this.stmts.lastError.get(consumer) as { e: string | null } | undefined)?.e ?? null;
  }

  deadLetters(fn: string, limit: number): DeadLetter[] {
    type Row = { trigger: string; seq: number; subject: string; payload: Buffer; attempts: number; error: string; failedAt: number };
    return (this.stmts.deadLetters.all(fn, limit) as Row[]).map((r) => ({
      trigger: r.trigger, seq: r.seq, subject: r.subject, payloadBase64: r.payload.toString('base64'),
      attempts: r.attempts, error: r.error, failedAt: new Date(r.failedAt).toISOString(),
    }));
  }
}

// One connection to the cluster's NATS, shared by every cluster backend (registry, queue, KV, topics, usage,
// presence). Names of buckets, streams and subjects all go through `name()` so that WASMFN_CLUSTER keeps several
// clusters apart on one NATS.

import os from 'node:os';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { WasmfnError } from '../errors.js';

export interface ClusterConnection {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  kvm: Kvm;
  objm: Objm;
  /** This replica's id (WASMFN_REPLICA, or host name and port: the server sets it once it listens). */
  replica: string;
  /** `<cluster>_<part>` for buckets and streams, `<cluster>.<part>` for subjects. */
  name(part: string): string;
  subject(part: string): string;
  /** True while the client is connected (it reconnects by itself, forever). */
  connected(): boolean;
  /** Called on every connect/disconnect change. */
  onStatus(fn: (connected: boolean) => void): () => void;
  close(): Promise<void>;
}

export interface ClusterConnectOptions {
  natsUrl: string;
  cluster: string;
  replica: string | null;
  /** The HTTP port, to name the replica when WASMFN_REPLICA is unset. */
  port: number;
}

export async function connectCluster(o: ClusterConnectOptions): Promise<ClusterConnection> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: o.natsUrl,
      name: `wasmfn-${o.cluster}`,
      // A replica outlives any NATS outage: it keeps serving what it has and reconnects on its own.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: false,
      timeout: 5000,
    });
  } catch (e) {
    throw new WasmfnError('unavailable', `cannot connect to NATS at ${o.natsUrl}: ${(e as Error).message}`);
  }
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc).catch((e: Error) => {
    void nc.close();
    throw new WasmfnError('unavailable', `NATS at ${o.natsUrl} has no JetStream (start nats-server with -js): ${e.message}`);
  });
  let isUp = true;
  const listeners = new Set<(connected: boolean) => void>();
  const set = (up: boolean) => {
    if (up === isUp) return;
    isUp = up;
    for (const fn of listeners) fn(up);
  };
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'staleConnection') set(false);
      else if (s.type === 'reconnect') set(true);
    }
  })();
  return {
    nc, js, jsm,
    kvm: new Kvm(js),
    objm: new Objm(js),
    replica: o.replica ?? `${os.hostname()}:${o.port}`,
    name: (part) => `${o.cluster}_${part}`,
    subject: (part) => `${o.cluster}.${part}`,
    connected: () => isUp && !nc.isClosed(),
    onStatus: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close: async () => {
      await nc.drain().catch(() => nc.close());
    },
  };
}

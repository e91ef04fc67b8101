// Child process of the cluster benchmark: one replica, configured by the environment (WASMFN_NATS_URL, PORT,
// WASMFN_DATA, WASMFN_TOKEN, WASMFN_REPLICA, WASMFN_WORKERS), stopped in good order by SIGTERM.

import { startHost } from '../server.js';

const host = await startHost({ deployExamples: false });
process.once('SIGTERM', () => void host.close().then(() => process.exit(0)));

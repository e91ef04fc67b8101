// A RequestSource over a decoded GuestRequest: what tests and benchmarks hand the ABIs directly. (In the host the
// main thread encodes the wire once, into memory shared with the worker: see sandbox/job-codec.ts.)

import type { GuestRequest, RequestSource } from './types.js';
import { encodeRequest, type EncodedRequest } from './sdk-wire.js';

export function requestSource(req: GuestRequest): RequestSource {
  let encoded: EncodedRequest | null = null;
  const wire = (): EncodedRequest => (encoded ??= encodeRequest(req));
  return {
    get wireLength() {
      return wire().length;
    },
    writeWire(dest, at) {
      const w = wire();
      dest.set(w.head, at);
      dest.set(w.body, at + w.head.length);
    },
    body: req.body,
    decoded: () => req,
  };
}

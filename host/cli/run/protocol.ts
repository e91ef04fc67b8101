// What `wasmfn run` hands its guest thread, and what comes back.

export interface RunGuestJob {
  /** The prepared module (memory imported, fuel metered). */
  bytes: Uint8Array;
  memory: { initialPages: number; maximumPages: number } | null;
  fuel: number;
  /** argv, program name first. */
  args: string[];
  env: string[];
  dirs: { hostDir: string; guestDir: string }[];
}

export type RunGuestReply = { kind: 'exit'; code: number } | { kind: 'error'; code: string; message: string };

/** Posted once the module is compiled, just before the guest starts: its deadline runs from here. */
export const STARTED = 'started';

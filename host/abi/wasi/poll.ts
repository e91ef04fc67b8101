// poll_oneoff: clock subscriptions sleep; stdio and file subscriptions are always ready; anything else is EBADF.

import { ERRNO, EVENTTYPE, LAYOUT, SUBCLOCKFLAGS_ABSTIME } from './defs.js';
import type { GuestMemory } from './memory.js';
import { clockNow, sleepNs } from './clock.js';

export interface PollHost {
  startNs: bigint;
  isOpen(fd: number): boolean;
  stdinRemaining(): number;
  /** Which standard stream fd is, or null. */
  stdioStream(fd: number): number | null;
  /** A non-stdio fd's state; null for stdio. */
  fdReadiness(fd: number, read: boolean): { error: number; nbytes: bigint } | null;
}

interface Event {
  userdata: bigint;
  error: number;
  type: number;
  nbytes: bigint;
}

interface ClockWait {
  userdata: bigint;
  /** Nanoseconds from now until the subscription fires. */
  remainingNs: bigint;
}

/**
 * Most subscriptions one call takes. A guest has three fds and a few clocks to wait on; poll(2) likewise answers
 * EINVAL past its own limit (RLIMIT_NOFILE). The count is the guest's, so it is checked before anything is sized by it.
 */
export const MAX_SUBSCRIPTIONS = 1024;

export function pollOneoff(m: GuestMemory, host: PollHost, inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number {
  const count = nsubs >>> 0;
  if (count === 0 || count > MAX_SUBSCRIPTIONS) return ERRNO.INVAL;
  const inBase = inPtr >>> 0;
  const outBase = outPtr >>> 0;
  m.bytes(inBase, count * LAYOUT.SUBSCRIPTION_SIZE);
  m.bytes(outBase, count * LAYOUT.EVENT_SIZE);
  m.bytes(neventsPtr, 4);

  const ready: Event[] = [];
  const clocks: ClockWait[] = [];
  for (let i = 0; i < count; i++) {
    const base = inBase + i * LAYOUT.SUBSCRIPTION_SIZE;
    const userdata = m.u64(base);
    const tag = m.u8At(base + 8);
    if (tag === EVENTTYPE.CLOCK) {
      const id = m.u32(base + 16);
      const timeout = m.u64(base + 24);
      const flags = m.u16(base + 40);
      const now = clockNow(id, host.startNs);
      if (now === null) ready.push({ userdata, error: ERRNO.INVAL, type: tag, nbytes: 0n });
      else clocks.push({ userdata, remainingNs: flags & SUBCLOCKFLAGS_ABSTIME ? timeout - now : timeout });
    } else if (tag === EVENTTYPE.FD_READ || tag === EVENTTYPE.FD_WRITE) {
      const fd = m.u32(base + 16);
      const other = host.fdReadiness(fd, tag === EVENTTYPE.FD_READ);
      if (other !== null) {
        ready.push({ userdata, error: other.error, type: tag, nbytes: other.nbytes });
        continue;
      }
      const stream = host.stdioStream(fd);
      const ok = stream !== null && (tag === EVENTTYPE.FD_READ ? stream === 0 : stream !== 0);
      const nbytes = ok && tag === EVENTTYPE.FD_READ ? BigInt(host.stdinRemaining()) : 0n;
      ready.push({ userdata, error: ok ? ERRNO.SUCCESS : ERRNO.BADF, type: tag, nbytes });
    } else {
      return ERRNO.INVAL;
    }
  }

  // Nothing ready yet: sleep until the earliest clock; then every clock due by then fires.
  let waitedNs = 0n;
  if (ready.length === 0) {
    waitedNs = clocks.reduce((min, c) => (c.remainingNs < min ? c.remainingNs : min), clocks[0]!.remainingNs);
    sleepNs(waitedNs);
  }
  for (const c of clocks) {
    if (c.remainingNs <= waitedNs) ready.push({ userdata: c.userdata, error: ERRNO.SUCCESS, type: EVENTTYPE.CLOCK, nbytes: 0n });
  }

  m.sync(); // no guest code ran, but keep the rule: views are re-derived before writing
  ready.forEach((e, i) => {
    const base = outBase + i * LAYOUT.EVENT_SIZE;
    m.fill(base, LAYOUT.EVENT_SIZE);
    m.setU64(base, e.userdata);
    m.setU16(base + 8, e.error);
    m.setU8(base + 10, e.type);
    m.setU64(base + 16, e.nbytes);
  });
  m.setU32(neventsPtr, ready.length);
  return ERRNO.SUCCESS;
}

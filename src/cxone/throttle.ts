import type { HostAbortSignal } from '../host.js';

/** At most `limit` requests in any `windowMs`, e.g. 100 per 60,000 ms. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** SPEC 5: a cool-down holds the other requests of the run for at most this long. */
export const MAX_COOL_DOWN_MS = 60_000;

export type AcquireOutcome =
  | { ok: true }
  | { ok: false; reason: 'cancelled' }
  /** The deadline really passed while waiting for a rate-limit slot. */
  | { ok: false; reason: 'rate_limit' }
  /** The deadline really passed while another request's 429 held every request back. */
  | { ok: false; reason: 'cool_down'; origin: string };

/** A chain let in by `admit`; releasing twice is harmless. */
export interface Admission {
  release(): void;
}

export interface Throttle {
  /**
   * Waits for the tenant's cool-down and a free slot of the rate limit, then counts the request.
   * It never gives up before the deadline has really passed (SPEC 4: a rate limit paces).
   */
  acquire(options: { signal?: HostAbortSignal | undefined; deadline?: number | undefined }): Promise<AcquireOutcome>;
  /**
   * Waits until a chain may start: no cool-down, and a slot of the current window that no running
   * request and no other admitted chain holds. The admission holds that slot until its chain's
   * first request takes a real one, or the chain ends (`release`). Undefined when cancelled.
   */
  admit(signal?: HostAbortSignal): Promise<Admission | undefined>;
  /**
   * A 429 said when to come back: every new request of the run waits until then, for at most
   * `MAX_COOL_DOWN_MS` (issue 12: one `Retry-After: 3600` must not hold the run for an hour).
   * `origin` names what drew it, for the message of a chain that runs out of time waiting.
   */
  coolDown(until: number, origin: string): void;
}

/**
 * Requests reach the server a little later than they leave here, and not all equally late, so a
 * window measured here must be a little longer than the server's not to overrun it.
 */
const ARRIVAL_SLACK = 0.02;
/**
 * Plus this much whatever the window: the first requests of a run also open their connections,
 * and so arrive tens of milliseconds later than requests on connections already open.
 */
const ARRIVAL_SLACK_MS = 30;

/** How often a chain waiting to start looks again while the slots are held by admitted chains. */
const ADMISSION_POLL_MS = 50;

/**
 * The run-wide limiter shared by all chains (SPEC 4 `--rate-limit`). A sliding log rather than a
 * token bucket: a bucket allows its burst plus the refill within one window — up to twice the
 * limit — while tenants count requests in a window; the log never sends more than `limit` in any
 * window, and still sends the first `limit` at once. Slots are reserved in call order (FIFO), so
 * no chain starves, and only when they fall before the caller's deadline.
 */
export function createThrottle(
  rate: RateLimit | undefined,
  now: () => number,
  sleep: (ms: number, signal?: HostAbortSignal) => Promise<boolean>,
): Throttle {
  const windowMs = rate ? rate.windowMs * (1 + ARRIVAL_SLACK) + ARRIVAL_SLACK_MS : 0;
  // Reserved send times of the last `limit` requests, in a ring.
  const times: number[] = [];
  let head = 0;
  let pausedUntil = 0;
  let pausedBy = '';
  let gate: Promise<void> = Promise.resolve();
  // Chains admitted that have not taken a real slot yet.
  let pending = 0;

  /** The earliest time a request asking at `at` could leave. */
  const earliest = (at: number): number => {
    const slot = Math.max(at, pausedUntil);
    if (!rate || times.length < rate.limit) return slot;
    return Math.max(slot, (times[head] as number) + windowMs);
  };
  /**
   * How long until one more chain may start (0: now). Requests of the window and admitted chains
   * that have not sent yet both hold a slot; without a free one, wait for the oldest to expire, or
   * briefly for an admitted chain to send or end.
   */
  const admissionWait = (t: number): number => {
    if (pausedUntil > t) return pausedUntil - t;
    if (!rate) return 0;
    const held = times.filter((at) => at > t - windowMs).sort((a, b) => a - b);
    const over = held.length + pending - rate.limit;
    if (over < 0) return 0;
    const expiry = held[over];
    return expiry === undefined ? ADMISSION_POLL_MS : Math.max(1, Math.min(expiry + windowMs - t, ADMISSION_POLL_MS));
  };
  // Future slots are reserved in call order (FIFO): each waiter sleeps once, to its own slot.
  const reserve = (slot: number) => {
    if (!rate) return;
    if (times.length < rate.limit) times.push(slot);
    else {
      times[head] = slot;
      head = (head + 1) % rate.limit;
    }
  };

  return {
    async acquire({ signal, deadline }) {
      for (;;) {
        if (signal?.aborted) return { ok: false, reason: 'cancelled' };
        const t = now();
        const slot = earliest(t);
        if (deadline !== undefined && slot >= deadline) {
          // No slot is taken that cannot be used; the deadline really passes before the chain fails.
          const held = pausedUntil >= deadline;
          const origin = pausedBy;
          if (deadline > t && !(await sleep(deadline - t, signal))) return { ok: false, reason: 'cancelled' };
          return held ? { ok: false, reason: 'cool_down', origin } : { ok: false, reason: 'rate_limit' };
        }
        reserve(slot);
        if (slot > t && !(await sleep(slot - t, signal))) return { ok: false, reason: 'cancelled' };
        // A cool-down that began while this request waited applies to it too.
        if (now() >= pausedUntil) return { ok: true };
      }
    },
    admit(signal) {
      // One waiter at a time, so many idle workers do not all wake for every freed slot.
      const turn = gate.then(async (): Promise<Admission | undefined> => {
        for (;;) {
          if (signal?.aborted) return undefined;
          const t = now();
          const wake = admissionWait(t);
          if (wake <= 0) {
            pending += 1;
            let held = true;
            return {
              release() {
                if (held) pending -= 1;
                held = false;
              },
            };
          }
          if (!(await sleep(wake, signal))) return undefined;
        }
      });
      gate = turn.then(
        () => undefined,
        () => undefined,
      );
      return turn;
    },
    coolDown(until, origin) {
      const capped = Math.min(until, now() + MAX_COOL_DOWN_MS);
      if (capped <= pausedUntil) return;
      pausedUntil = capped;
      pausedBy = origin;
    },
  };
}

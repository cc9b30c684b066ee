/** At most `limit` requests in any `windowMs`, e.g. 100 per 60,000 ms. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export type AcquireOutcome = 'ok' | 'cancelled' | 'global_timeout';

export interface Throttle {
  /** Waits for the tenant's cool-down and a free slot of the rate limit, then counts the request. */
  acquire(options: { signal?: AbortSignal | undefined; deadline?: number | undefined }): Promise<AcquireOutcome>;
  /** A 429 said when to come back: every new request of the run waits until then (issue 7). */
  coolDown(until: number): void;
}

/**
 * Requests reach the server a little later than they leave here, and not all equally late, so a
 * window measured here must be a little longer than the server's not to overrun it.
 */
const ARRIVAL_SLACK = 0.02;

/**
 * The run-wide limiter shared by all chains (SPEC 4 `--rate-limit`). A sliding log rather than a
 * token bucket: a bucket allows its burst plus the refill within one window — up to twice the
 * limit — while tenants count requests in a window; the log never sends more than `limit` in any
 * window, and still sends the first `limit` at once. Slots are reserved in call order (FIFO), so
 * no chain starves.
 */
export function createThrottle(
  rate: RateLimit | undefined,
  now: () => number,
  sleep: (ms: number, signal?: AbortSignal) => Promise<boolean>,
): Throttle {
  const windowMs = rate ? rate.windowMs * (1 + ARRIVAL_SLACK) : 0;
  // Reserved send times of the last `limit` requests, in a ring.
  const times: number[] = [];
  let head = 0;
  let pausedUntil = 0;

  const reserve = (at: number): number => {
    let slot = Math.max(at, pausedUntil);
    if (rate) {
      if (times.length < rate.limit) {
        times.push(slot);
        return slot;
      }
      slot = Math.max(slot, (times[head] as number) + windowMs);
      times[head] = slot;
      head = (head + 1) % rate.limit;
    }
    return slot;
  };

  return {
    async acquire({ signal, deadline }) {
      for (;;) {
        if (signal?.aborted) return 'cancelled';
        const t = now();
        const slot = reserve(t);
        if (deadline !== undefined && slot >= deadline) return 'global_timeout';
        if (slot > t && !(await sleep(slot - t, signal))) return 'cancelled';
        // A cool-down that began while this request waited applies to it too.
        if (now() >= pausedUntil) return 'ok';
      }
    },
    coolDown(until) {
      pausedUntil = Math.max(pausedUntil, until);
    },
  };
}

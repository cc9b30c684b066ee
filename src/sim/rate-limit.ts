import type { RateLimit } from './types.js';

const UNITS: Record<string, number> = { s: 1000, sec: 1000, m: 60_000, min: 60_000 };

/** '100/m' → { limit: 100, windowMs: 60000 }; also N/s, N/sec, N/min. */
export function parseRateLimit(text: string): RateLimit {
  const match = /^\s*(\d+)\s*\/\s*([a-z]+)\s*$/i.exec(text);
  const limit = Number(match?.[1]);
  const windowMs = UNITS[match?.[2]?.toLowerCase() ?? ''];
  if (!match || windowMs === undefined || !Number.isSafeInteger(limit) || limit < 1) {
    throw new Error(
      `Invalid rate limit "${text}": expected N/s or N/m (also N/sec, N/min) with N a whole number of at least 1, e.g. 100/m`,
    );
  }
  return { limit, windowMs };
}

/** 'per minute', 'per second' or 'per 1500 ms', for the 429 message. */
export function describeWindow(windowMs: number): string {
  if (windowMs === 60_000) return 'per minute';
  if (windowMs === 1000) return 'per second';
  return `per ${windowMs} ms`;
}

export interface RateLimiter {
  /** Counts a request at `now` and returns 0, or refuses it and returns the ms until a slot frees. */
  take(now: number): number;
  reset(): void;
}

/**
 * A sliding window: the times of the last `limit` accepted requests in a ring, so each request
 * costs O(1) whatever the limit. Refused requests do not count against the window.
 */
export function createRateLimiter({ limit, windowMs }: RateLimit): RateLimiter {
  // Grows to at most `limit` entries, so a huge limit costs only what is used.
  const times: number[] = [];
  let count = 0;
  let oldest = 0;
  return {
    take(now) {
      if (count === limit) {
        const frees = (times[oldest] ?? 0) + windowMs;
        if (frees > now) return frees - now;
        oldest = (oldest + 1) % limit;
        count--;
      }
      times[(oldest + count) % limit] = now;
      count++;
      return 0;
    },
    reset() {
      times.length = 0;
      count = 0;
      oldest = 0;
    },
  };
}

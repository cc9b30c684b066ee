import type { HttpAnswer } from './http.js';
import type { RetryPolicy, StepError } from './types.js';

/**
 * SPEC 5's classification: 429, 503 and failures before sending always; timeouts, 502, 504 and
 * resets after sending only for idempotent steps; never 500 or any other 4xx.
 */
export function isRetryable(error: StepError, sent: boolean, idempotent: boolean): boolean {
  switch (error.kind) {
    case 'rate_limited':
      return true;
    case 'network':
      return !sent || idempotent;
    case 'timeout':
      return idempotent;
    case 'http':
      return error.httpStatus === 503 || (idempotent && (error.httpStatus === 502 || error.httpStatus === 504));
    default:
      return false;
  }
}

/**
 * Exponential backoff with full jitter: retry n (1-based; `previousRetries` = n − 1) waits a random
 * time between `initialDelayMs` and `min(maxDelayMs, initialDelayMs × 2^n)`, so even the first
 * retries of many chains spread out instead of arriving together.
 */
export function backoffDelay(policy: RetryPolicy, previousRetries: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (previousRetries + 1));
  return policy.initialDelayMs + random() * Math.max(0, cap - policy.initialDelayMs);
}

/** `Retry-After` in ms: delta-seconds or an HTTP date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(answer: HttpAnswer | undefined, now: number): number | undefined {
  const value = answer?.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

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
 * A token request asks for nothing to be done, so it is retried on every failure of the server or
 * the way there (SPEC 5: 429, 503, any 5xx, timeouts); a refusal (400, 401, 403) is final.
 */
export function isTokenRetryable(error: StepError): boolean {
  if (error.kind === 'rate_limited' || error.kind === 'timeout' || error.kind === 'network') return true;
  return error.httpStatus !== undefined && error.httpStatus >= 500;
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

const DELAY_SECONDS = /^\d+$/;
// RFC 9110 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
const HTTP_DATES = [
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/** One `Retry-After` value in ms from `now`, or undefined when it is not one RFC 9110 allows. */
function parseRetryAfter(value: string, now: number): number | undefined {
  if (DELAY_SECONDS.test(value)) return Number(value) * 1000;
  if (!HTTP_DATES.some((form) => form.test(value))) return undefined;
  const date = Date.parse(value.endsWith('GMT') ? value : `${value} GMT`);
  // A past date means now.
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * `Retry-After` in ms (RFC 9110 10.2.3): a non-negative whole number of seconds or an HTTP date.
 * Anything else (negative, fractional, signed, text) is ignored, as is a header sent several times
 * with differing values; the same value sent twice (`3, 3`, `3,3`, or two field lines) counts once.
 */
export function retryAfterMs(answer: HttpAnswer | undefined, now: number): number | undefined {
  const value = answer?.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const single = parseRetryAfter(value, now);
  if (single !== undefined) return single;
  // A list (RFC 9110 5.6.1: commas with optional whitespace; Headers joins repeated fields the
  // same way). Its members are delays (no comma) or dates (IMF-fixdate and RFC 850 hold one).
  const pieces = value.split(/[ \t]*,[ \t]*/);
  for (const size of [1, 2]) {
    if (pieces.length % size !== 0 || pieces.length === size) continue;
    const members: string[] = [];
    for (let i = 0; i < pieces.length; i += size) members.push(pieces.slice(i, i + size).join(', '));
    if (members.every((member) => member === members[0])) {
      const wait = parseRetryAfter(members[0] as string, now);
      if (wait !== undefined) return wait;
    }
  }
  return undefined;
}

export interface RetryInput {
  error: StepError;
  /** Whether the request may have reached the server. */
  sent: boolean;
  idempotent: boolean;
  policy: RetryPolicy;
  /** Retries already made for this execution. */
  retries: number;
  /** The server's `Retry-After`, parsed, in ms. */
  retryAfterMs: number | undefined;
  /** Whether a 401 may still be answered with one fresh token. */
  mayReauthenticate: boolean;
  /** Now and the deadline, on one clock (ms). */
  now: number;
  deadline: number | undefined;
  /** A jitter draw in [0, 1), for the backoff. */
  jitter: number;
}

export type RetryDecision =
  | { action: 'reauthenticate' }
  | { action: 'retry'; waitMs: number; source: 'retry-after' | 'backoff' }
  | { action: 'fail'; because: 'final' | 'attempts_used' | 'deadline'; waitMs?: number };

/**
 * What to do after a failed attempt (SPEC 5), as one pure function of the failure, the attempt,
 * the policy, the time and the deadline, so every rule can be tested without a server or a clock.
 */
export function decideRetry(input: RetryInput): RetryDecision {
  const { error } = input;
  // A 401 on execute means the token went stale (revoked, clock skew): one fresh token, once.
  if (error.httpStatus === 401 && input.mayReauthenticate) return { action: 'reauthenticate' };
  if (!isRetryable(error, input.sent, input.idempotent)) return { action: 'fail', because: 'final' };
  if (input.retries + 1 >= input.policy.maxAttempts) return { action: 'fail', because: 'attempts_used' };
  const fromServer = input.retryAfterMs;
  const waitMs = fromServer ?? backoffDelay(input.policy, input.retries, () => input.jitter);
  // No wait may run past the deadline: the step fails at once with the real cause.
  if (input.deadline !== undefined && input.now + waitMs >= input.deadline)
    return { action: 'fail', because: 'deadline', waitMs };
  return { action: 'retry', waitMs, source: fromServer === undefined ? 'backoff' : 'retry-after' };
}

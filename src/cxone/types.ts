import type { HostAbortSignal } from '../host.js';
import type { Admission } from './throttle.js';

/**
 * The CXone client's public contract. The client knows nothing of chains: it executes one Data
 * Action with a retry policy and reports every attempt (SPEC 5).
 */

/** Failure kinds of SPEC 5; `unresolved_reference` and `cancelled` are produced by the engine. */
export type FailureKind =
  | 'http'
  | 'timeout'
  | 'network'
  | 'auth'
  | 'rate_limited'
  | 'invalid_response'
  | 'unresolved_reference'
  /** An `if:` or `expect:` that cannot be evaluated on the values of this run (SPEC 3.5). */
  | 'invalid_expression'
  /** An `expect:` that does not hold on the step's answer. */
  | 'expectation'
  /** The child chain of a chain step ended early (SPEC 3.3). */
  | 'child_failed'
  | 'global_timeout'
  | 'cancelled';

/** The one error shape of a failed step (STYLE 3); plain data, safe to serialise. */
export interface StepError {
  kind: FailureKind;
  /** Written for a person, built from context: `[POST] da-x: 503 Service Unavailable — <server message>`. */
  message: string;
  httpStatus?: number;
  /** The server's `message` field, else the first 500 characters of its body. */
  serverMessage?: string;
  /** The server's `code`, kept for support tickets. */
  code?: string;
  /** The server's `contextId`/`correlationId`, kept for support tickets. */
  contextId?: string;
  /** What to do about it, from the seed's error guide. */
  hint?: string;
}

/** Retry policy as data (STYLE 6). */
export interface RetryPolicy {
  /** Attempts in total, including the first. Default 4. */
  maxAttempts: number;
  /** Lower bound of the backoff wait, ms. Default 2000. */
  initialDelayMs: number;
  /** Upper bound of the backoff wait, ms. Default 12000. */
  maxDelayMs: number;
}

export interface AttemptInfo {
  attempt: number;
  requestId: string;
  /** Absent when no HTTP answer came (timeout, network). */
  httpStatus?: number;
  latencyMs: number;
  /** Set when the attempt failed. */
  error?: StepError;
}

export interface RetryInfo {
  /** The attempt that failed and is about to be retried. */
  attempt: number;
  reason: StepError;
  waitMs: number;
  /** `retry-after` when the wait came from the server's Retry-After header, else `backoff`. */
  waitSource: 'retry-after' | 'backoff';
}

/** What `ExecuteRequest.onRequest` is told about a request about to leave. */
export interface RequestInfo {
  /** The number this attempt will have: the same numbering as `AttemptInfo.attempt`. */
  attempt: number;
  /** The request's `X-Request-ID`. */
  requestId: string;
  /** The request's `Idempotency-Key`, the same for every attempt of the execution. */
  idempotencyKey: string;
}

export interface ExecuteRequest {
  actionId: string;
  /** JSON body; already resolved, no expressions. */
  payload: unknown;
  /** Bound of each attempt, ms. */
  timeoutMs: number;
  /** Allows retrying timeouts, 502, 504 and resets after sending (SPEC 5). */
  idempotent: boolean;
  retry: RetryPolicy;
  /** Same for every attempt of this execution. */
  idempotencyKey: string;
  /** Absolute time (ms since epoch, same clock as `ClientOptions.now`) nothing may run past. */
  deadline?: number;
  /** Aborts the request in flight and any wait; the result is then kind `cancelled`. */
  signal?: HostAbortSignal;
  /** The admission of the chain this request belongs to: its first request takes the slot it holds. */
  admission?: Admission | undefined;
  /**
   * Who asks, in words (`step profile of chain x`), for the message of another request that a
   * 429 to this one holds back. Default the action id.
   */
  origin?: string;
  /**
   * Called synchronously right before each execute request is handed to the HTTP layer, once the
   * token and the rate-limit slot are obtained: the last moment to record a request that may reach
   * the server (SPEC 6: the `request` audit line is written before the request leaves). Not called
   * for attempts that never get that far (a token that could not be obtained). If `signal` is
   * aborted when it returns, the request is not sent and the result is `cancelled`, with the
   * attempt not counted: a caller that fails to record the request aborts the signal here. An
   * exception it throws is not caught: `execute` rejects with it.
   */
  onRequest?: (info: RequestInfo) => void;
  onAttempt?: (info: AttemptInfo) => void;
  onRetry?: (info: RetryInfo) => void;
}

/**
 * `attempts` counts execute requests sent (SPEC 5: an attempt is one request); `tokenAttempts`
 * counts the token requests this execution waited for, apart.
 */
export type ExecuteResult =
  | { ok: true; httpStatus: number; data: unknown; attempts: number; tokenAttempts: number; latencyMs: number }
  | {
      ok: false;
      error: StepError;
      httpStatus?: number;
      attempts: number;
      tokenAttempts: number;
      latencyMs: number;
    };

export interface DataActionClient {
  execute(request: ExecuteRequest): Promise<ExecuteResult>;
  /**
   * Waits until a chain may start: no cool-down, and a rate-limit slot free for its first request,
   * held for it until that request takes it (pass the admission in `ExecuteRequest.admission`) or
   * it is released. A runner waits for it before starting a chain, so pacing never eats into a
   * chain's own deadline (SPEC 4). Undefined when `signal` aborts first.
   */
  admit?(signal?: HostAbortSignal): Promise<Admission | undefined>;
  /** Strings that must never appear in output: the client secret, access key secret, tokens. */
  secrets(): readonly string[];
  /** Closes kept-alive connections. */
  close(): Promise<void>;
}

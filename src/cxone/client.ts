import { randomUUID } from 'node:crypto';
import { readAnswerData } from './answer.js';
import { httpError, outcomeError, withHint, type Scrub } from './errors.js';
import { createHttp, stopSignal, type HttpAnswer, type StopReason } from './http.js';
import { backoffDelay, isRetryable, retryAfterMs } from './retry.js';
import type { ConnectionSettings } from './settings.js';
import { createThrottle, type RateLimit } from './throttle.js';
import { createTokenProvider, type AuthOutcome } from './token.js';
import type { DataActionClient, ExecuteRequest, ExecuteResult, StepError } from './types.js';

export interface ClientOptions {
  /** Clock, ms since the epoch; the same clock as `ExecuteRequest.deadline`. Default `Date.now`. */
  now?: () => number;
  /** Waits between attempts; resolves false when `signal` aborts first. Default a real timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<boolean>;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Called with each access token the moment it is obtained (GitHub Actions masks it). */
  onToken?: ((token: string) => void) | undefined;
  /** The tenant's limit, shared by every execution of this client. Default none. */
  rateLimit?: RateLimit | undefined;
  /** Answers larger than this fail the step. Default 10 MiB (SPEC 5). */
  maxAnswerBytes?: number;
  /**
   * Makes server-provided text safe before the client cuts, previews or folds it into a message
   * (the run's `redactor.text`), so a secret across a cut cannot leave a piece behind. Default
   * identity.
   */
  scrub?: Scrub;
}

/** One failed attempt, with what the retry decision needs. */
interface Failure {
  error: StepError;
  sent: boolean;
  answer?: HttpAnswer | undefined;
}

/** The CXone Data Action client (SPEC 5). It knows nothing of chains: one action, one retry policy. */
export function createClient(settings: ConnectionSettings, options: ClientOptions = {}): DataActionClient {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const scrub = options.scrub ?? ((text: string) => text);
  const http = createHttp(options.maxAnswerBytes !== undefined ? { maxBytes: options.maxAnswerBytes } : {});
  const tokens = createTokenProvider(settings, { http, now, onToken: options.onToken, scrub });
  const throttle = createThrottle(options.rateLimit, now, sleep);
  const [pathBefore, pathAfter] = splitOnce(settings.executePath, '{actionId}');

  /** One attempt (numbered `number` if it is sent): token, base URL, then the execute request. */
  const attempt = async (
    request: ExecuteRequest,
    requestId: string,
    number: number,
  ): Promise<
    { ok: true; status: number; data: unknown } | ({ ok: false; token?: string; unsent?: true } & Failure)
  > => {
    const what = `[POST] ${request.actionId}`;
    // Getting a token is shared by every chain, so one caller's timeout must not cancel it: the
    // caller only stops waiting at its own timeout, deadline or cancellation.
    const authWait = stopSignal({
      signal: request.signal,
      timeoutMs: request.timeoutMs,
      deadline: request.deadline,
      now,
    });
    let token: AuthOutcome<string>;
    let base: AuthOutcome<string>;
    try {
      token = await tokens.token(authWait.signal);
      if (!token.ok) return { ok: false, ...authFailure(token, authWait.reason(), request) };
      base = await tokens.apiBase(token.value, authWait.signal);
      if (!base.ok) return { ok: false, ...authFailure(base, authWait.reason(), request) };
    } finally {
      authWait.dispose();
    }
    // The rate limit counts requests as they leave, so its slot is taken only once nothing else can delay the send.
    const gate = await throttle.acquire({ signal: request.signal, deadline: request.deadline });
    if (gate === 'cancelled')
      return {
        ok: false,
        unsent: true,
        sent: false,
        error: { kind: 'cancelled', message: `${what}: cancelled while waiting for the rate limit` },
      };
    if (gate === 'global_timeout')
      return {
        ok: false,
        unsent: true,
        sent: false,
        error: withHint({
          kind: 'global_timeout',
          message: `${what}: the rate limit has no free slot before the chain's global timeout`,
        }),
      };
    request.onRequest?.({ attempt: number, requestId, idempotencyKey: request.idempotencyKey });
    // The hook is the caller's last word: one that could not record the request stops it here.
    if (request.signal?.aborted)
      return {
        ok: false,
        unsent: true,
        sent: false,
        error: { kind: 'cancelled', message: `${what}: cancelled before it was sent` },
      };
    const outcome = await http.send({
      url: `${base.value}${pathBefore}${encodeURIComponent(request.actionId)}${pathAfter}`,
      method: 'POST',
      headers: {
        authorization: `Bearer ${token.value}`,
        'content-type': 'application/json',
        accept: 'application/json',
        'x-request-id': requestId,
        'idempotency-key': request.idempotencyKey,
      },
      // ofetch serialises objects; a bare string or number must be JSON text as well.
      body: JSON.stringify(request.payload ?? null),
      timeoutMs: request.timeoutMs,
      deadline: request.deadline,
      signal: request.signal,
      now,
    });
    if (!outcome.ok)
      return {
        ok: false,
        error: outcomeError(what, outcome, request.timeoutMs),
        sent: outcome.stopped ? true : outcome.sent,
      };
    const answer = outcome.answer;
    if (answer.status < 200 || answer.status >= 300)
      return { ok: false, error: httpError(what, answer, scrub), sent: true, answer, token: token.value };
    const read = readAnswerData(what, answer, scrub);
    return read.ok
      ? { ok: true, status: answer.status, data: read.data }
      : { ok: false, error: read.error, sent: true };
  };

  const execute = async (request: ExecuteRequest): Promise<ExecuteResult> => {
    const started = performance.now();
    const done = (): number => performance.now() - started;
    let attempts = 0;
    let retries = 0;
    let reauthenticated = false;
    for (;;) {
      const requestId = randomUUID();
      const t0 = performance.now();
      const result = await attempt(request, requestId, attempts + 1);
      const latencyMs = performance.now() - t0;
      if (!result.ok && result.unsent) return { ok: false, error: result.error, attempts, latencyMs: done() };
      attempts += 1;
      if (result.ok) {
        request.onAttempt?.({ attempt: attempts, requestId, httpStatus: result.status, latencyMs });
        return { ok: true, httpStatus: result.status, data: result.data, attempts, latencyMs: done() };
      }
      const { error, answer } = result;
      request.onAttempt?.({
        attempt: attempts,
        requestId,
        ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
        latencyMs,
        error,
      });
      const fail = (e: StepError = error): ExecuteResult => ({
        ok: false,
        error: e,
        ...(e.httpStatus !== undefined ? { httpStatus: e.httpStatus } : {}),
        attempts,
        latencyMs: done(),
      });

      // A 401 on execute means the token went stale (revoked, clock skew): one fresh token, once.
      if (error.httpStatus === 401 && result.token !== undefined && !reauthenticated) {
        reauthenticated = true;
        tokens.invalidate(result.token);
        continue;
      }
      const waitFromServer = retryAfterMs(answer, now());
      // The tenant said when it will take requests again: hold back every chain of the run, not just this one.
      if (error.kind === 'rate_limited' && waitFromServer !== undefined) throttle.coolDown(now() + waitFromServer);
      if (retries + 1 >= request.retry.maxAttempts || !isRetryable(error, result.sent, request.idempotent))
        return fail();
      const waitMs = waitFromServer ?? backoffDelay(request.retry, retries, random);
      if (request.deadline !== undefined && now() + waitMs >= request.deadline) {
        return fail({
          ...error,
          message: `${error.message} (not retried: waiting ${(waitMs / 1000).toFixed(1)} s would pass the chain's global timeout)`,
        });
      }
      retries += 1;
      request.onRetry?.({
        attempt: attempts,
        reason: error,
        waitMs,
        waitSource: waitFromServer === undefined ? 'backoff' : 'retry-after',
      });
      if (!(await sleep(waitMs, request.signal)))
        return fail({ kind: 'cancelled', message: `[POST] ${request.actionId}: cancelled while waiting to retry` });
    }
  };

  return {
    execute,
    secrets: () => [
      settings.clientSecret,
      ...(settings.accessKeySecret ? [settings.accessKeySecret] : []),
      ...tokens.issued(),
    ],
    close: async () => http.close(),
  };
}

function authFailure(failure: Failure, stopped: StopReason | undefined, request: ExecuteRequest): Failure {
  if (!stopped) return failure;
  return {
    error: outcomeError(
      `[POST] ${request.actionId} (waiting for the access token)`,
      { ok: false, stopped },
      request.timeoutMs,
    ),
    sent: false,
  };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function splitOnce(text: string, marker: string): [string, string] {
  const at = text.indexOf(marker);
  return [text.slice(0, at), text.slice(at + marker.length)];
}

import { randomUUID } from 'node:crypto';
import type { HostAbortSignal } from '../host.js';
import { readAnswerData } from './answer.js';
import { explainFailure, httpError, outcomeError, withHint, type Scrub } from './errors.js';
import { createHttp, type HttpAnswer } from './http.js';
import { decideRetry, retryAfterMs } from './retry.js';
import type { ConnectionSettings } from './settings.js';
import { createThrottle, type RateLimit } from './throttle.js';
import { createTokenProvider } from './token.js';
import type { DataActionClient, ExecuteRequest, ExecuteResult, StepError } from './types.js';

export interface ClientOptions {
  /** Clock, ms since the epoch; the same clock as `ExecuteRequest.deadline`. Default `Date.now`. */
  now?: () => number;
  /** Waits between attempts; resolves false when `signal` aborts first. Default a real timer. */
  sleep?: (ms: number, signal?: HostAbortSignal) => Promise<boolean>;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Called with each access token the moment it is obtained (GitHub Actions masks it). */
  onToken?: ((token: string) => void) | undefined;
  /** Something a person should know that fails nothing (an odd token lifetime). Default ignored. */
  onWarning?: ((message: string) => void) | undefined;
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

/** The CXone Data Action client (SPEC 5). It knows nothing of chains: one action, one retry policy. */
export function createClient(settings: ConnectionSettings, options: ClientOptions = {}): DataActionClient {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const scrub = options.scrub ?? ((text: string) => text);
  const http = createHttp(options.maxAnswerBytes !== undefined ? { maxBytes: options.maxAnswerBytes } : {});
  const tokens = createTokenProvider(settings, {
    http,
    now,
    onToken: options.onToken,
    onWarning: options.onWarning,
    scrub,
    sleep,
    random,
  });
  const throttle = createThrottle(options.rateLimit, now, sleep);
  const [pathBefore, pathAfter] = splitOnce(settings.executePath, '{actionId}');

  /**
   * Everything before a request can leave — the token, the API base, the cool-down and the rate
   * limit. None of it is an attempt or bounded by `timeout_seconds`: only the deadline and
   * cancellation stop it (SPEC 5).
   */
  const prepare = async (
    request: ExecuteRequest,
  ): Promise<
    | { ok: true; token: string; base: string; tokenRequests: number }
    | { ok: false; error: StepError; tokenRequests: number }
  > => {
    const what = `[POST] ${request.actionId}`;
    const wait = deadlineSignal(request.signal, request.deadline, now);
    try {
      const token = await tokens.token(wait.signal, request.retry);
      const tokenRequests = token.requests;
      if (!token.ok)
        return {
          ok: false,
          error: waitFailure(token.error, wait.reason(), `${what} (waiting for the access token)`),
          tokenRequests,
        };
      const base = await tokens.apiBase(token.value, wait.signal);
      if (!base.ok)
        return {
          ok: false,
          error: waitFailure(base.error, wait.reason(), `${what} (discovering the API base)`),
          tokenRequests,
        };
      const gate = await throttle.acquire({ signal: request.signal, deadline: request.deadline });
      if (gate.ok) {
        // The slot held for this chain since it started is now a real one.
        request.admission?.release();
        return { ok: true, token: token.value, base: base.value, tokenRequests };
      }
      if (gate.reason === 'cancelled')
        return {
          ok: false,
          error: { kind: 'cancelled', message: `${what}: cancelled while waiting for the rate limit` },
          tokenRequests,
        };
      if (gate.reason === 'cool_down')
        return {
          ok: false,
          tokenRequests,
          error: {
            kind: 'rate_limited',
            message: `${what}: not sent: the tenant answered 429 to ${gate.origin}, and its Retry-After held every request of the run until after this chain's global timeout`,
            hint: 'the tenant allows about 100–200 requests per minute: set --rate-limit (e.g. 100/m) so chains are paced instead of throttled',
          },
        };
      return {
        ok: false,
        tokenRequests,
        error: withHint({
          kind: 'global_timeout',
          message: `${what}: the chain's global timeout passed while it waited for a --rate-limit slot`,
        }),
      };
    } finally {
      wait.dispose();
    }
  };

  const execute = async (request: ExecuteRequest): Promise<ExecuteResult> => {
    const what = `[POST] ${request.actionId}`;
    const started = performance.now();
    let attempts = 0;
    let retries = 0;
    let tokenAttempts = 0;
    let reauthenticated = false;
    const end = (
      result: { ok: true; httpStatus: number; data: unknown } | { ok: false; error: StepError },
    ): ExecuteResult =>
      result.ok
        ? { ...result, attempts, tokenAttempts, latencyMs: performance.now() - started }
        : {
            ...result,
            ...(result.error.httpStatus !== undefined ? { httpStatus: result.error.httpStatus } : {}),
            attempts,
            tokenAttempts,
            latencyMs: performance.now() - started,
          };
    for (;;) {
      const ready = await prepare(request);
      tokenAttempts += ready.tokenRequests;
      if (!ready.ok) return end(ready);
      const requestId = randomUUID();
      request.onRequest?.({ attempt: attempts + 1, requestId, idempotencyKey: request.idempotencyKey });
      // The hook is the caller's last word: one that could not record the request stops it here.
      if (request.signal?.aborted)
        return end({ ok: false, error: { kind: 'cancelled', message: `${what}: cancelled before it was sent` } });
      const t0 = performance.now();
      const sent = await send(request, ready, requestId);
      const latencyMs = performance.now() - t0;
      attempts += 1;
      if (sent.ok) {
        request.onAttempt?.({ attempt: attempts, requestId, httpStatus: sent.status, latencyMs });
        return end({ ok: true, httpStatus: sent.status, data: sent.data });
      }
      const { error, answer } = sent;
      request.onAttempt?.({
        attempt: attempts,
        requestId,
        ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
        latencyMs,
        error,
      });
      const waitFromServer = retryAfterMs(answer, now());
      // The tenant said when it will take requests again: hold back every chain of the run, not just this one.
      if (error.kind === 'rate_limited' && waitFromServer !== undefined)
        throttle.coolDown(now() + waitFromServer, `${request.actionId}${request.origin ? ` (${request.origin})` : ''}`);
      const decision = decideRetry({
        error,
        sent: sent.sent,
        idempotent: request.idempotent,
        policy: request.retry,
        retries,
        retryAfterMs: waitFromServer,
        mayReauthenticate: !reauthenticated,
        now: now(),
        deadline: request.deadline,
        jitter: random(),
      });
      if (decision.action === 'reauthenticate') {
        reauthenticated = true;
        tokens.invalidate(ready.token);
        continue;
      }
      if (decision.action === 'fail') return end({ ok: false, error: explainFailure(error, decision, { attempts }) });
      retries += 1;
      request.onRetry?.({ attempt: attempts, reason: error, waitMs: decision.waitMs, waitSource: decision.source });
      if (!(await sleep(decision.waitMs, request.signal)))
        return end({ ok: false, error: { kind: 'cancelled', message: `${what}: cancelled while waiting to retry` } });
    }
  };

  /** One execute request: the attempt, timed by its caller. */
  const send = async (
    request: ExecuteRequest,
    ready: { token: string; base: string },
    requestId: string,
  ): Promise<
    { ok: true; status: number; data: unknown } | { ok: false; error: StepError; sent: boolean; answer?: HttpAnswer }
  > => {
    const what = `[POST] ${request.actionId}`;
    const outcome = await http.send({
      url: `${ready.base}${pathBefore}${encodeURIComponent(request.actionId)}${pathAfter}`,
      method: 'POST',
      headers: {
        authorization: `Bearer ${ready.token}`,
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
        error: outcomeError(what, outcome, request.timeoutMs, { idempotent: request.idempotent }),
        sent: outcome.stopped ? true : outcome.sent,
      };
    const answer = outcome.answer;
    if (answer.status < 200 || answer.status >= 300)
      return { ok: false, error: httpError(what, answer, scrub), sent: true, answer };
    const read = readAnswerData(what, answer, scrub);
    return read.ok
      ? { ok: true, status: answer.status, data: read.data }
      : { ok: false, error: read.error, sent: true };
  };

  return {
    execute,
    admit: (signal) => throttle.admit(signal),
    secrets: () => [
      settings.clientSecret,
      ...(settings.accessKeySecret ? [settings.accessKeySecret] : []),
      ...tokens.issued(),
    ],
    close: async () => http.close(),
  };
}

/** A wait before sending that ended: the deadline or a cancellation wins over whatever was awaited. */
function waitFailure(error: StepError, stopped: 'global_timeout' | 'cancelled' | undefined, what: string): StepError {
  if (stopped === 'cancelled') return { kind: 'cancelled', message: `${what}: cancelled` };
  if (stopped === 'global_timeout')
    return withHint({ kind: 'global_timeout', message: `${what}: the chain's global timeout passed` });
  return error;
}

/** A signal that aborts with the caller's, or at the deadline, remembering which. */
function deadlineSignal(signal: AbortSignal | undefined, deadline: number | undefined, now: () => number) {
  const controller = new AbortController();
  let reason: 'global_timeout' | 'cancelled' | undefined;
  const stop = (why: 'global_timeout' | 'cancelled') => {
    reason ??= why;
    controller.abort();
  };
  const onAbort = () => stop('cancelled');
  if (signal?.aborted) stop('cancelled');
  signal?.addEventListener('abort', onAbort, { once: true });
  // setTimeout takes at most 2^31 − 1 ms; a deadline further off than that is no deadline today.
  const left = deadline === undefined ? undefined : deadline - now();
  const timer =
    left !== undefined && left < 2 ** 31 ? setTimeout(() => stop('global_timeout'), Math.max(0, left)) : undefined;
  return {
    signal: controller.signal,
    reason: () => reason,
    dispose() {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
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

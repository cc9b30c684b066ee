import { httpError, outcomeError, withHint, type Scrub } from './errors.js';
import type { Http, HttpAnswer, HttpOutcome, HttpRequest } from './http.js';
import type { ConnectionSettings } from './settings.js';
import { backoffDelay, isTokenRetryable, retryAfterMs } from './retry.js';
import type { RetryPolicy, StepError } from './types.js';

/** A token request or discovery document gets this long; it is shared, so no caller's timeout applies. */
const AUTH_TIMEOUT_MS = 15_000;
/** SPEC 5: refresh this long before `expires_in` runs out (half the lifetime for very short tokens). */
const REFRESH_BEFORE_MS = 30_000;
/** SPEC 5: an `expires_in` that is missing or not a positive number is taken as this, with a warning. */
const FALLBACK_EXPIRES_IN_S = 60;
/** What an HTTP header value can carry; a token with anything else cannot be sent as `Bearer`. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** The outcome of getting a token or a discovered URL; failures carry what the retry loop needs. */
export type AuthOutcome<T> =
  { ok: true; value: T } | { ok: false; error: StepError; sent: boolean; answer?: HttpAnswer };

/** A token, with how many token requests the caller waited for (SPEC 5 `token_attempts`). */
export type TokenOutcome = AuthOutcome<string> & { requests: number };

export interface TokenProvider {
  /**
   * A valid access token: cached, refreshed before expiry, one flight of requests for all callers
   * at once, retried under the policy of the step that started the flight (SPEC 5). A caller stops
   * waiting when `signal` aborts.
   */
  token(signal: AbortSignal | undefined, policy: RetryPolicy): Promise<TokenOutcome>;
  /** The API base URL: configured, or discovered once from the issuer with the token's tenant. */
  apiBase(token: string, signal?: AbortSignal): Promise<AuthOutcome<string>>;
  /** Forgets `token` after a 401, unless a newer one replaced it already. */
  invalidate(token: string): void;
  /** Every token obtained so far, for redaction. */
  issued(): readonly string[];
}

export interface TokenProviderOptions {
  http: Http;
  now: () => number;
  /** Called with each new token the moment it is obtained (GitHub Actions masks it). */
  onToken?: ((token: string) => void) | undefined;
  /** Applied to server-provided text before it is cut or quoted in a message. Default identity. */
  scrub?: Scrub | undefined;
  /** Waits between token requests; resolves false when cancelled. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<boolean>;
  /** Jitter source in [0, 1). */
  random: () => number;
  /** Something a person should know that does not fail anything (an odd `expires_in`). */
  onWarning?: ((message: string) => void) | undefined;
}

/** OAuth2 for CXone (SPEC 5): client credentials or the access-key password grant, with issuer discovery. */
export function createTokenProvider(settings: ConnectionSettings, options: TokenProviderOptions): TokenProvider {
  const { now, http } = options;
  const scrub = options.scrub ?? ((text: string) => text);
  const discover = (url: string, field: string) => discoverUrl(http, url, field, now, scrub);
  const issued: string[] = [];
  let cached: { token: string; refreshAt: number } | undefined;
  let pendingToken: Promise<TokenOutcome> | undefined;
  let warnedExpiry = false;
  const tokenUrl = memo(() =>
    settings.tokenUrl
      ? ok(settings.tokenUrl)
      : discover(`${settings.issuer}/.well-known/openid-configuration`, 'token_endpoint'),
  );
  let apiBase: ((token: string) => Promise<AuthOutcome<string>>) | undefined;

  const requestToken = async (): Promise<AuthOutcome<string>> => {
    const url = await tokenUrl();
    if (!url.ok) return url;
    const form = new URLSearchParams({ grant_type: settings.grant, scope: settings.scope });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (settings.grant === 'password') {
      form.set('username', settings.accessKeyId ?? '');
      form.set('password', settings.accessKeySecret ?? '');
    }
    if (settings.authMethod === 'basic') {
      headers.authorization = `Basic ${Buffer.from(`${settings.clientId}:${settings.clientSecret}`).toString('base64')}`;
    } else {
      form.set('client_id', settings.clientId);
      form.set('client_secret', settings.clientSecret);
    }
    // The URL may come from a discovery document: server text like any other.
    const what = `token request to ${scrub(url.value)}`;
    const outcome = await authRequest(
      http,
      what,
      { url: url.value, method: 'POST', headers, body: form.toString(), now },
      settings.tokenUrl ? 'the token URL (--token-url / CXONE_TOKEN_URL)' : 'the issuer (--issuer / CXONE_ISSUER)',
    );
    if (!outcome.ok) return outcome;
    const answer = outcome.answer;
    if (answer.status < 200 || answer.status >= 300) {
      const error = httpError(what, answer, scrub);
      // Any refusal other than throttling is about the credentials, whatever its status.
      const server =
        answer.status >= 500
          ? {
              ...error,
              hint: 'the token endpoint failed on its side: check the token URL (--token-url / CXONE_TOKEN_URL) and try again later',
            }
          : error;
      return {
        ok: false,
        error:
          error.kind === 'rate_limited' || answer.status >= 500
            ? server
            : withHint({ ...error, kind: 'auth', hint: undefined }),
        sent: true,
        answer,
      };
    }
    const body = parseJson(answer.text) as { access_token?: unknown; expires_in?: unknown } | undefined;
    const token = typeof body?.access_token === 'string' ? body.access_token : '';
    if (!token) {
      const said =
        body === undefined ? ` (it is not JSON: ${JSON.stringify(scrub(answer.text).trim().slice(0, 80))})` : '';
      return {
        ok: false,
        error: withHint({
          kind: 'auth',
          message: `${what}: the answer has no access_token${said}; check the token URL`,
          httpStatus: answer.status,
        }),
        sent: true,
      };
    }
    if (!HEADER_SAFE.test(token))
      return {
        ok: false,
        error: {
          kind: 'auth',
          message: `${what}: the access_token holds control or non-ASCII characters (or spaces), which an HTTP header cannot carry, so it cannot be sent`,
          httpStatus: answer.status,
          hint: 'check that the token URL is the OAuth2 token endpoint of your tenant; its answer is not a usable token',
        },
        sent: true,
      };
    const expiresIn = body?.expires_in;
    const valid = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0;
    if (!valid && !warnedExpiry) {
      warnedExpiry = true;
      options.onWarning?.(
        `the token endpoint's expires_in is ${expiresIn === undefined ? 'missing' : JSON.stringify(expiresIn)}, not a positive number of seconds: the token is taken to last ${FALLBACK_EXPIRES_IN_S} s`,
      );
    }
    const lifetimeMs = (valid ? expiresIn : FALLBACK_EXPIRES_IN_S) * 1000;
    cached = { token, refreshAt: now() + lifetimeMs - Math.min(REFRESH_BEFORE_MS, lifetimeMs / 2) };
    issued.push(token);
    options.onToken?.(token);
    return ok(token);
  };

  /** Token requests until one succeeds, is refused, or the policy's attempts are used (SPEC 5). */
  const tokenFlight = async (policy: RetryPolicy): Promise<TokenOutcome> => {
    for (let requests = 1; ; requests++) {
      const outcome = await requestToken();
      if (outcome.ok || !isTokenRetryable(outcome.error) || requests >= policy.maxAttempts)
        return { ...outcome, requests };
      const wait = retryAfterMs(outcome.answer, now()) ?? backoffDelay(policy, requests - 1, options.random);
      // Shared by every caller, so no caller's signal stops it; each stops waiting on its own.
      await options.sleep(wait);
    }
  };

  return {
    async token(signal, policy) {
      if (cached && now() < cached.refreshAt) return { ...ok(cached.token), requests: 0 };
      // The flight follows the policy of the step that started it; later callers join it.
      pendingToken ??= tokenFlight(policy).finally(() => (pendingToken = undefined));
      return raceAbort(pendingToken, signal);
    },
    async apiBase(token, signal) {
      if (settings.baseUrl) return ok(settings.baseUrl);
      apiBase ??= memoBy((t: string) => {
        const tenantId = tenantIdOf(t);
        if (!tenantId)
          return Promise.resolve({
            ok: false as const,
            sent: true,
            error: withHint({
              kind: 'auth',
              message:
                'the access token has no tenantId claim, so the API base cannot be discovered; set CXONE_BASE_URL (or --base-url)',
            }),
          });
        return discover(
          `${settings.issuer}/.well-known/cxone-configuration?tenantId=${encodeURIComponent(tenantId)}`,
          'api_endpoint',
        );
      });
      return raceAbort(apiBase(token), signal);
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
    issued: () => issued,
  };
}

async function discoverUrl(
  http: Http,
  url: string,
  field: string,
  now: () => number,
  scrub: Scrub,
): Promise<AuthOutcome<string>> {
  const what = `discovery document ${url}`;
  const outcome = await authRequest(
    http,
    what,
    { url, method: 'GET', headers: { accept: 'application/json' }, now },
    'the issuer (--issuer / CXONE_ISSUER)',
  );
  if (!outcome.ok) return outcome;
  if (outcome.answer.status < 200 || outcome.answer.status >= 300)
    return { ok: false, error: httpError(what, outcome.answer, scrub), sent: true, answer: outcome.answer };
  const value = (parseJson(outcome.answer.text) as Record<string, unknown> | undefined)?.[field];
  if (typeof value !== 'string' || !/^https?:\/\//.test(value)) {
    return {
      ok: false,
      sent: true,
      error: withHint({
        kind: 'invalid_response',
        message: `${what} has no \`${field}\` URL; check --issuer / CXONE_ISSUER`,
      }),
    };
  }
  return ok(value.replace(/\/+$/, ''));
}

/** A token or discovery request: shared by every chain, so bounded by its own timeout, not a caller's. */
async function authRequest(
  http: Http,
  what: string,
  request: Omit<HttpRequest, 'timeoutMs'>,
  setting: string,
): Promise<{ ok: true; answer: HttpAnswer } | { ok: false; error: StepError; sent: boolean }> {
  const outcome = await http.send({ ...request, timeoutMs: AUTH_TIMEOUT_MS });
  if (outcome.ok) return outcome;
  return { ok: false, error: unanswered(what, outcome, setting), sent: outcome.stopped ? true : outcome.sent };
}

/**
 * A token or discovery request that got no answer. Its time limit is cxchain's own, not the step's
 * `timeout_seconds`, and it is retried whatever the step's `idempotent`, so the hint points at the
 * URL it went to, not at the step or the base URL (SPEC 5: a hint fits the situation).
 */
function unanswered(what: string, outcome: Exclude<HttpOutcome, { ok: true }>, setting: string): StepError {
  const error = outcomeError(what, outcome, AUTH_TIMEOUT_MS);
  if (error.kind === 'timeout')
    return {
      ...error,
      message: `${what}: no answer within ${AUTH_TIMEOUT_MS / 1000} s`,
      hint: `check ${setting} and that the endpoint is up; try again later`,
    };
  if (error.kind === 'network')
    return { ...error, hint: `check ${setting}, DNS and proxy settings, and that the host is reachable from here` };
  return error;
}

/** The `tenantId` claim of a JWT access token, read without verifying (the server does that). */
export function tenantIdOf(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  const claims = parseJson(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown> | undefined;
  const id = claims?.tenantId ?? claims?.tenant_id;
  return typeof id === 'string' && id ? id : undefined;
}

function ok<T>(value: T): AuthOutcome<T> {
  return { ok: true, value };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A shared lookup done once; a failure is forgotten so the next attempt asks again. */
function memo<T>(load: () => Promise<AuthOutcome<T>> | AuthOutcome<T>): () => Promise<AuthOutcome<T>> {
  let pending: Promise<AuthOutcome<T>> | undefined;
  return () => {
    pending ??= Promise.resolve(load()).then((r) => {
      if (!r.ok) pending = undefined;
      return r;
    });
    return pending;
  };
}

function memoBy<T>(load: (key: string) => Promise<AuthOutcome<T>>): (key: string) => Promise<AuthOutcome<T>> {
  let stored: (() => Promise<AuthOutcome<T>>) | undefined;
  return (key) => {
    stored ??= memo(() => load(key));
    return stored();
  };
}

/** Waits for a shared promise, but lets one caller stop waiting without stopping it for the others. */
function raceAbort<T extends { ok: boolean }>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | (AuthOutcome<never> & { requests: 0 })> {
  if (!signal) return promise;
  const cancelled = {
    ok: false as const,
    sent: false,
    requests: 0 as const,
    error: { kind: 'cancelled' as const, message: 'cancelled while waiting for the access token' },
  };
  if (signal.aborted) return Promise.resolve(cancelled);
  return new Promise((resolve) => {
    const onAbort = () => resolve(cancelled);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((r) => {
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    });
  });
}

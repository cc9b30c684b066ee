import { ANSWER_HINTS, hintFor, type HintContext } from './hints.js';
import type { RetryDecision } from './retry.js';
import type { HttpAnswer, HttpOutcome } from './http.js';
import type { FailureKind, StepError } from './types.js';

const SERVER_MESSAGE_CHARS = 500;

/** Makes server-provided text safe to show (the run's redactor); identity by default. */
export type Scrub = (text: string) => string;

const asIs: Scrub = (text) => text;

/**
 * What the server said in an error answer: its `message`, `code` and `contextId`/`correlationId`.
 * Each is scrubbed before it is cut to 500 characters, so a secret the cut runs through cannot
 * leave a piece too short for redaction to recognise (SPEC 6).
 */
export function parseErrorBody(
  text: string,
  scrub: Scrub = asIs,
): Pick<StepError, 'serverMessage' | 'code' | 'contextId'> {
  const out: Pick<StepError, 'serverMessage' | 'code' | 'contextId'> = {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const message = firstString(b.message, b.error_description, b.error, b.Message);
    if (message) out.serverMessage = scrub(message).trim().slice(0, SERVER_MESSAGE_CHARS);
    const code = firstString(
      b.code,
      b.errorCode,
      typeof b.error === 'string' && message !== b.error ? b.error : undefined,
    );
    if (code) out.code = scrub(code).trim();
    const contextId = firstString(b.contextId, b.correlationId, b.ContextId, b.CorrelationId);
    if (contextId) out.contextId = scrub(contextId).trim();
  } else {
    const said = scrub(text).trim();
    if (said) out.serverMessage = said.slice(0, SERVER_MESSAGE_CHARS);
  }
  return out;
}

/** The first non-blank string as it is (scrub before trimming), else the first number. */
function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.trim()) return v;
  for (const v of values) if (typeof v === 'number') return String(v);
  return undefined;
}

/** A StepError for a non-2xx answer, its message built from context (STYLE 3); server text is scrubbed. */
export function httpError(what: string, answer: HttpAnswer, scrub: Scrub = asIs): StepError {
  const server = parseErrorBody(answer.text, scrub);
  const statusText = scrub(answer.statusText);
  const status = `${answer.status}${statusText ? ` ${statusText}` : ''}`;
  const kind: FailureKind =
    answer.status === 429 ? 'rate_limited' : answer.status === 401 || answer.status === 403 ? 'auth' : 'http';
  const said = server.serverMessage && server.serverMessage !== statusText ? ` — ${server.serverMessage}` : '';
  let message = `${what}: ${status}${said}`;
  const location = answer.headers.get('location');
  if (answer.status >= 300 && answer.status < 400 && location)
    message += ` (redirects to ${scrub(location)}; point the URL there)`;
  return withHint({ kind, message, httpStatus: answer.status, ...server });
}

/** A StepError for a request that got no answer. */
export function outcomeError(
  what: string,
  outcome: Exclude<HttpOutcome, { ok: true }>,
  timeoutMs: number,
  context: HintContext = {},
): StepError {
  switch (outcome.stopped) {
    case 'timeout':
      return withHint(
        {
          kind: 'timeout',
          message: `${what}: no answer within ${timeoutMs / 1000} s (timeout_seconds)`,
        },
        context,
      );
    case 'global_timeout':
      return withHint({ kind: 'global_timeout', message: `${what}: stopped at the chain's global timeout` });
    case 'cancelled':
      return { kind: 'cancelled', message: `${what}: cancelled` };
    default:
      if (outcome.tooLarge) {
        const error: StepError = {
          kind: 'invalid_response',
          message: `${what}: ${outcome.message} and was cut off`,
          ...(outcome.status !== undefined ? { httpStatus: outcome.status } : {}),
        };
        // A failing status has its own hint; a success that is too large came from the right place.
        const failed = outcome.status !== undefined && (outcome.status < 200 || outcome.status >= 300);
        return failed ? withHint(error) : { ...error, hint: ANSWER_HINTS.tooLarge };
      }
      return withHint({ kind: 'network', message: `${what}: ${outcome.message}` }, { ...context, sent: outcome.sent });
  }
}

export function withHint(error: StepError, context: HintContext = {}): StepError {
  const hint = hintFor(error.kind, error.httpStatus, context);
  return hint ? { ...error, hint } : error;
}

/** The step's final error once the retry decision said fail: why it was not retried, when that helps. */
export function explainFailure(
  error: StepError,
  decision: Extract<RetryDecision, { action: 'fail' }>,
  context: { attempts: number },
): StepError {
  if (decision.because === 'deadline' && decision.waitMs !== undefined)
    return {
      ...error,
      message: `${error.message} (not retried: waiting ${(decision.waitMs / 1000).toFixed(1)} s would pass the chain's global timeout)`,
    };
  // Retries were made and all were refused: say so, and what waiting longer takes.
  if (
    decision.because === 'attempts_used' &&
    context.attempts > 1 &&
    (error.httpStatus === 503 || error.kind === 'rate_limited')
  )
    return {
      ...error,
      message: `${error.message} (after ${context.attempts} attempts)`,
      hint:
        error.httpStatus === 503
          ? 'the service stayed unavailable for every attempt: try again later, or raise `retry.max_attempts` / `retry.max_delay_ms` to wait longer'
          : (error.hint ?? hintFor(error.kind, error.httpStatus)),
    };
  return error;
}

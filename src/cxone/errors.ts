import { hintFor } from './hints.js';
import type { HttpAnswer, HttpOutcome } from './http.js';
import type { FailureKind, StepError } from './types.js';

const SERVER_MESSAGE_CHARS = 500;

/** What the server said in an error answer: its `message`, `code` and `contextId`/`correlationId`. */
export function parseErrorBody(text: string): Pick<StepError, 'serverMessage' | 'code' | 'contextId'> {
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
    if (message) out.serverMessage = message.slice(0, SERVER_MESSAGE_CHARS);
    const code = firstString(
      b.code,
      b.errorCode,
      typeof b.error === 'string' && message !== b.error ? b.error : undefined,
    );
    if (code) out.code = code;
    const contextId = firstString(b.contextId, b.correlationId, b.ContextId, b.CorrelationId);
    if (contextId) out.contextId = contextId;
  } else if (text.trim()) {
    out.serverMessage = text.trim().slice(0, SERVER_MESSAGE_CHARS);
  }
  return out;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.trim()) return v.trim();
  for (const v of values) if (typeof v === 'number') return String(v);
  return undefined;
}

/** A StepError for a non-2xx answer, its message built from context (STYLE 3). */
export function httpError(what: string, answer: HttpAnswer): StepError {
  const server = parseErrorBody(answer.text);
  const status = `${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`;
  const kind: FailureKind =
    answer.status === 429 ? 'rate_limited' : answer.status === 401 || answer.status === 403 ? 'auth' : 'http';
  const said = server.serverMessage && server.serverMessage !== answer.statusText ? ` — ${server.serverMessage}` : '';
  let message = `${what}: ${status}${said}`;
  const location = answer.headers.get('location');
  if (answer.status >= 300 && answer.status < 400 && location)
    message += ` (redirects to ${location}; point the URL there)`;
  return withHint({ kind, message, httpStatus: answer.status, ...server });
}

/** A StepError for a request that got no answer. */
export function outcomeError(what: string, outcome: Exclude<HttpOutcome, { ok: true }>, timeoutMs: number): StepError {
  switch (outcome.stopped) {
    case 'timeout':
      return withHint({
        kind: 'timeout',
        message: `${what}: no answer within ${timeoutMs / 1000} s (timeout_seconds)`,
      });
    case 'global_timeout':
      return withHint({ kind: 'global_timeout', message: `${what}: stopped at the chain's global timeout` });
    case 'cancelled':
      return { kind: 'cancelled', message: `${what}: cancelled` };
    default:
      if (outcome.tooLarge)
        return withHint({
          kind: 'invalid_response',
          message: `${what}: ${outcome.message} and was cut off`,
          ...(outcome.status !== undefined ? { httpStatus: outcome.status } : {}),
        });
      return withHint({ kind: 'network', message: `${what}: ${outcome.message}` });
  }
}

export function withHint(error: StepError): StepError {
  const hint = hintFor(error.kind, error.httpStatus);
  return hint ? { ...error, hint } : error;
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerFor, errorBody, type CompiledAction } from './actions.js';
import { flatHeaders, parseJsonBody, readBody, send, sendJson } from './http-io.js';
import { describeWindow, type RateLimiter } from './rate-limit.js';
import type { TokenStore } from './tokens.js';
import type { RateLimit, SimRequest } from './types.js';

/** What the execute endpoint reads and updates; owned by the simulator. */
export interface ExecuteState {
  actions: Map<string, CompiledAction>;
  /** Calls per action since creation/reset: the position in its sequence. */
  calls: Map<string, number>;
  requests: SimRequest[];
  tokens: TokenStore;
  rateLimit: { limit: RateLimit; limiter: RateLimiter } | undefined;
  /** Pending latency timers, cleared on close so none fires after it. */
  timers: Set<NodeJS.Timeout>;
}

/**
 * `POST …/data-actions/{actionId}/execute`: token, then tenant rate limit, then the action, in
 * the order CXone checks them. Every request is recorded, refused ones included.
 */
export async function handleExecute(
  state: ExecuteState,
  req: IncomingMessage,
  res: ServerResponse,
  actionId: string,
  at: number,
): Promise<void> {
  const raw = await readBody(req);
  const parsed = raw === 'too_large' ? { value: null, valid: true } : parseJsonBody(raw);
  const record: SimRequest = {
    actionId,
    method: req.method ?? 'POST',
    path: req.url ?? '',
    headers: flatHeaders(req),
    body: parsed.value,
    at,
    status: 0,
  };
  state.requests.push(record);
  const contextId = randomUUID();
  const refuse = (status: number, message: string, headers: Record<string, string> = {}): void => {
    if (sendJson(res, status, errorBody(status, contextId, message), headers)) record.status = status;
  };

  if (!state.tokens.isValid(bearerToken(req.headers.authorization), Date.now())) {
    return refuse(401, 'Invalid or expired token', { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
  if (state.rateLimit) {
    const waitMs = state.rateLimit.limiter.take(Date.now());
    if (waitMs > 0) {
      const { limit, windowMs } = state.rateLimit.limit;
      const retryAfter = String(Math.max(1, Math.ceil(waitMs / 1000)));
      return refuse(429, `Tenant rate limit of ${limit} requests ${describeWindow(windowMs)} exceeded`, {
        'retry-after': retryAfter,
      });
    }
  }
  const action = state.actions.get(actionId);
  if (!action) return refuse(404, `Data Action ${actionId} not found`);
  if (raw === 'too_large') return refuse(413, 'Request body is too large');
  if (!parsed.valid) return refuse(400, 'Request body is not valid JSON');

  const call = (state.calls.get(actionId) ?? 0) + 1;
  state.calls.set(actionId, call);
  const answer = answerFor(action, call);
  const reply = (): void => {
    if (answer.kind === 'hang') return;
    if (answer.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    const body = answer.body({ payload: parsed.value, call }, contextId);
    if (send(res, answer.status, answer.headers, body)) record.status = answer.status;
  };
  if (answer.latencyMs <= 0) return reply();
  const timer = setTimeout(() => {
    state.timers.delete(timer);
    reply();
  }, answer.latencyMs);
  state.timers.add(timer);
}

function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? '';
}

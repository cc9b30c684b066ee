import { ofetch } from 'ofetch';

/** Answers over this size are cut off and fail the step (SPEC 5). */
export const MAX_ANSWER_BYTES = 10 * 1024 * 1024;

/** Why a request was stopped from our side. */
export type StopReason = 'timeout' | 'global_timeout' | 'cancelled';

export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  /** The body as text; empty for no body. */
  text: string;
  /** True when the body passed `maxBytes` and was cut off. */
  tooLarge: boolean;
}

export type HttpOutcome =
  | { ok: true; answer: HttpAnswer }
  /** No answer: `sent` tells whether the request may have reached the server (SPEC 5 retry rules). */
  | { ok: false; stopped?: undefined; sent: boolean; message: string }
  | { ok: false; stopped: StopReason };

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** A JSON-serialisable value, or a form-encoded string. */
  body?: unknown;
  /** Bound of this one request, ms. */
  timeoutMs: number;
  /** Absolute time (ms since the epoch, `now`'s clock) the request may not run past. */
  deadline?: number | undefined;
  signal?: AbortSignal | undefined;
  maxBytes?: number;
  now: () => number;
}

// Errors raised before any byte of the request left: always safe to retry (SPEC 5).
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL', 'ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED']);

/**
 * One HTTP exchange over ofetch (its own retry off: cxchain's policy wraps this). Never throws:
 * every way it can end is data, so the retry loop decides in one place.
 */
export async function send(request: HttpRequest): Promise<HttpOutcome> {
  const stop = stopSignal(request);
  try {
    const response = await ofetch.raw(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body as string | Record<string, unknown> | undefined,
      retry: 0,
      redirect: 'manual',
      responseType: 'stream',
      ignoreResponseError: true,
      signal: stop.signal,
    });
    const body = await readCapped(response._data as ReadableStream<Uint8Array> | undefined, request.maxBytes ?? MAX_ANSWER_BYTES);
    return { ok: true, answer: { status: response.status, statusText: response.statusText, headers: response.headers, ...body } };
  } catch (error) {
    const reason = stop.reason();
    if (reason) return { ok: false, stopped: reason };
    const code = errorCode(error);
    return { ok: false, sent: !(code && NOT_SENT.has(code)), message: describeNetworkError(error, code) };
  } finally {
    stop.dispose();
  }
}

async function readCapped(stream: ReadableStream<Uint8Array> | undefined, maxBytes: number): Promise<{ text: string; tooLarge: boolean }> {
  if (!stream) return { text: '', tooLarge: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { text: '', tooLarge: true };
    }
    chunks.push(value);
  }
  return { text: chunks.length === 1 ? Buffer.from(chunks[0] as Uint8Array).toString('utf8') : Buffer.concat(chunks).toString('utf8'), tooLarge: false };
}

/** One signal for the three ways a request is stopped (timeout, deadline, caller), remembering which came first. */
export interface StopSignal {
  signal: AbortSignal;
  /** Which stop came first, if any. */
  reason(): StopReason | undefined;
  dispose(): void;
}

export function stopSignal(request: Pick<HttpRequest, 'signal' | 'timeoutMs' | 'deadline' | 'now'>): StopSignal {
  const controller = new AbortController();
  let reason: StopReason | undefined;
  const abort = (why: StopReason) => {
    if (reason) return;
    reason = why;
    controller.abort();
  };
  const onParentAbort = () => abort('cancelled');
  if (request.signal?.aborted) abort('cancelled');
  request.signal?.addEventListener('abort', onParentAbort, { once: true });
  const untilDeadline = request.deadline === undefined ? Infinity : request.deadline - request.now();
  const byDeadline = untilDeadline <= request.timeoutMs;
  const timer = setTimeout(() => abort(byDeadline ? 'global_timeout' : 'timeout'), Math.max(0, Math.min(request.timeoutMs, untilDeadline)));
  return {
    signal: controller.signal,
    reason: () => reason,
    dispose() {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** The system error code somewhere down the cause chain (fetch wraps it twice). */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function describeNetworkError(error: unknown, code: string | undefined): string {
  let deepest: unknown = error;
  while (deepest instanceof Error && deepest.cause instanceof Error) deepest = deepest.cause;
  const message = deepest instanceof Error ? deepest.message : String(deepest);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused (${message})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${message})`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return `connection reset by the server (${message})`;
    default:
      return code ? `${code}: ${message}` : message;
  }
}

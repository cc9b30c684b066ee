import { createFetch, type FetchOptions } from 'ofetch';
import { ANSWER_TOO_LARGE, createTransport, RequestHeaders, TransportError, type Stop } from './transport.js';
import type { HostAbortSignal } from '../host.js';

/** Answers over this size are cut off and fail the step (SPEC 5). */
export const MAX_ANSWER_BYTES = 10 * 1024 * 1024;

/** Why a request was stopped from our side. */
export type StopReason = 'timeout' | 'global_timeout' | 'cancelled';

export interface HttpAnswer {
  status: number;
  statusText: string;
  /** Read as `Headers.get` reads them (a `Headers` does): any case, repeated fields joined with `, `. */
  headers: { get(name: string): string | null };
  /** The body as text; empty for no body. Bytes that are not UTF-8 are read as U+FFFD. */
  text: string;
  /** Whether the body was valid UTF-8, so `text` is exactly what the server sent (SPEC 5). */
  utf8: boolean;
}

export type HttpOutcome =
  | { ok: true; answer: HttpAnswer }
  /** No usable answer: `sent` tells whether the request may have reached the server (SPEC 5 retry rules). */
  | { ok: false; stopped?: undefined; sent: boolean; message: string; tooLarge?: boolean; status?: number | undefined }
  | { ok: false; stopped: StopReason };

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** The body, already serialised (JSON text or a form-encoded string). */
  body?: string;
  /** Bound of this one request, ms. */
  timeoutMs: number;
  /** Absolute time (ms since the epoch, `now`'s clock) the request may not run past. */
  deadline?: number | undefined;
  signal?: HostAbortSignal | undefined;
  now: () => number;
}

export interface Http {
  /** One HTTP exchange. Never throws: every way it can end is data, so the retry loop decides in one place. */
  send(request: HttpRequest): Promise<HttpOutcome>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** HTTP through ofetch.raw with its own retry off (SPEC 2): cxchain's policy wraps this. */
export function createHttp(options: { maxBytes?: number } = {}): Http {
  const transport = createTransport({ maxBytes: options.maxBytes ?? MAX_ANSWER_BYTES });
  // ofetch builds the request's headers with this class: the plain record the transport sends.
  const $fetch = createFetch({
    fetch: transport.fetch,
    Headers: RequestHeaders as unknown as typeof Headers,
    AbortController,
  });
  const send = async (request: HttpRequest): Promise<HttpOutcome> => {
    const stop = stopRequest(request);
    try {
      // Bytes, not text: Response.text() would hide invalid UTF-8 behind U+FFFD.
      const options: FetchOptions<'arrayBuffer'> & { stop: Stop } = {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        retry: 0,
        responseType: 'arrayBuffer',
        ignoreResponseError: true,
        // ofetch hands its options to the transport as they are: no AbortSignal per request.
        stop: stop.handle,
      };
      const response = await $fetch.raw<ArrayBuffer, 'arrayBuffer'>(request.url, options);
      return {
        ok: true,
        answer: {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
          ...decodeBody(response._data),
        },
      };
    } catch (error) {
      const reason = stop.reason();
      if (reason) return { ok: false, stopped: reason };
      const cause = transportError(error);
      if (cause?.code === ANSWER_TOO_LARGE)
        return { ok: false, sent: true, tooLarge: true, message: cause.message, status: cause.status };
      return { ok: false, sent: cause ? cause.sent : true, message: describeNetworkError(cause ?? error) };
    } finally {
      stop.dispose();
    }
  };
  return { send, close: transport.close };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** The body as text, and whether it was valid UTF-8. A BOM is dropped, as Response.text() does. */
function decodeBody(bytes: ArrayBuffer | undefined): { text: string; utf8: boolean } {
  if (bytes === undefined) return { text: '', utf8: true };
  try {
    return { text: strictUtf8.decode(bytes), utf8: true };
  } catch {
    return { text: lenientUtf8.decode(bytes), utf8: false };
  }
}

interface StopHandle {
  handle: Stop;
  /** Which stop came first, if any. */
  reason(): StopReason | undefined;
  dispose(): void;
}

/** The three ways a request is stopped (timeout, deadline, caller), remembering which came first. */
function stopRequest(request: Pick<HttpRequest, 'signal' | 'timeoutMs' | 'deadline' | 'now'>): StopHandle {
  const handle: Stop = { stopped: false, onStop: undefined };
  let reason: StopReason | undefined;
  const abort = (why: StopReason) => {
    if (reason) return;
    reason = why;
    handle.stopped = true;
    handle.onStop?.();
  };
  const onParentAbort = () => abort('cancelled');
  if (request.signal?.aborted) abort('cancelled');
  request.signal?.addEventListener('abort', onParentAbort, { once: true });
  const untilDeadline = request.deadline === undefined ? Infinity : request.deadline - request.now();
  const byDeadline = untilDeadline <= request.timeoutMs;
  const timer = setTimeout(
    () => abort(byDeadline ? 'global_timeout' : 'timeout'),
    Math.max(0, Math.min(request.timeoutMs, untilDeadline)),
  );
  return {
    handle,
    reason: () => reason,
    dispose() {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** The transport's error, somewhere down the cause chain (ofetch wraps it). */
function transportError(error: unknown): TransportError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++)
    if (e instanceof TransportError) return e;
  return undefined;
}

function describeNetworkError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  switch (error instanceof TransportError ? error.code : undefined) {
    case 'ECONNREFUSED':
      return `connection refused (${message})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${message})`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `connection reset by the server (${message})`;
    default:
      return message;
  }
}

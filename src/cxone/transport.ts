import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type * as Https from 'node:https';

/** The part of `fetch` ofetch calls, with cxchain's own way to stop a request. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit & { stop?: Stop }) => Promise<Response>;

/**
 * How the caller stops a request in flight without an AbortSignal of its own per request: it sets
 * `stopped` and calls `onStop`, which the transport points at the request being written or read.
 */
export interface Stop {
  stopped: boolean;
  onStop: (() => void) | undefined;
}

/**
 * The request headers ofetch builds: a plain record with the part of `Headers` ofetch uses. The
 * WHATWG class validates and copies on every request only for the transport to turn it back into
 * the record node:http takes (issue 14); node:http checks names and values itself.
 */
export class RequestHeaders {
  readonly record: Record<string, string> = {};
  constructor(init?: Record<string, string> | Iterable<[string, string]> | RequestHeaders) {
    if (init instanceof RequestHeaders) Object.assign(this.record, init.record);
    else if (init && Symbol.iterator in init) for (const [name, value] of init) this.set(name, value);
    else if (init) for (const [name, value] of Object.entries(init)) this.set(name, value);
  }
  get(name: string): string | null {
    return this.record[name.toLowerCase()] ?? null;
  }
  has(name: string): boolean {
    return name.toLowerCase() in this.record;
  }
  set(name: string, value: string): void {
    this.record[name.toLowerCase()] = String(value);
  }
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    yield* Object.entries(this.record);
  }
}

/** An answer's headers, read as `Headers.get` reads them: any case, repeated fields joined with `, `. */
export class AnswerHeaders {
  #fields: Map<string, string> | undefined;
  constructor(private readonly raw: readonly string[]) {}
  get(name: string): string | null {
    if (!this.#fields) {
      const fields = new Map<string, string>();
      for (let i = 0; i + 1 < this.raw.length; i += 2) {
        const key = (this.raw[i] as string).toLowerCase();
        const value = (this.raw[i + 1] as string).replace(/^[\t ]+|[\t ]+$/g, '');
        const before = fields.get(key);
        fields.set(key, before === undefined ? value : `${before}, ${value}`);
      }
      this.#fields = fields;
    }
    return this.#fields.get(name.toLowerCase()) ?? null;
  }
}

/**
 * What the transport hands ofetch for an answer: the part of `Response` ofetch reads (status,
 * headers, a body to read as bytes). A WHATWG Response would wrap the bytes in a ReadableStream
 * only for ofetch to read them straight back out (issue 14).
 */
export interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: AnswerHeaders;
  /** The bytes as they came, or null for no body. */
  readonly body: Buffer | null;
  arrayBuffer(): Promise<ArrayBuffer>;
  /** Set by ofetch to what it read. */
  _data?: ArrayBuffer;
}

/** Raised by the transport; `sent` tells whether the request may have reached the server. */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly sent: boolean,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.status = options?.status;
  }

  /** The HTTP status, when an answer had begun before the failure. */
  readonly status: number | undefined;
}

export const ANSWER_TOO_LARGE = 'ERR_ANSWER_TOO_LARGE';

export interface Transport {
  fetch: FetchLike;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** Idle kept-alive connections are closed after this long (common servers close theirs after 5 s or more). */
const IDLE_CLOSE_MS = 4_000;

/** How a connection the server closed shows up on the next request written to it. */
const DROPPED = new Set(['ECONNRESET', 'EPIPE']);

// Statuses whose answer has no body (fetch spec).
const NULL_BODY = new Set([204, 205, 304]);

/**
 * A `fetch` for ofetch on node:http with keep-alive agents. Node 20's built-in fetch costs about
 * 0.2 ms more per request (bench/run), which is most of a step's budget; this one also knows
 * whether a failed request was sent, and stops reading an answer past `maxBytes`.
 */
export function createTransport(options: { maxBytes: number }): Transport {
  // An idle connection is closed before a server is likely to close it (SPEC 5); a server's own
  // `Keep-Alive: timeout=N` hint shortens this further (node:http's agent honours it).
  const agentOptions = { keepAlive: true, timeout: IDLE_CLOSE_MS };
  const http = { agent: new HttpAgent(agentOptions), request: httpRequest };
  // node:https brings TLS with it (about 3 ms to load): loaded for the first https URL, not at start.
  let https: { agent: Https.Agent; request: typeof Https.request } | undefined;
  const secureTransport = () => {
    if (!https) {
      const module = process.getBuiltinModule('node:https');
      https = { agent: new module.Agent(agentOptions), request: module.request };
    }
    return https;
  };
  const fetch: FetchLike = (input, init = {}) =>
    new Promise((resolve, reject) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const secure = url.startsWith('https:');
      const headers =
        init.headers instanceof RequestHeaders ? init.headers.record : Object.fromEntries(new Headers(init.headers));
      const stop = init.stop;
      if (stop?.stopped) {
        reject(new TransportError('the request was stopped before it was sent', 'ABORT_ERR', false));
        return;
      }
      const body = typeof init.body === 'string' ? init.body : undefined;
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const via = secure ? secureTransport() : http;
      const attempt = (fresh: boolean) => {
        const req = via.request(
          url,
          {
            method: init.method ?? 'GET',
            headers,
            // The one retry after a dropped idle connection goes on a connection of its own.
            agent: fresh ? false : via.agent,
          },
          (res) => {
            answered = true;
            // ofetch reads only the part of a Response that an Answer has.
            readAnswer(res, options.maxBytes).then((answer) => resolve(answer as unknown as Response), reject);
          },
        );
        if (stop) stop.onStop = () => req.destroy(new TransportError('the request was stopped', 'ABORT_ERR', true));
        // Until the whole request is handed to the socket the server cannot act on it, so a failure
        // before that is "not sent" and always safe to retry (SPEC 5); after it, only idempotent steps are.
        let connected = false;
        let written = false;
        let answered = false;
        req.on('socket', (socket) => {
          if (!socket.connecting) connected = true;
          else socket.once('connect', () => (connected = true));
        });
        req.on('finish', () => (written = true));
        req.on('error', (error: NodeJS.ErrnoException) => {
          // A kept-alive connection the server closed while it sat idle fails the next request
          // before any answer: the server dropped it unread, so it goes again at once on a new
          // connection. Every request carries an Idempotency-Key, the rule Go's net/http follows.
          if (!fresh && req.reusedSocket && !answered && DROPPED.has(error.code ?? '') && !stop?.stopped) {
            attempt(true);
            return;
          }
          reject(new TransportError(error.message, error.code, connected && written, { cause: error }));
        });
        req.end(body);
      };
      attempt(false);
    });
  return {
    fetch,
    close() {
      http.agent.destroy();
      https?.agent.destroy();
    },
  };
}

function readAnswer(res: IncomingMessage, maxBytes: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(
          new TransportError(
            `the answer is larger than ${+(maxBytes / 1024 / 1024).toFixed(2)} MiB`,
            ANSWER_TOO_LARGE,
            true,
            { status: res.statusCode },
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    res.on('error', (error: NodeJS.ErrnoException) =>
      reject(new TransportError(error.message, error.code, true, { cause: error })),
    );
    res.on('end', () => {
      const status = res.statusCode ?? 0;
      // A status the fetch API cannot represent (e.g. 1xx as a final answer, or > 599).
      if (status < 200 || status > 599) {
        reject(
          new TransportError(
            `the server answered with status ${status}, which is not a valid HTTP answer`,
            'ERR_INVALID_STATUS',
            true,
          ),
        );
        return;
      }
      const body = NULL_BODY.has(status) || chunks.length === 0 ? null : Buffer.concat(chunks);
      resolve({
        status,
        statusText: res.statusMessage ?? '',
        ok: status < 300,
        headers: new AnswerHeaders(res.rawHeaders),
        body,
        arrayBuffer: async () =>
          body
            ? (body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer)
            : new ArrayBuffer(0),
      });
    });
  });
}

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The part of `fetch` ofetch calls. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

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

// Statuses whose Response must have no body (fetch spec); the constructor throws otherwise.
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` for ofetch on node:http with keep-alive agents. Node 20's built-in fetch costs about
 * 0.2 ms more per request (bench/run), which is most of a step's budget; this one also knows
 * whether a failed request was sent, and stops reading an answer past `maxBytes`.
 */
export function createTransport(options: { maxBytes: number }): Transport {
  // An idle connection is closed before a server is likely to close it (SPEC 5); a server's own
  // `Keep-Alive: timeout=N` hint shortens this further (node:http's agent honours it).
  const agentOptions = { keepAlive: true, timeout: IDLE_CLOSE_MS };
  const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  const fetch: FetchLike = (input, init = {}) =>
    new Promise((resolve, reject) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const secure = url.startsWith('https:');
      const headers = Object.fromEntries(new Headers(init.headers));
      const body = typeof init.body === 'string' ? init.body : undefined;
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const send = secure ? httpsRequest : httpRequest;
      const attempt = (fresh: boolean) => {
        const req = send(
          url,
          {
            method: init.method ?? 'GET',
            headers,
            // The one retry after a dropped idle connection goes on a connection of its own.
            agent: fresh ? false : secure ? agents.https : agents.http,
            ...(init.signal ? { signal: init.signal } : {}),
          },
          (res) => {
            answered = true;
            readAnswer(res, options.maxBytes).then(resolve, reject);
          },
        );
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
          if (!fresh && req.reusedSocket && !answered && DROPPED.has(error.code ?? '') && !init.signal?.aborted) {
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
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

function readAnswer(res: IncomingMessage, maxBytes: number): Promise<Response> {
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
      const headers = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
        headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
      const text = NULL_BODY.has(status) || chunks.length === 0 ? null : Buffer.concat(chunks);
      try {
        resolve(new Response(text, { status, statusText: res.statusMessage ?? '', headers }));
      } catch (error) {
        // A status the fetch API cannot represent (e.g. 1xx as a final answer, or > 599).
        reject(
          new TransportError(
            `the server answered with status ${status}, which is not a valid HTTP answer`,
            'ERR_INVALID_STATUS',
            true,
            { cause: error },
          ),
        );
      }
    });
  });
}

import { spawn, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { CLI, ROOT } from './helpers.js';

export { prng } from './helpers.js';

/**
 * Helpers for tests that drive the built CLI against a real server on 127.0.0.1 which answers
 * whatever the test scripts: a token endpoint and an execute endpoint, every request recorded.
 */

/** What the server sends back; `delayMs` holds the answer (the request may be aborted meanwhile). */
export interface Reply {
  status?: number;
  /** The reason phrase; Node's default for the status when absent. */
  statusText?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  delayMs?: number;
}

export interface Received {
  actionId: string;
  /** The X-Request-ID header: one per attempt (SPEC 5). */
  requestId: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface TokenRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type ActionHandler = (request: Received) => Reply | Promise<Reply>;
export type TokenHandler = (request: TokenRequest, issue: () => Reply) => Reply | Promise<Reply>;

export interface HostileServer {
  url: string;
  tokenUrl: string;
  /** Execute requests, in the order their headers arrived. */
  received: Received[];
  tokenRequests: TokenRequest[];
  /** Access tokens handed out. */
  tokens: string[];
  /** The answer for one action id; unknown actions answer `{ "ok": true }`. */
  action(id: string, handler: ActionHandler | Reply): void;
  /** Answers for action ids no `action()` names (a fuzzer's single entry point). */
  fallback(handler: ActionHandler): void;
  token(handler: TokenHandler | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

const EXECUTE = /^\/api\/v2\/integration\/data-actions\/([^/]+)\/execute$/;

export async function hostileServer(): Promise<HostileServer> {
  const actions = new Map<string, ActionHandler>();
  let fallback: ActionHandler = () => ({ body: '{"ok":true}' });
  let tokenHandler: TokenHandler | undefined;
  const received: Received[] = [];
  const tokenRequests: TokenRequest[] = [];
  const tokens: string[] = [];
  const issue = (): Reply => {
    const token = `tok-${randomBytes(18).toString('hex')}`;
    tokens.push(token);
    return { body: JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: 3600 }) };
  };
  const send = (res: ServerResponse, reply: Reply) => {
    if (res.destroyed || res.writableEnded) return;
    try {
      const headers = { 'content-type': 'application/json', ...reply.headers };
      if (reply.statusText !== undefined) res.writeHead(reply.status ?? 200, reply.statusText, headers);
      else res.writeHead(reply.status ?? 200, headers);
      res.end(reply.body ?? '');
    } catch {
      // The client went away (a timeout, a killed process), or the reply cannot be sent (a header
      // Node refuses): end the exchange rather than leave the client waiting for its timeout.
      res.destroy();
    }
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const match = EXECUTE.exec(path);
    // Recorded as soon as the headers arrive: the request has left the client by then.
    const entry: Received | undefined = match
      ? {
          actionId: decodeURIComponent(match[1] as string),
          requestId: String(req.headers['x-request-id'] ?? ''),
          headers: req.headers,
          body: Buffer.alloc(0),
        }
      : undefined;
    if (entry) received.push(entry);
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void (async () => {
        let reply: Reply;
        if (path === '/oauth/token') {
          const request = { headers: req.headers, body };
          tokenRequests.push(request);
          reply = tokenHandler ? await tokenHandler(request, issue) : issue();
        } else if (entry) {
          entry.body = body;
          reply = await (actions.get(entry.actionId) ?? fallback)(entry);
        } else reply = { status: 404, body: '{"message":"no such path"}' };
        if (reply.delayMs) setTimeout(() => send(res, reply), reply.delayMs);
        else send(res, reply);
      })().catch(() => send(res, { status: 599, body: 'test server handler failed' }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    tokenUrl: `${url}/oauth/token`,
    received,
    tokenRequests,
    tokens,
    action(id, handler) {
      actions.set(id, typeof handler === 'function' ? handler : () => handler);
    },
    fallback(handler) {
      fallback = handler;
    },
    token(handler) {
      tokenHandler = handler;
    },
    reset() {
      received.length = 0;
      tokenRequests.length = 0;
      actions.clear();
      tokenHandler = undefined;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Kill after this many ms; a test never hangs. Default 30 s. */
  timeoutMs?: number;
  /** Replace the child's stdout (e.g. an fd of /dev/full); then `stdout` is empty. */
  stdoutFd?: number;
}

/** The built CLI as a real process, with a clean environment: only what the test sets, plus PATH. */
export function spawnCli(args: readonly string[], options: SpawnOptions): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const stdio: StdioOptions = ['ignore', options.stdoutFd ?? 'pipe', 'pipe'];
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...options.env },
      stdio,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - started,
      });
    });
  });
}

/**
 * `cxchain watch …` until its stdout matches `ready` (or 10 s pass), then SIGINT: what it printed
 * meanwhile. Without a terminal on stdin it reads no keys.
 */
export async function watchUntil(args: readonly string[], options: SpawnOptions, ready: RegExp): Promise<Spawned> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let stopped = false;
  // Once: a second SIGINT is "quit at once", which would end it by the signal.
  const stop = () => {
    if (stopped) return;
    stopped = true;
    child.kill('SIGINT');
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (ready.test(stdout)) stop();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(stop, 10_000);
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  clearTimeout(killer);
  return { code, signal, stdout, stderr, ms: performance.now() - started };
}

/** Connection settings for the CLI against `server`. */
export function connectionEnv(server: HostileServer, clientId: string, secret: string): NodeJS.ProcessEnv {
  return {
    CXONE_BASE_URL: server.url,
    CXONE_TOKEN_URL: server.tokenUrl,
    CXONE_CLIENT_ID: clientId,
    CXONE_CLIENT_SECRET: secret,
  };
}

/**
 * Spellings of a secret an attacker-controlled server could send back, and in which cxchain's
 * outputs would still show it: as is, JSON-escaped, URL-encoded, XML-escaped, and base64 (alone
 * and each of the three alignments inside a longer blob: only the characters its bytes decide).
 */
export function leakSpellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const bytes = Buffer.from(secret, 'utf8');
  const b64: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    b64.push(encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6)));
  }
  const xml = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const all = [secret, json, encodeURIComponent(secret), xml, ...b64, ...b64.map(toBase64Url)];
  return [...new Set(all)];
}

function toBase64Url(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_');
}

/** Escape syntax, which says nothing of the secret: `&quot;`, `%2F`, `\u0022`, `\"`. */
const ESCAPES = /&[a-z]+;|&#\d+;|%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|\\./g;

/**
 * Every run of `min` characters of every spelling, for "no 8-character piece of it anywhere";
 * runs that are mostly escape syntax (`&quot;&lt;`, which any text has) are left out: a piece
 * counts when at least 4 of its letters and digits are the secret's own.
 */
export function leakWindows(secrets: readonly string[], min = 8): Set<string> {
  const windows = new Set<string>();
  for (const secret of secrets)
    for (const spelling of leakSpellings(secret))
      for (let i = 0; i + min <= spelling.length; i++) {
        const w = spelling.slice(i, i + min);
        // Cut escapes at either end count as syntax too (`quot;&lt`).
        const content = w.replace(ESCAPES, '').replace(/^[a-z\d]{1,5};|&[a-z#\d]{0,5}$/g, '');
        if ((content.match(/[\p{L}\p{N}]/gu)?.length ?? 0) >= 4) windows.add(w);
      }
  return windows;
}

/**
 * An escape cxchain's neutraliser writes for a control character (`\x00`, `\u2028`), however often
 * its backslash was escaped again. Not `\t` or `\n`: those are also how JSON spells a secret's own
 * whitespace, which must still count.
 */
const WRITTEN_ESCAPE = /\\+(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})/g;

/**
 * The first piece of a secret found in `text`, with some context, or undefined. One pass over the
 * text with a set of pieces, so a run's many-megabyte outputs are searched in linear time. A match
 * that takes characters of an escape cxchain wrote is no piece of the secret: a secret cut by NULs
 * every 3 characters shows as `a00\x007d…`, and the `00` of `\x00` beside a secret's `7d…` is not
 * the secret's `007d…`.
 */
export function findLeak(text: string, windows: ReadonlySet<string>): string | undefined {
  const lengths = [...new Set([...windows].map((w) => w.length))];
  const escaped = new Uint8Array(text.length);
  for (const m of text.matchAll(WRITTEN_ESCAPE)) escaped.fill(1, m.index, m.index + m[0].length);
  for (let at = 0; at < text.length; at++)
    for (const length of lengths) {
      const w = text.slice(at, at + length);
      if (windows.has(w) && !escaped.subarray(at, at + length).includes(1))
        return `${JSON.stringify(w)} at ${at}: …${JSON.stringify(text.slice(Math.max(0, at - 40), at + 40))}…`;
    }
  return undefined;
}

/**
 * Lines that GitHub's runner would read as a workflow command (a line starting with `::`,
 * leading blanks allowed) that cxchain did not write itself: its own are `::add-mask::<token>`,
 * and `::error file=…` / `::warning file=…` annotations whose file is one of the chain files.
 */
export function foreignCommands(text: string, tokens: readonly string[], chainFiles: readonly string[]): string[] {
  const escapedFiles = chainFiles.map((f) =>
    f.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/:/g, '%3A').replace(/,/g, '%2C'),
  );
  return text.split(/\r\n|\n|\r/).filter((line) => {
    const trimmed = line.trimStart();
    if (!trimmed.startsWith('::')) return false;
    if (line !== trimmed) return true;
    const mask = /^::add-mask::(.*)$/.exec(line);
    // The runner unescapes command data: %0D, %0A and %25 (GitHub's own escaping rules).
    const unescaped = mask?.[1]?.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
    if (mask) return !tokens.includes(unescaped as string);
    const annotation = /^::(error|warning) file=([^,:]*)[,:]/.exec(line);
    return !(annotation && escapedFiles.includes(annotation[2] as string));
  });
}

export { ROOT };

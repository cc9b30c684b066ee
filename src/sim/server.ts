import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { compileAction, errorBody, type CompiledAction } from './actions.js';
import { BUILTIN_ACTIONS } from './builtin-actions.js';
import { handleExecute, type ExecuteState } from './execute.js';
import { readBody, sendJson } from './http-io.js';
import { createRateLimiter } from './rate-limit.js';
import { answerTokenRequest } from './token-endpoint.js';
import { createTokenStore } from './tokens.js';
import type { SimActionSpec, Simulator, SimulatorOptions, SimTokenRequest } from './types.js';

const EXECUTE_PREFIX = '/api/v2/integration/data-actions/';
const EXECUTE_SUFFIX = '/execute';
const TOKEN_PATH = '/oauth/token';
/** Token requests are small forms; no reason to hold more. */
const MAX_TOKEN_REQUEST_BYTES = 64 * 1024;
/** Longer than clients keep idle connections, so the client, not the server, closes them (no reuse race). */
const KEEP_ALIVE_MS = 30_000;

type Handler = (req: IncomingMessage, res: ServerResponse, at: number) => Promise<void> | void;

/** Starts the CXone simulator on 127.0.0.1 (SPEC 4, `--sim` and `cxchain sim`). */
export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const port = options.port ?? 0;
  const ttlSeconds = options.tokenTtlSeconds ?? 3600;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`Simulator port must be 0 to 65535, got ${port}`);
  if (!(ttlSeconds > 0)) throw new Error(`tokenTtlSeconds must be more than 0, got ${ttlSeconds}`);
  const { rateLimit } = options;
  if (rateLimit && !(Number.isSafeInteger(rateLimit.limit) && rateLimit.limit >= 1 && rateLimit.windowMs > 0)) {
    throw new Error(
      `rateLimit needs a whole limit of at least 1 and a window above 0 ms, got ${JSON.stringify(rateLimit)}`,
    );
  }
  const initialActions = compileActions({ ...BUILTIN_ACTIONS, ...options.actions });
  const tokenRequests: SimTokenRequest[] = [];
  const sockets = new Set<Socket>();
  const routes = new Map<string, Handler>();
  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => void route(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Once listening, a server error (none is expected) must not crash the process running the tests.
  server.on('error', () => undefined);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokenUrl = `${url}${TOKEN_PATH}`;
  const state: ExecuteState = {
    actions: new Map(initialActions),
    calls: new Map(),
    requests: [],
    tokens: createTokenStore({ issuer: url, tenantId: options.tenantId ?? 'sim-tenant', ttlSeconds }),
    rateLimit: rateLimit && { limit: rateLimit, limiter: createRateLimiter(rateLimit) },
    timers: new Set(),
  };

  routes.set(`POST ${TOKEN_PATH}`, async (req, res, at) => {
    const raw = await readBody(req, MAX_TOKEN_REQUEST_BYTES);
    if (raw === 'too_large') {
      sendJson(res, 413, { error: 'invalid_request', error_description: 'The token request is too large' });
      return;
    }
    const input = {
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body: raw.toString('utf8'),
    };
    const answer = answerTokenRequest(input, options, state.tokens);
    tokenRequests.push({ ...answer.record, at });
    sendJson(res, answer.status, answer.body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  });
  routes.set('GET /.well-known/openid-configuration', (_req, res) => {
    sendJson(res, 200, {
      issuer: url,
      token_endpoint: tokenUrl,
      grant_types_supported: ['client_credentials', 'password'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    });
  });
  routes.set('GET /.well-known/cxone-configuration', (req, res) => {
    const tenantId = new URLSearchParams(queryOf(req.url)).get('tenantId');
    if (!tenantId) sendJson(res, 400, errorBody(400, randomUUID(), 'The tenantId query parameter is required'));
    else sendJson(res, 200, { api_endpoint: url, tenantId });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    // A client that goes away mid-answer must not take the server down.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    try {
      const path = pathOf(req.url);
      const handler = routes.get(`${req.method} ${path}`);
      if (handler) return await handler(req, res, at);
      const actionId = req.method === 'POST' ? executeActionId(path) : undefined;
      if (actionId !== undefined) return await handleExecute(state, req, res, actionId, at);
      req.resume();
      sendJson(res, 404, errorBody(404, randomUUID(), `No route for ${req.method} ${path}`));
    } catch (error) {
      req.resume();
      if (!sendJson(res, 500, errorBody(500, randomUUID(), `Simulator error: ${(error as Error).message}`)))
        res.destroy();
    }
  }

  return {
    url,
    tokenUrl,
    issuer: url,
    requests: state.requests,
    tokenRequests,
    setAction(id: string, spec: SimActionSpec) {
      state.actions.set(id, compileAction(id, spec));
      state.calls.delete(id);
    },
    reset() {
      // Cleared in place: callers may hold on to `requests` and `tokenRequests`.
      state.requests.length = 0;
      tokenRequests.length = 0;
      state.calls.clear();
      state.rateLimit?.limiter.reset();
      state.tokens.reset();
      state.actions = new Map(initialActions);
    },
    revokeTokens() {
      state.tokens.revokeAll();
    },
    close() {
      for (const timer of state.timers) clearTimeout(timer);
      state.timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Hanging and kept-alive connections would otherwise hold `close` open.
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

function compileActions(specs: Record<string, SimActionSpec>): Map<string, CompiledAction> {
  return new Map(Object.entries(specs).map(([id, spec]) => [id, compileAction(id, spec)]));
}

function pathOf(url = '/'): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function queryOf(url = ''): string {
  const query = url.indexOf('?');
  return query < 0 ? '' : url.slice(query + 1);
}

/** The decoded `{actionId}` of an execute path, or undefined when the path is not one. */
function executeActionId(path: string): string | undefined {
  if (!path.startsWith(EXECUTE_PREFIX) || !path.endsWith(EXECUTE_SUFFIX)) return undefined;
  const segment = path.slice(EXECUTE_PREFIX.length, -EXECUTE_SUFFIX.length);
  if (segment === '' || segment.includes('/')) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

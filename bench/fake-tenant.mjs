// bench/fake-tenant: a tiny CXone-like HTTP server that neither cxchain nor the seed wrote (issue 14),
// so both are timed by the same independent clock. It imports nothing from src/ or dist/.
//   POST /oauth/token                                     → { access_token, token_type, expires_in: 3600 }
//   POST /api/v2/integration/data-actions/{id}/execute    → { ok: true, echo: <payload> }
// 0 ms latency, keep-alive. Every execute request's arrival is recorded with process.hrtime.bigint()
// when its headers have been parsed, as is the arrival of the first token request.
import { createServer } from 'node:http';

const EXECUTE = /^\/api\/v2\/integration\/data-actions\/([^/]+)\/execute$/;

/**
 * Start the fake tenant on 127.0.0.1, port 0.
 * `arrivals.token` is the hrtime (ns, bigint) of the first token request since the last reset();
 * `arrivals.execute` lists `{ at, actionId }` of every execute request, in arrival order;
 * `tokenRequests` and `connections` count token requests and TCP connections accepted.
 */
export async function startFakeTenant() {
  const arrivals = { token: undefined, tokenRequests: 0, connections: 0, execute: [] };
  const server = createServer({ keepAlive: true }, (req, res) => {
    const at = process.hrtime.bigint();
    const path = (req.url ?? '').split('?')[0];
    const match = req.method === 'POST' ? EXECUTE.exec(path) : null;
    if (req.method === 'POST' && path === '/oauth/token') {
      arrivals.tokenRequests += 1;
      arrivals.token ??= at;
    } else if (match) arrivals.execute.push({ at, actionId: decodeURIComponent(match[1]) });
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && path === '/oauth/token') {
        const form = new URLSearchParams(body);
        if (!form.get('grant_type')) return send(res, 400, { error: 'invalid_request' });
        return send(res, 200, { access_token: `fake-${Date.now()}`, token_type: 'bearer', expires_in: 3600 });
      }
      if (!match) return send(res, 404, { message: `no route for ${req.method} ${path}` });
      let payload;
      try {
        payload = body === '' ? null : JSON.parse(body);
      } catch {
        return send(res, 400, { message: 'body is not JSON' });
      }
      return send(res, 200, { ok: true, echo: payload });
    });
  });
  server.on('connection', () => (arrivals.connections += 1));
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    tokenUrl: `${url}/oauth/token`,
    arrivals,
    /** Forget every arrival, before the next process is spawned. */
    reset() {
      arrivals.token = undefined;
      arrivals.tokenRequests = 0;
      arrivals.connections = 0;
      arrivals.execute.length = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

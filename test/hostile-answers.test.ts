import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  createClient,
  MAX_JSON_DEPTH,
  type AttemptInfo,
  type ConnectionSettings,
  type ExecuteRequest,
  type RequestInfo,
} from '../src/cxone/index.js';
import { createRedactor } from '../src/report/redact.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A tenant on 127.0.0.1 whose execute answers are the test's to choose, and whose token endpoint
 * can be told to fail first. Every execute request it receives is recorded.
 */
async function hostileTenant() {
  let execute: Handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  let tokenFailures = 0;
  const received: { headers: IncomingMessage['headers']; hookCalls: number }[] = [];
  let hookCalls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/oauth/token') {
        if (tokenFailures > 0) {
          tokenFailures--;
          res.writeHead(503).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: `tok-${randomUUID()}`, expires_in: 3600 }));
        return;
      }
      received.push({ headers: req.headers, hookCalls });
      execute(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    received,
    answer(handler: Handler) {
      execute = handler;
    },
    failTokens(count: number) {
      tokenFailures = count;
    },
    /** Counts a call of `onRequest`, so each received request shows how many came before it. */
    hook() {
      hookCalls++;
    },
    reset() {
      received.length = 0;
      hookCalls = 0;
      tokenFailures = 0;
    },
    settings(): ConnectionSettings {
      return {
        baseUrl: url,
        tokenUrl: `${url}/oauth/token`,
        clientId: 'hostile-client',
        clientSecret: 'hostile-secret-7a6b5c',
        grant: 'client_credentials',
        authMethod: 'body',
        scope: 's',
        executePath: '/api/v2/integration/data-actions/{actionId}/execute',
      };
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const request = (extra: Partial<ExecuteRequest> = {}): ExecuteRequest => ({
  actionId: 'da-hostile',
  payload: {},
  timeoutMs: 5000,
  idempotent: false,
  retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
  idempotencyKey: randomUUID(),
  ...extra,
});

const json = (status: number, body: string | Buffer, type = 'application/json'): Handler => {
  return (_req, res) => res.writeHead(status, { 'content-type': type }).end(body);
};

/** Every run of 8 consecutive characters of `secret` found in `text`. */
function leakedRuns(text: string, secret: string): string[] {
  const runs: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i++)
    if (text.includes(secret.slice(i, i + 8))) runs.push(secret.slice(i, i + 8));
  return runs;
}

describe('hostile answers cannot stop the process or leak a secret (SPEC 5, 6)', () => {
  let tenant: Awaited<ReturnType<typeof hostileTenant>>;
  before(async () => {
    tenant = await hostileTenant();
  });
  after(() => tenant.close());
  beforeEach(() => tenant.reset());

  test('a 200 answer nested 5,000 levels deep fails with invalid_response, without a throw', async () => {
    tenant.answer(json(200, `${'['.repeat(5000)}1${']'.repeat(5000)}`));
    const r = await createClient(tenant.settings()).execute(request());
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.kind, 'invalid_response');
      assert.equal(r.error.httpStatus, 200);
      assert.match(
        r.error.message,
        /^\[POST\] da-hostile: answered 200 but the JSON answer nests deeper than 1,000 levels$/,
      );
      assert.match(r.error.hint ?? '', /execution logs/);
      assert.doesNotMatch(r.error.hint ?? '', /base URL/);
    }
    assert.equal(r.attempts, 1, 'not retried: the same request would get the same answer');
  });

  test(`exactly ${MAX_JSON_DEPTH} levels is read; brackets inside strings do not count`, async () => {
    const client = createClient(tenant.settings());
    tenant.answer(json(200, `${'{"a":'.repeat(MAX_JSON_DEPTH - 1)}[]${'}'.repeat(MAX_JSON_DEPTH - 1)}`));
    assert.equal((await client.execute(request())).ok, true);
    const brackets = JSON.stringify({ text: `${'['.repeat(5000)} \\" {{{`, list: [[['x']]] });
    tenant.answer(json(200, brackets));
    const r = await client.execute(request());
    assert.deepEqual(r.ok && r.data, JSON.parse(brackets));
  });

  test('a 2xx answer that is not valid UTF-8 fails with invalid_response; an error answer keeps its kind', async () => {
    const client = createClient(tenant.settings());
    const bad = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    tenant.answer(json(200, bad));
    const r = await client.execute(request());
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.kind, 'invalid_response');
      assert.match(r.error.message, /answered 200 but the body is not valid UTF-8 \(application\/json\)/);
      assert.match(r.error.hint ?? '', /UTF-8/);
      assert.doesNotMatch(r.error.hint ?? '', /base URL/);
    }
    tenant.answer(json(200, JSON.stringify({ name: 'Zoë 東京 😀' })));
    const good = await client.execute(request());
    assert.deepEqual(good.ok && good.data, { name: 'Zoë 東京 😀' });
    tenant.answer(json(400, bad));
    const failed = await client.execute(request());
    assert.equal(failed.ok ? '' : failed.error.kind, 'http');
  });

  test('a server message quoting the secret at offset 495 leaves no 8 characters of it, scrubbed before the cut', async () => {
    const secret = 'sk-Pq7Lm2Vx9Rt4Wz8N';
    const redactor = createRedactor([secret]);
    const client = createClient(tenant.settings(), { scrub: redactor.text });
    const said = `${'x'.repeat(495)}${secret} was rejected`;
    for (const handler of [
      json(400, JSON.stringify({ message: said, code: 'E42', contextId: 'ctx-1' })),
      json(400, said, 'text/plain'),
    ]) {
      tenant.answer(handler);
      const r = await client.execute(request());
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.deepEqual(leakedRuns(JSON.stringify(r.error), secret), []);
        assert.equal(r.error.serverMessage, `${'x'.repeat(495)}*** w`);
      }
    }
    // Without the scrub the cut keeps a piece no later redaction could recognise.
    const unscrubbed = await createClient(tenant.settings()).execute(request());
    assert.equal(unscrubbed.ok ? '' : unscrubbed.error.serverMessage?.slice(495), secret.slice(0, 5));
  });

  test('the preview of a non-JSON 2xx answer is scrubbed before it is cut and folded, here and at the token endpoint', async () => {
    const secret = 'hunter  2-secret-0x';
    const redactor = createRedactor([secret]);
    const body = `<html>\n${'y'.repeat(66)}${secret}\n</html>`;
    tenant.answer(json(200, body, 'text/html'));
    const r = await createClient(tenant.settings(), { scrub: redactor.text }).execute(request());
    assert.equal(r.ok ? '' : r.error.kind, 'invalid_response');
    assert.deepEqual(leakedRuns(r.ok ? '' : r.error.message, secret.replace(/\s+/g, ' ')), []);
    assert.match(r.ok ? '' : r.error.message, /not JSON \(text\/html\): "<html> y+\*\*\*/);
    const token = await createClient(
      { ...tenant.settings(), tokenUrl: `${tenant.url}/not-a-token-endpoint` },
      { scrub: redactor.text },
    ).execute(request());
    assert.equal(token.ok ? '' : token.error.kind, 'auth');
    assert.match(token.ok ? '' : token.error.message, /it is not JSON: "<html>\\ny+\*\*\*/);
    assert.deepEqual(leakedRuns(token.ok ? '' : token.error.message, secret), []);
  });
});

describe('onRequest: called before each execute request leaves (SPEC 6 `request` event)', () => {
  let tenant: Awaited<ReturnType<typeof hostileTenant>>;
  before(async () => {
    tenant = await hostileTenant();
  });
  after(() => tenant.close());
  beforeEach(() => tenant.reset());

  test('once per sent request, before the server receives it, numbered like onAttempt', async () => {
    let calls = 0;
    tenant.answer((_req, res) => res.writeHead(++calls < 3 ? 503 : 200).end('{"ok":true}'));
    const requests: RequestInfo[] = [];
    const attempts: AttemptInfo[] = [];
    const req = request({
      onRequest: (info) => {
        tenant.hook();
        requests.push(info);
      },
      onAttempt: (info) => attempts.push(info),
    });
    const r = await createClient(tenant.settings()).execute(req);
    assert.equal(r.ok, true);
    assert.equal(r.attempts, 3);
    assert.deepEqual(
      tenant.received.map((x) => x.hookCalls),
      [1, 2, 3],
      'each request arrived after its own onRequest call',
    );
    assert.deepEqual(
      requests.map((x) => [x.attempt, x.requestId, x.idempotencyKey]),
      attempts.map((a) => [a.attempt, a.requestId, req.idempotencyKey]),
    );
    assert.deepEqual(
      requests.map((x) => x.requestId),
      tenant.received.map((x) => x.headers['x-request-id']),
    );
  });

  test('not called while the token is being retried; the numbering follows onAttempt', async () => {
    tenant.failTokens(1);
    const requests: RequestInfo[] = [];
    const attempts: AttemptInfo[] = [];
    const r = await createClient(tenant.settings()).execute(
      request({ onRequest: (info) => requests.push(info), onAttempt: (info) => attempts.push(info) }),
    );
    assert.equal(r.ok, true);
    // SPEC 5: a token request that failed is not an attempt; it is counted apart.
    assert.deepEqual(
      attempts.map((a) => a.attempt),
      [1],
      'the token failure was not an attempt',
    );
    assert.equal(r.tokenAttempts, 2);
    assert.deepEqual(
      requests.map((x) => x.attempt),
      [1],
    );
    assert.equal(tenant.received.length, 1);

    // Cancelled while waiting for the rate limit: no request, no call.
    const limited = createClient(tenant.settings(), { rateLimit: { limit: 1, windowMs: 60_000 } });
    const seen: RequestInfo[] = [];
    assert.equal((await limited.execute(request({ onRequest: (info) => seen.push(info) }))).ok, true);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const waiting = await limited.execute(request({ signal: stop.signal, onRequest: (info) => seen.push(info) }));
    assert.equal(waiting.ok ? '' : waiting.error.kind, 'cancelled');
    assert.equal(seen.length, 1);
    assert.equal(tenant.received.length, 2);
  });

  test('aborting the signal inside onRequest keeps the request from being sent', async () => {
    const stop = new AbortController();
    const attempts: AttemptInfo[] = [];
    const r = await createClient(tenant.settings()).execute(
      request({ signal: stop.signal, onRequest: () => stop.abort(), onAttempt: (a) => attempts.push(a) }),
    );
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.kind, 'cancelled');
      assert.match(r.error.message, /cancelled before it was sent/);
    }
    assert.equal(r.attempts, 0, 'an unsent request is not an attempt');
    assert.deepEqual(attempts, []);
    assert.equal(tenant.received.length, 0, 'the server saw no request');
  });
});

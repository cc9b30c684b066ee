import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  backoffDelay,
  createClient,
  isRetryable,
  resolveConnection,
  ConfigError,
  type ConnectionSettings,
  type ExecuteRequest,
  type RetryInfo,
  type AttemptInfo,
} from '../src/cxone/index.js';
import { createSimulator, type Simulator } from '../src/sim/index.js';

const FAST = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 };

function settingsFor(sim: Simulator, extra: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return {
    baseUrl: sim.url,
    tokenUrl: sim.tokenUrl,
    clientId: 'client-test',
    clientSecret: 'client-secret-9f8e7d',
    grant: 'client_credentials',
    authMethod: 'body',
    scope: 'integration:data-actions:execute',
    executePath: '/api/v2/integration/data-actions/{actionId}/execute',
    ...extra,
  };
}

function request(
  actionId: string,
  extra: Partial<ExecuteRequest> = {},
): ExecuteRequest & { attempts: AttemptInfo[]; retries: RetryInfo[] } {
  const attempts: AttemptInfo[] = [];
  const retries: RetryInfo[] = [];
  return {
    actionId,
    payload: { hello: 'world' },
    timeoutMs: 5_000,
    idempotent: false,
    retry: FAST,
    idempotencyKey: randomUUID(),
    onAttempt: (a) => attempts.push(a),
    onRetry: (r) => retries.push(r),
    attempts,
    retries,
    ...extra,
  };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('CXone client: retry rules of SPEC 5 over real sockets', () => {
  let sim: Simulator;
  before(async () => {
    sim = await createSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  test('Retry-After: 1 waits exactly that, not the 2 s backoff floor', async () => {
    sim.setAction('da-limited', { sequence: [{ status: 429, retry_after: 1 }], body: { ok: true } });
    const client = createClient(settingsFor(sim));
    const req = request('da-limited', { retry: { maxAttempts: 4, initialDelayMs: 2000, maxDelayMs: 12000 } });
    const t0 = performance.now();
    const result = await client.execute(req);
    const elapsed = performance.now() - t0;
    assert.equal(result.ok, true);
    assert.equal(result.attempts, 2);
    assert.ok(elapsed >= 1000 && elapsed < 1800, `waited ${elapsed.toFixed(0)} ms`);
    assert.deepEqual(
      req.retries.map((r) => [r.waitMs, r.waitSource, r.reason.kind, r.reason.httpStatus]),
      [[1000, 'retry-after', 'rate_limited', 429]],
    );
  });

  test('Retry-After as an HTTP date in the past means retry now', async () => {
    sim.setAction('da-dated', {
      sequence: [{ status: 429, retry_after: new Date(Date.now() - 5000).toUTCString() }],
      body: { ok: true },
    });
    const req = request('da-dated', { retry: { maxAttempts: 2, initialDelayMs: 5000, maxDelayMs: 5000 } });
    const t0 = performance.now();
    const result = await createClient(settingsFor(sim)).execute(req);
    assert.equal(result.ok, true);
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(req.retries[0]?.waitSource, 'retry-after');
    assert.equal(req.retries[0]?.waitMs, 0);
  });

  test('429 and 503 are always retried; 500 and other 4xx never', async () => {
    const client = createClient(settingsFor(sim));
    sim.setAction('da-busy', { sequence: [{ status: 503 }, { status: 429 }], body: { ok: 1 } });
    const busy = await client.execute(request('da-busy'));
    assert.deepEqual([busy.ok, busy.attempts], [true, 3]);
    for (const status of [500, 400, 403, 404, 409, 422]) {
      sim.setAction(`da-${status}`, {
        status,
        body: { message: `failed with ${status}`, code: 'E', contextId: 'ctx-1' },
      });
      const r = await client.execute(request(`da-${status}`, { idempotent: true }));
      assert.equal(r.ok, false);
      assert.equal(r.attempts, 1, `${status} is not retried`);
      if (!r.ok) {
        assert.equal(r.error.httpStatus, status);
        assert.equal(r.error.serverMessage, `failed with ${status}`);
        assert.equal(r.error.contextId, 'ctx-1');
        assert.match(r.error.message, new RegExp(`^\\[POST\\] da-${status}: ${status}`));
      }
    }
  });

  test('429 that never ends fails after max_attempts with kind rate_limited and the tenant-limit hint', async () => {
    sim.setAction('da-always-429', { status: 429, retry_after: 0 });
    const r = await createClient(settingsFor(sim)).execute(request('da-always-429'));
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 3);
    if (!r.ok) {
      assert.equal(r.error.kind, 'rate_limited');
      assert.match(r.error.hint ?? '', /100–200 requests per minute/);
    }
  });

  test('502 and 504 are retried only for idempotent steps', async () => {
    const client = createClient(settingsFor(sim));
    for (const status of [502, 504]) {
      sim.setAction('da-gw', { status });
      assert.equal((await client.execute(request('da-gw'))).attempts, 1);
      assert.equal((await client.execute(request('da-gw', { idempotent: true }))).attempts, 3);
    }
  });

  test('timeouts: per attempt; retried only when idempotent', async () => {
    sim.setAction('da-hang', { hang: true });
    const client = createClient(settingsFor(sim));
    const t0 = performance.now();
    const once = await client.execute(request('da-hang', { timeoutMs: 200 }));
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(once.attempts, 1);
    assert.equal(once.ok ? '' : once.error.kind, 'timeout');
    assert.match(once.ok ? '' : (once.error.hint ?? ''), /timeout_seconds/);
    const again = await client.execute(request('da-hang', { timeoutMs: 100, idempotent: true }));
    assert.equal(again.attempts, 3);
  });

  test('a connection reset after sending is retried only when idempotent', async () => {
    sim.setAction('da-reset', { reset: true });
    const client = createClient(settingsFor(sim));
    const plain = await client.execute(request('da-reset'));
    assert.equal(plain.attempts, 1);
    assert.equal(plain.ok ? '' : plain.error.kind, 'network');
    assert.equal((await client.execute(request('da-reset', { idempotent: true }))).attempts, 3);
  });

  test('connection refused is retried always, then fails with kind network', async () => {
    const port = await closedPort();
    const client = createClient(settingsFor(sim, { baseUrl: `http://127.0.0.1:${port}` }));
    const r = await client.execute(request('da-echo'));
    assert.equal(r.attempts, 3);
    assert.equal(r.ok ? '' : r.error.kind, 'network');
    assert.match(r.ok ? '' : r.error.message, /connection refused/);
  });

  test('no wait runs past the global deadline: the step fails at once with the real cause', async () => {
    sim.setAction('da-slow-limit', { status: 429, retry_after: 5 });
    const t0 = performance.now();
    const r = await createClient(settingsFor(sim)).execute(request('da-slow-limit', { deadline: Date.now() + 1000 }));
    assert.ok(performance.now() - t0 < 800);
    assert.equal(r.attempts, 1);
    assert.equal(r.ok ? '' : r.error.kind, 'rate_limited');
    assert.match(r.ok ? '' : r.error.message, /global timeout/);
  });

  test('the deadline aborts the request in flight with kind global_timeout', async () => {
    sim.setAction('da-hang', { hang: true });
    const r = await createClient(settingsFor(sim)).execute(
      request('da-hang', { deadline: Date.now() + 150, timeoutMs: 5000, idempotent: true }),
    );
    assert.equal(r.attempts, 1);
    assert.equal(r.ok ? '' : r.error.kind, 'global_timeout');
  });

  test('an AbortSignal cancels the request in flight and the wait between attempts', async () => {
    sim.setAction('da-hang', { hang: true });
    const client = createClient(settingsFor(sim));
    const c1 = new AbortController();
    setTimeout(() => c1.abort(), 100);
    const inFlight = await client.execute(request('da-hang', { signal: c1.signal }));
    assert.equal(inFlight.ok ? '' : inFlight.error.kind, 'cancelled');
    sim.setAction('da-wait', { status: 503, retry_after: 10 });
    const c2 = new AbortController();
    setTimeout(() => c2.abort(), 100);
    const t0 = performance.now();
    const waiting = await client.execute(request('da-wait', { signal: c2.signal }));
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(waiting.ok ? '' : waiting.error.kind, 'cancelled');
  });
});

describe('CXone client: answers', () => {
  let sim: Simulator;
  before(async () => {
    sim = await createSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  test('headers: bearer token, JSON, a fresh X-Request-ID per attempt, one Idempotency-Key per execution', async () => {
    sim.setAction('da-flaky', { sequence: [{ status: 503 }, { status: 503 }], body: { ok: true } });
    const req = request('da-flaky');
    const r = await createClient(settingsFor(sim)).execute(req);
    assert.equal(r.ok, true);
    const heads = sim.requests.map((x) => x.headers);
    assert.equal(heads.length, 3);
    assert.equal(new Set(heads.map((h) => h['x-request-id'])).size, 3);
    assert.deepEqual([...new Set(heads.map((h) => h['idempotency-key']))], [req.idempotencyKey]);
    for (const h of heads) {
      assert.match(h.authorization ?? '', /^Bearer \S+/);
      assert.equal(h['content-type'], 'application/json');
      assert.equal(h.accept, 'application/json');
    }
    assert.deepEqual(
      req.attempts.map((a) => a.requestId),
      heads.map((h) => h['x-request-id']),
    );
    assert.deepEqual(sim.requests[0]?.body, { hello: 'world' });
  });

  test('a 2xx answer must be JSON; an empty one is null; over 10 MiB fails', async () => {
    const client = createClient(settingsFor(sim));
    sim.setAction('da-html', { raw: '<html>oops</html>', content_type: 'text/html' });
    const html = await client.execute(request('da-html'));
    assert.equal(html.ok ? '' : html.error.kind, 'invalid_response');
    assert.match(html.ok ? '' : html.error.message, /not JSON \(text\/html\).*oops/);
    sim.setAction('da-empty', { status: 204, raw: '' });
    const empty = await client.execute(request('da-empty'));
    assert.deepEqual([empty.ok, empty.ok && empty.data], [true, null]);
    sim.setAction('da-huge', { body_bytes: 11 * 1024 * 1024 });
    const huge = await client.execute(request('da-huge'));
    assert.equal(huge.ok ? '' : huge.error.kind, 'invalid_response');
    assert.match(huge.ok ? '' : huge.error.message, /larger than 10 MiB/);
    assert.equal(huge.httpStatus, 200, 'the status the server sent is kept');
    sim.setAction('da-big-ok', { body_bytes: 2 * 1024 * 1024 });
    assert.equal((await client.execute(request('da-big-ok'))).ok, true);
  });
});

describe('CXone client: tokens', () => {
  let sim: Simulator;
  before(async () => {
    sim = await createSimulator({
      credentials: { clientId: 'client-test', clientSecret: 'client-secret-9f8e7d' },
      accessKeys: { accessKeyId: 'AK1', accessKeySecret: 'ak-secret-77' },
    });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  test('ten concurrent executions share exactly one token request', async () => {
    const client = createClient(settingsFor(sim));
    const results = await Promise.all(Array.from({ length: 10 }, () => client.execute(request('da-echo'))));
    assert.ok(results.every((r) => r.ok));
    assert.equal(sim.tokenRequests.length, 1);
    assert.equal(sim.tokenRequests[0]?.grantType, 'client_credentials');
    assert.equal(sim.tokenRequests[0]?.authMethod, 'body');
  });

  test('a token is refreshed before it expires', async () => {
    const short = await createSimulator({ tokenTtlSeconds: 2 });
    try {
      const client = createClient(settingsFor(short));
      assert.equal((await client.execute(request('da-echo'))).ok, true);
      assert.equal((await client.execute(request('da-echo'))).ok, true);
      assert.equal(short.tokenRequests.length, 1, 'cached while fresh');
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal((await client.execute(request('da-echo'))).ok, true);
      assert.equal(short.tokenRequests.length, 2, 'refreshed ahead of expiry');
      assert.ok(
        short.requests.every((r) => r.status === 200),
        'no request went out with an expired token',
      );
    } finally {
      await short.close();
    }
  });

  test('a revoked token gets one re-auth; a second 401 fails the step', async () => {
    const client = createClient(settingsFor(sim));
    assert.equal((await client.execute(request('da-echo'))).ok, true);
    sim.revokeTokens();
    const again = await client.execute(request('da-echo'));
    assert.equal(again.ok, true);
    assert.equal(again.attempts, 2);
    assert.equal(sim.tokenRequests.length, 2);
    sim.setAction('da-denied', { status: 401, body: { message: 'Unauthorized' } });
    const denied = await client.execute(request('da-denied'));
    assert.equal(denied.ok, false);
    assert.equal(denied.attempts, 2);
    assert.equal(denied.ok ? '' : denied.error.kind, 'auth');
    assert.match(denied.ok ? '' : (denied.error.hint ?? ''), /scopes/);
  });

  test('wrong credentials fail with kind auth, no retry, and no secret in the message', async () => {
    const client = createClient(settingsFor(sim, { clientSecret: 'wrong-secret-123' }));
    const r = await client.execute(request('da-echo'));
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 0, 'no execute request was sent');
    assert.equal(r.tokenAttempts, 1, 'a refused token is not asked for again');
    if (!r.ok) {
      assert.equal(r.error.kind, 'auth');
      assert.equal(r.error.httpStatus, 401);
      assert.doesNotMatch(JSON.stringify(r.error), /wrong-secret-123/);
    }
    assert.equal(sim.requests.length, 0, 'no execute without a token');
  });

  test('HTTP Basic client authentication and the access-key password grant', async () => {
    assert.equal((await createClient(settingsFor(sim, { authMethod: 'basic' })).execute(request('da-echo'))).ok, true);
    const password = createClient(
      settingsFor(sim, { grant: 'password', authMethod: 'basic', accessKeyId: 'AK1', accessKeySecret: 'ak-secret-77' }),
    );
    assert.equal((await password.execute(request('da-echo'))).ok, true);
    assert.deepEqual(
      sim.tokenRequests.map((t) => [t.grantType, t.authMethod]),
      [
        ['client_credentials', 'basic'],
        ['password', 'basic'],
      ],
    );
    assert.equal(sim.tokenRequests[1]?.username, 'AK1');
    assert.ok(password.secrets().includes('ak-secret-77'));
    assert.ok(password.secrets().includes('client-secret-9f8e7d'));
    assert.equal(password.secrets().length, 3, 'both secrets and the token obtained');
  });

  test('issuer discovery finds the token endpoint and the API base from the token tenant', async () => {
    const client = createClient(settingsFor(sim, { baseUrl: undefined, tokenUrl: undefined, issuer: sim.issuer }));
    const r = await client.execute(request('da-echo'));
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(sim.requests.length, 1);
  });

  test('resolveConnection: tenant derives the URLs; a missing setting names the variable', () => {
    const s = resolveConnection({ tenant: 'us-01' }, { CXONE_CLIENT_ID: 'a', CXONE_CLIENT_SECRET: 'b' });
    assert.equal(s.baseUrl, 'https://us-01.api.nicecxone.com');
    assert.equal(s.tokenUrl, 'https://us-01.api.nicecxone.com/oauth/token');
    assert.equal(s.scope, 'integration:data-actions:execute integration:data-actions:read');
    const flagWins = resolveConnection(
      { baseUrl: 'http://127.0.0.1:1/' },
      { CXONE_BASE_URL: 'http://x', CXONE_TOKEN_URL: 'http://t', CXONE_CLIENT_ID: 'a', CXONE_CLIENT_SECRET: 'b' },
    );
    assert.equal(flagWins.baseUrl, 'http://127.0.0.1:1');
    assert.throws(
      () => resolveConnection({ tenant: 'us-01' }, { CXONE_CLIENT_ID: 'a' }),
      (e: unknown) => e instanceof ConfigError && /CXONE_CLIENT_SECRET/.test(e.message),
    );
    assert.throws(() => resolveConnection({}, { CXONE_CLIENT_ID: 'a', CXONE_CLIENT_SECRET: 'b' }), /CXONE_BASE_URL/);
    assert.throws(
      () =>
        resolveConnection({ tenant: 'x' }, { CXONE_GRANT: 'password', CXONE_CLIENT_ID: 'a', CXONE_CLIENT_SECRET: 'b' }),
      /CXONE_ACCESS_KEY_ID and CXONE_ACCESS_KEY_SECRET/,
    );
  });
});

describe('retry policy as data', () => {
  test('backoff is exponential with full jitter between initial and max', () => {
    const policy = { maxAttempts: 4, initialDelayMs: 2000, maxDelayMs: 12000 };
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => backoffDelay(policy, n, () => 0)),
      [2000, 2000, 2000, 2000],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => backoffDelay(policy, n, () => 1)),
      [4000, 8000, 12000, 12000],
    );
  });

  test('classification', () => {
    const e = (kind: 'http' | 'timeout' | 'network' | 'rate_limited', httpStatus?: number) => ({
      kind,
      message: '',
      ...(httpStatus ? { httpStatus } : {}),
    });
    const table: [ReturnType<typeof e>, boolean, boolean, boolean][] = [
      [e('rate_limited', 429), true, false, true],
      [e('http', 503), true, false, true],
      [e('http', 500), true, true, false],
      [e('http', 502), true, false, false],
      [e('http', 502), true, true, true],
      [e('http', 504), true, true, true],
      [e('timeout'), true, false, false],
      [e('timeout'), true, true, true],
      [e('network'), false, false, true],
      [e('network'), true, false, false],
      [e('network'), true, true, true],
    ];
    for (const [error, sent, idempotent, expected] of table)
      assert.equal(isRetryable(error, sent, idempotent), expected, JSON.stringify([error, sent, idempotent]));
  });
});

describe('CXone client: the run-wide rate limit and cool-down (issue 7)', () => {
  test('--rate-limit keeps every window under the tenant limit: no 429s, nothing lost', async () => {
    const sim = await createSimulator({ rateLimit: { limit: 5, windowMs: 500 } });
    try {
      const client = createClient(settingsFor(sim), { rateLimit: { limit: 5, windowMs: 500 } });
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: 15 }, () => client.execute(request('da-echo'))));
      const elapsed = performance.now() - t0;
      assert.ok(
        results.every((r) => r.ok && r.attempts === 1),
        JSON.stringify(results.map((r) => (r.ok ? r.attempts : r.error))),
      );
      assert.equal(sim.requests.filter((r) => r.status === 429).length, 0);
      // 15 requests at 5 per 500 ms: three bursts, the last one about 1 s after the first.
      assert.ok(elapsed >= 1000 && elapsed < 1600, `took ${elapsed.toFixed(0)} ms`);
      const arrivals = sim.requests.map((r) => r.at).sort((a, b) => a - b);
      for (let i = 5; i < arrivals.length; i++)
        assert.ok((arrivals[i] as number) - (arrivals[i - 5] as number) >= 500, 'no six requests within one window');
    } finally {
      await sim.close();
    }
  });

  test('a 429 with Retry-After holds back the other executions of the run until then', async () => {
    const sim = await createSimulator();
    try {
      sim.setAction('da-limited', { sequence: [{ status: 429, retry_after: 1 }], body: { ok: true } });
      const client = createClient(settingsFor(sim));
      const first = client.execute(request('da-limited'));
      await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      const other = await client.execute(request('da-echo'));
      const waited = performance.now() - t0;
      assert.equal(other.ok, true);
      assert.ok(waited >= 800, `the other execution waited for the cool-down (${waited.toFixed(0)} ms)`);
      assert.equal((await first).attempts, 2);
    } finally {
      await sim.close();
    }
  });
});

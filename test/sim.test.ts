import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createSimulator, loadSimActions, parseRateLimit, type Simulator } from '../src/sim/index.js';

const CLIENT = { clientId: 'app-client', clientSecret: 'Sup3r-Secret-Value!' };
const KEYS = { accessKeyId: 'AK-123', accessKeySecret: 'ak-Secret-456' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

function requestToken(
  sim: Simulator,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { ...FORM, ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

async function tokenFor(sim: Simulator): Promise<string> {
  const res = await requestToken(sim, {
    grant_type: 'client_credentials',
    client_id: CLIENT.clientId,
    client_secret: CLIENT.clientSecret,
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function execute(
  sim: Simulator,
  actionId: string,
  token: string | undefined,
  payload: unknown = {},
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${sim.url}/api/v2/integration/data-actions/${encodeURIComponent(actionId)}/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    ...init,
  });
}

function claims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  assert.equal(parts.length, 3, 'JWT-shaped: header.payload.signature');
  return JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('simulator: token endpoint and discovery', () => {
  let sim: Simulator;
  before(async () => {
    sim = await createSimulator({ credentials: CLIENT, accessKeys: KEYS, tenantId: 'tenant-42' });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  test('client_credentials with the id and secret in the body', async () => {
    const res = await requestToken(sim, {
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      scope: 'a b',
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal(body.scope, 'a b');
    const payload = claims(body.access_token);
    assert.equal(payload.tenantId, 'tenant-42');
    assert.equal(typeof payload.jti, 'string');
    assert.equal(Number(payload.exp) - Number(payload.iat), 3600);
    assert.notEqual(await tokenFor(sim), body.access_token, 'every token is distinct');
    assert.deepEqual(sim.tokenRequests[0], {
      grantType: 'client_credentials',
      clientId: CLIENT.clientId,
      authMethod: 'body',
      scope: 'a b',
      at: sim.tokenRequests[0]?.at,
      status: 200,
    });
  });

  test('client_credentials with HTTP Basic', async () => {
    const res = await requestToken(
      sim,
      { grant_type: 'client_credentials' },
      { authorization: basic(CLIENT.clientId, CLIENT.clientSecret) },
    );
    assert.equal(res.status, 200);
    assert.equal(sim.tokenRequests[0]?.authMethod, 'basic');
  });

  test('the password grant takes the access key as username/password and the client as Basic', async () => {
    const auth = { authorization: basic(CLIENT.clientId, CLIENT.clientSecret) };
    const ok = await requestToken(
      sim,
      { grant_type: 'password', username: KEYS.accessKeyId, password: KEYS.accessKeySecret },
      auth,
    );
    assert.equal(ok.status, 200);
    assert.equal(claims(((await ok.json()) as { access_token: string }).access_token).tenantId, 'tenant-42');
    assert.equal(sim.tokenRequests[0]?.username, KEYS.accessKeyId);
    const wrongKey = await requestToken(
      sim,
      { grant_type: 'password', username: KEYS.accessKeyId, password: 'nope' },
      auth,
    );
    assert.equal(wrongKey.status, 401);
    const clientInBody = await requestToken(sim, {
      grant_type: 'password',
      username: KEYS.accessKeyId,
      password: KEYS.accessKeySecret,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
    assert.equal(clientInBody.status, 401);
  });

  test('bad or missing credentials get 401 invalid_client without echoing the secret', async () => {
    const attempts: Array<Record<string, string>> = [
      { grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: 'Wr0ng-Secret-Guess' },
      { grant_type: 'client_credentials', client_id: 'someone-else', client_secret: CLIENT.clientSecret },
      { grant_type: 'client_credentials', client_id: CLIENT.clientId },
    ];
    for (const form of attempts) {
      const res = await requestToken(sim, form);
      const text = await res.text();
      assert.equal(res.status, 401);
      assert.equal((JSON.parse(text) as { error: string }).error, 'invalid_client');
      assert.ok(!text.includes('Wr0ng-Secret-Guess') && !text.includes(CLIENT.clientSecret), text);
    }
    assert.deepEqual(
      sim.tokenRequests.map((r) => r.status),
      [401, 401, 401],
    );
  });

  test('an unsupported grant is 400 and a body that is not a form is 400', async () => {
    const grant = await requestToken(sim, { grant_type: 'authorization_code' });
    assert.equal(grant.status, 400);
    assert.equal(((await grant.json()) as { error: string }).error, 'unsupported_grant_type');
    const json = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(json.status, 400);
  });

  test('discovery documents', async () => {
    const openid = await fetch(`${sim.issuer}/.well-known/openid-configuration`);
    const config = (await openid.json()) as Record<string, unknown>;
    assert.equal(config.issuer, sim.url);
    assert.equal(config.token_endpoint, sim.tokenUrl);
    const cxone = await fetch(`${sim.issuer}/.well-known/cxone-configuration?tenantId=tenant-42`);
    assert.deepEqual(await cxone.json(), { api_endpoint: sim.url, tenantId: 'tenant-42' });
    assert.equal((await fetch(`${sim.issuer}/.well-known/cxone-configuration`)).status, 400);
    const other = await fetch(`${sim.url}/nowhere`);
    assert.equal(other.status, 404);
    assert.equal(((await other.json()) as { code: string }).code, 'NotFound');
  });
});

describe('simulator: execute', () => {
  let sim: Simulator;
  let token: string;
  before(async () => {
    sim = await createSimulator();
    token = await tokenFor(sim);
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  test('the built-in actions answer from the payload; requests are recorded', async () => {
    const res = await execute(
      sim,
      'da-fetch-customer-profile',
      token,
      { customerId: 'CUST-8842' },
      { headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'X-Request-ID': 'r-1' } },
    );
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      customerId: 'CUST-8842',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      tier: 'premium',
    });
    const sms = await Promise.all(
      [1, 2].map(
        async () =>
          (await (await execute(sim, 'da-send-sms', token, { to: '+15550100' })).json()) as {
            messageId: string;
            to: string;
          },
      ),
    );
    assert.notEqual(sms[0]?.messageId, sms[1]?.messageId);
    assert.equal(sms[0]?.to, '+15550100');
    assert.deepEqual(await (await execute(sim, 'da-echo', token, { a: [1, { b: null }] })).json(), {
      echo: { a: [1, { b: null }] },
    });
    const [first] = sim.requests;
    assert.equal(first?.actionId, 'da-fetch-customer-profile');
    assert.equal(first?.method, 'POST');
    assert.equal(first?.path, '/api/v2/integration/data-actions/da-fetch-customer-profile/execute');
    assert.equal(first?.headers['x-request-id'], 'r-1');
    assert.deepEqual(first?.body, { customerId: 'CUST-8842' });
    assert.equal(first?.status, 200);
    assert.equal(sim.requests.length, 4);
  });

  test('no token or a foreign token gets 401 JSON, recorded', async () => {
    for (const bearer of [undefined, 'not-a-token']) {
      const res = await execute(sim, 'da-echo', bearer);
      assert.equal(res.status, 401);
      const body = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(
        { ...body, contextId: 'x' },
        { message: 'Invalid or expired token', code: 'Unauthorized', status: 401, contextId: 'x' },
      );
    }
    assert.deepEqual(
      sim.requests.map((r) => r.status),
      [401, 401],
    );
  });

  test('revokeTokens fails every token issued so far; reset lifts it', async () => {
    sim.revokeTokens();
    assert.equal((await execute(sim, 'da-echo', token)).status, 401);
    assert.equal((await execute(sim, 'da-echo', await tokenFor(sim))).status, 200, 'a new token works');
    sim.reset();
    assert.equal((await execute(sim, 'da-echo', token)).status, 200);
  });

  test('a sequence answers 429 (Retry-After 1), then 503, then the action itself; reset starts it again', async () => {
    sim.setAction('da-flaky', { sequence: [{ status: 429, retry_after: 1 }, { status: 503 }], body: { ok: true } });
    const first = await execute(sim, 'da-flaky', token);
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '1');
    assert.deepEqual(
      { ...((await first.json()) as object), contextId: 'x' },
      { message: 'Too Many Requests', code: 'TooManyRequests', status: 429, contextId: 'x' },
    );
    const second = await execute(sim, 'da-flaky', token);
    assert.equal(second.status, 503);
    assert.equal(((await second.json()) as { code: string }).code, 'ServiceUnavailable');
    for (let i = 0; i < 2; i++) assert.deepEqual(await (await execute(sim, 'da-flaky', token)).json(), { ok: true });
    sim.reset();
    assert.equal((await execute(sim, 'da-flaky', token)).status, 404, 'reset drops setAction changes');
  });

  test('payload substitution keeps the type of a whole expression and interpolates embedded ones', async () => {
    sim.setAction('da-template', {
      body: {
        count: '${{ payload.count }}',
        nested: '${{payload.nested}}',
        first: '${{ payload.list.0 }}',
        text: 'n=${{ payload.count }}, nested=${{ payload.nested }}, gone=[${{ payload.nope }}]',
        missing: '${{ payload.nope.deeper }}',
        all: ['${{ payload }}', 'literal', 7],
      },
    });
    const res = await execute(sim, 'da-template', token, { count: 3, nested: { a: true }, list: ['x'] });
    assert.deepEqual(await res.json(), {
      count: 3,
      nested: { a: true },
      first: 'x',
      text: 'n=3, nested={"a":true}, gone=[]',
      missing: null,
      all: [{ count: 3, nested: { a: true }, list: ['x'] }, 'literal', 7],
    });
  });

  test('an unknown action is 404 JSON with a fresh contextId', async () => {
    const bodies = await Promise.all(
      [1, 2].map(async () => (await (await execute(sim, 'da-missing', token)).json()) as Record<string, unknown>),
    );
    assert.equal(bodies[0]?.message, 'Data Action da-missing not found');
    assert.equal(bodies[0]?.code, 'NotFound');
    assert.equal(bodies[0]?.status, 404);
    assert.notEqual(bodies[0]?.contextId, bodies[1]?.contextId);
  });

  test('a body that is not JSON is 400 JSON and the server goes on', async () => {
    const res = await execute(sim, 'da-echo', token, '{not json');
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, 'BadRequest');
    assert.equal(sim.requests[0]?.body, '{not json');
    assert.equal((await execute(sim, 'da-echo', token)).status, 200);
  });

  test('latency, extra headers and an HTTP-date Retry-After', async () => {
    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    sim.setAction('da-slow', {
      latency_ms: 120,
      headers: { 'X-Foo': 'bar' },
      retry_after: date,
      status: 202,
      body: { slow: true },
    });
    const t0 = performance.now();
    const res = await execute(sim, 'da-slow', token);
    assert.ok(performance.now() - t0 >= 110, 'waited for latency_ms');
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('x-foo'), 'bar');
    assert.equal(res.headers.get('retry-after'), date);
    assert.deepEqual(await res.json(), { slow: true });
  });

  test('raw answers a non-JSON body verbatim', async () => {
    sim.setAction('da-html', { raw: '<html>oops</html>', content_type: 'text/html', status: 502 });
    const res = await execute(sim, 'da-html', token);
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('content-type'), 'text/html');
    assert.equal(await res.text(), '<html>oops</html>');
  });

  test('body_bytes answers a JSON body of that size', async () => {
    sim.setAction('da-huge', { body_bytes: 11_000_000 });
    const res = await execute(sim, 'da-huge', token);
    const text = await res.text();
    assert.equal(Buffer.byteLength(text), 11_000_000);
    assert.equal(typeof JSON.parse(text), 'string');
  });

  test('reset drops the connection after reading the request', async () => {
    sim.setAction('da-reset', { reset: true });
    await assert.rejects(execute(sim, 'da-reset', token));
    assert.equal(sim.requests[0]?.status, 0);
    assert.deepEqual(sim.requests[0]?.body, {});
  });

  test('setAction refuses an invalid spec', () => {
    assert.throws(
      () => sim.setAction('da-bad', { status: 42, hang: true, reset: true }),
      /action "da-bad": status must be an integer from 100 to 599[\s\S]*hang and reset/,
    );
    assert.throws(() => sim.setAction('da-bad', { body: '${{ inputs.x }}' }), /unsupported expression/);
  });
});

describe('simulator: limits, expiry and hanging', () => {
  test('a rate limit of 2/s answers 429 with Retry-After and a CXone message', async () => {
    const sim = await createSimulator({ rateLimit: parseRateLimit('2/s') });
    try {
      const token = await tokenFor(sim);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await execute(sim, 'da-echo', token));
      assert.deepEqual(
        statuses.map((r) => r.status),
        [200, 200, 429],
      );
      const limited = statuses[2] as Response;
      assert.equal(limited.headers.get('retry-after'), '1');
      const body = (await limited.json()) as Record<string, unknown>;
      assert.equal(body.message, 'Tenant rate limit of 2 requests per second exceeded');
      assert.equal(body.code, 'TooManyRequests');
      assert.equal(sim.requests.length, 3);
      sim.reset();
      assert.equal((await execute(sim, 'da-echo', token)).status, 200, 'reset clears the window');
    } finally {
      await sim.close();
    }
  });

  test('an expired token gets 401', async () => {
    const sim = await createSimulator({ tokenTtlSeconds: 0.15 });
    try {
      const token = await tokenFor(sim);
      assert.equal((await execute(sim, 'da-echo', token)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal((await execute(sim, 'da-echo', token)).status, 401);
    } finally {
      await sim.close();
    }
  });

  test('hang never answers: the client gives up, and close() still resolves at once', async () => {
    const sim = await createSimulator({ actions: { 'da-hang': { hang: true } } });
    const token = await tokenFor(sim);
    await assert.rejects(execute(sim, 'da-hang', token, {}, { signal: AbortSignal.timeout(200) }), {
      name: 'TimeoutError',
    });
    assert.equal(sim.requests[0]?.status, 0);
    const pending = execute(sim, 'da-hang', token);
    while (sim.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const t0 = performance.now();
    await sim.close();
    assert.ok(performance.now() - t0 < 500, 'close destroys hanging connections');
    await assert.rejects(pending);
  });
});

describe('simulator: loadSimActions and parseRateLimit', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxchain-sim-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function write(name: string, text: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  }

  test('reads `actions:` and a bare mapping', async () => {
    const wrapped = await write(
      'ok.yaml',
      'actions:\n  da-x:\n    status: 201\n    body: { id: "${{ payload.id }}" }\n    sequence:\n      - { status: 429, retry_after: 1 }\n',
    );
    assert.deepEqual(await loadSimActions(wrapped), {
      'da-x': { status: 201, body: { id: '${{ payload.id }}' }, sequence: [{ status: 429, retry_after: 1 }] },
    });
    const bare = await write('bare.yaml', 'da-y: { hang: true }\n');
    assert.deepEqual(await loadSimActions(bare), { 'da-y': { hang: true } });
  });

  test('names the file, the position, the action and the key of every problem', async () => {
    const file = await write(
      'bad.yaml',
      'actions:\n  da-x:\n    latencyMs: 5\n    status: "200"\n    sequence:\n      - { hang: yes please }\n',
    );
    await assert.rejects(loadSimActions(file), (error: Error) => {
      assert.match(error.message, /bad\.yaml \(3 problems\)/);
      assert.match(
        error.message,
        /bad\.yaml:3:5: action "da-x": unknown key "latencyMs" \(did you mean "latency_ms"\?\)/,
      );
      assert.match(
        error.message,
        /bad\.yaml:4:13: action "da-x": status must be an integer from 100 to 599, got "200"/,
      );
      assert.match(error.message, /action "da-x", sequence entry 1: hang must be true or false/);
      return true;
    });
  });

  test('bad YAML, a file that is not a mapping, and a missing file', async () => {
    await assert.rejects(
      loadSimActions(await write('syntax.yaml', 'actions:\n  da-x: { status: 200\n')),
      /syntax\.yaml:\d+:\d+: invalid YAML/,
    );
    await assert.rejects(
      loadSimActions(await write('list.yaml', '- a\n- b\n')),
      /list\.yaml.*expected a mapping of action id to spec, got a list/,
    );
    await assert.rejects(loadSimActions(await write('empty.yaml', '')), /empty\.yaml: the file defines no actions/);
    await assert.rejects(
      loadSimActions(join(dir, 'absent.yaml')),
      /Cannot read simulator actions file .*absent\.yaml: no such file/,
    );
  });

  test('parseRateLimit', () => {
    assert.deepEqual(parseRateLimit('100/m'), { limit: 100, windowMs: 60_000 });
    assert.deepEqual(parseRateLimit('50/s'), { limit: 50, windowMs: 1000 });
    assert.deepEqual(parseRateLimit('10/min'), { limit: 10, windowMs: 60_000 });
    assert.deepEqual(parseRateLimit('5/sec'), { limit: 5, windowMs: 1000 });
    for (const bad of ['100', '0/s', 'ten/m', '5/h', '-1/s'])
      assert.throws(() => parseRateLimit(bad), /expected N\/s or N\/m/);
  });
});

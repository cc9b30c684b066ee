import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createClient, type ConnectionSettings, type ExecuteRequest } from '../src/cxone/index.js';
import { createSimulator, type Simulator } from '../src/sim/index.js';
import { CLI, runCli, tempDir } from './helpers.js';

/** A local server with a handler of the test's choosing, for answers the simulator does not give. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function settings(baseUrl: string, tokenUrl: string): ConnectionSettings {
  return {
    baseUrl,
    tokenUrl,
    clientId: 'fault-client',
    clientSecret: 'fault-secret-3c1d',
    grant: 'client_credentials',
    authMethod: 'body',
    scope: 's',
    executePath: '/api/v2/integration/data-actions/{actionId}/execute',
  };
}

const request = (extra: Partial<ExecuteRequest> = {}): ExecuteRequest => ({
  actionId: 'da-echo',
  payload: {},
  timeoutMs: 2000,
  idempotent: false,
  retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
  idempotencyKey: randomUUID(),
  ...extra,
});

describe('faults: each gives the spec failure kind and a hint', () => {
  let sim: Simulator;
  before(async () => {
    sim = await createSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  test('the token endpoint down: kind network, retried (nothing was sent), then failed', async () => {
    const down = await serve(() => undefined);
    await down.close();
    const r = await createClient(settings(sim.url, `${down.url}/oauth/token`)).execute(request());
    assert.equal(r.ok, false);
    // SPEC 5: an attempt is an execute request sent; token requests are counted apart.
    assert.equal(r.attempts, 0);
    assert.equal(r.tokenAttempts, 3);
    if (!r.ok) {
      assert.equal(r.error.kind, 'network');
      assert.match(r.error.message, /token request .*connection refused/);
      assert.match(r.error.hint ?? '', /reachable/);
    }
  });

  test('the token endpoint answering garbage: kind auth, says what came back', async () => {
    const garbage = await serve((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login page</html>'),
    );
    try {
      const r = await createClient(settings(sim.url, `${garbage.url}/oauth/token`)).execute(request());
      assert.equal(r.ok, false);
      assert.equal(r.attempts, 0);
      assert.equal(r.tokenAttempts, 1);
      if (!r.ok) {
        assert.equal(r.error.kind, 'auth');
        assert.match(r.error.message, /no access_token/);
        assert.match(r.error.message, /login page/);
      }
    } finally {
      await garbage.close();
    }
  });

  test('DNS failure: kind network, "host not found", retried because nothing was sent', async () => {
    const r = await createClient(settings('http://cxchain-no-such-host.invalid', sim.tokenUrl)).execute(request());
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 3);
    if (!r.ok) {
      assert.equal(r.error.kind, 'network');
      assert.match(r.error.message, /host not found/);
    }
  });

  test('a slow action within its timeout passes; a hanging one times out per attempt', async () => {
    sim.setAction('da-slow', { latency_ms: 300, body: { ok: true } });
    const client = createClient(settings(sim.url, sim.tokenUrl));
    assert.equal((await client.execute(request({ actionId: 'da-slow', timeoutMs: 1000 }))).ok, true);
    const slowTimeout = await client.execute(request({ actionId: 'da-slow', timeoutMs: 100 }));
    assert.equal(slowTimeout.ok ? '' : slowTimeout.error.kind, 'timeout');
  });

  test('Retry-After of an hour fails fast with the real cause, no hour-long sleep', async () => {
    sim.setAction('da-hour', { status: 429, retry_after: 3600 });
    const t0 = performance.now();
    const r = await createClient(settings(sim.url, sim.tokenUrl)).execute(
      request({ actionId: 'da-hour', deadline: Date.now() + 120_000 }),
    );
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(r.ok ? '' : r.error.kind, 'rate_limited');
    assert.match(r.ok ? '' : r.error.message, /not retried: waiting 3600\.0 s would pass the chain's global timeout/);
  });
});

const SLOW_CHAIN =
  'version: 1\nchain_id: slow\nsteps:\n  - action_id: da-echo\n  - action_id: da-hang\n  - action_id: da-echo\n    id: last\n';

describe('interruption', () => {
  let sim: Simulator;
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    sim = await createSimulator({ actions: { 'da-hang': { hang: true } } });
    ({ dir, cleanup } = await tempDir({ 'slow.yaml': SLOW_CHAIN }));
    env = {
      ...process.env,
      NO_COLOR: '1',
      CXONE_BASE_URL: sim.url,
      CXONE_TOKEN_URL: sim.tokenUrl,
      CXONE_CLIENT_ID: 'i',
      CXONE_CLIENT_SECRET: 's3cret',
    };
  });
  after(async () => {
    await sim.close();
    await cleanup();
  });

  async function startAndWaitForHang(args: string[]) {
    sim.reset();
    const child = spawn(process.execPath, [CLI, 'run', 'slow.yaml', ...args], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.resume();
    child.stderr.resume();
    const deadline = Date.now() + 10_000;
    while (!sim.requests.some((r) => r.actionId === 'da-hang') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    return child;
  }

  test('SIGTERM mid-run: the request in flight stops, the rest is cancelled, reports are written, exit 143', async () => {
    const child = await startAndWaitForHang([
      '--audit',
      'term.jsonl',
      '--report',
      'json=term.json',
      '--report',
      'junit=term.xml',
    ]);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 143);
    const report = JSON.parse(await readFile(join(dir, 'term.json'), 'utf8')) as {
      results: { termination_reason: string; aggregated_responses: { status: string }[] }[];
    };
    assert.equal(report.results[0]?.termination_reason, 'cancelled');
    assert.deepEqual(
      report.results[0]?.aggregated_responses.map((s) => s.status),
      ['success', 'cancelled', 'cancelled'],
    );
    assert.match(await readFile(join(dir, 'term.xml'), 'utf8'), /<testsuites /);
    const lines = (await readFile(join(dir, 'term.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(
      lines.slice(-2).map((l) => (JSON.parse(l) as { type: string }).type),
      ['chain_end', 'run_end'],
    );
  });

  test('kill -9 mid-run: every line of the audit file still parses', async () => {
    const child = await startAndWaitForHang(['--audit', 'killed.jsonl']);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const lines = (await readFile(join(dir, 'killed.jsonl'), 'utf8')).split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a whole line');
    const types = lines.map((l) => (JSON.parse(l) as { type: string }).type);
    assert.deepEqual(types.slice(0, 6), ['chain_start', 'step_start', 'request', 'attempt', 'step_end', 'step_start']);
  });
});

describe('secrets never leak, whatever the command or the failure', () => {
  // Characters that change when a secret is URL-, form-, JSON- or XML-encoded on its way into output.
  const SECRETS = {
    CXONE_CLIENT_SECRET: 'cs:7H/q2 leak+canary&"x\\y',
    CXONE_ACCESS_KEY_SECRET: 'ak-9Zx4/leak+canary',
    CXCHAIN_SECRET_CRM_KEY: 'crm"4Kd8&<leak>\\canary',
  };

  test('validate, list, run (every renderer, reports, audit) and a token endpoint that echoes the secret', async () => {
    const sim = await createSimulator({
      actions: {
        'da-broken': { status: 500, body: { message: 'failed; key was ${{ payload.key }}; body was ${{ payload }}' } },
      },
    });
    // A token endpoint that quotes the credentials back in its error, as some misconfigured proxies do.
    const echo = await serve((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () =>
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'invalid_client', error_description: `rejected ${body}` })),
      );
    });
    const { dir, cleanup } = await tempDir({
      'chains/secret.yaml':
        'version: 1\nchain_id: secret\nsteps:\n  - action_id: da-echo\n    payload: { key: "${{ secrets.CRM_KEY }}" }\n  - action_id: da-broken\n    payload: { key: "${{ secrets.CRM_KEY }}" }\n',
    });
    const outputs: string[] = [];
    const files: string[] = [];
    try {
      const base = { ...SECRETS, CXONE_CLIENT_ID: 'leak-test' };
      const simEnv = { ...base, CXONE_BASE_URL: sim.url, CXONE_TOKEN_URL: sim.tokenUrl };
      const calls: [string[], NodeJS.ProcessEnv][] = [
        [['validate', 'chains'], simEnv],
        [['list', 'chains', '--json'], simEnv],
        [
          [
            'run',
            'chains',
            '--renderer',
            'simple',
            '--audit',
            'a1.jsonl',
            '--audit-payloads',
            '--report',
            'json=r1.json',
            '--report',
            'junit=r1.xml',
          ],
          simEnv,
        ],
        [
          ['run', 'chains', '--renderer', 'json', '--audit', 'a2.jsonl', '--audit-payloads'],
          { ...simEnv, GITHUB_ACTIONS: 'true' },
        ],
        [
          ['run', 'chains', '--renderer', 'simple', '--report', 'json=r3.json'],
          { ...simEnv, CXONE_GRANT: 'password', CXONE_ACCESS_KEY_ID: 'AK' },
        ],
        [
          ['run', 'chains', '--renderer', 'json', '--audit', 'a4.jsonl', '--report', 'json=r4.json'],
          { ...base, CXONE_BASE_URL: sim.url, CXONE_TOKEN_URL: `${echo.url}/oauth/token` },
        ],
      ];
      for (const [args, env] of calls) {
        const r = await runCli(args, { cwd: dir, env });
        outputs.push(r.stdout, r.stderr);
      }
      files.push('a1.jsonl', 'r1.json', 'r1.xml', 'a2.jsonl', 'r3.json', 'a4.jsonl', 'r4.json');
      for (const f of files) outputs.push(await readFile(join(dir, f), 'utf8'));
      const tokens = sim.requests
        .map((r) => r.headers.authorization?.replace(/^Bearer /, ''))
        .filter((t): t is string => !!t);
      assert.ok(tokens.length >= 3, 'runs reached the server with tokens');
      assert.ok(
        sim.requests.some((r) => (r.body as { key?: string } | null)?.key === SECRETS.CXCHAIN_SECRET_CRM_KEY),
        'the secret did reach the server',
      );
      // The one place a token may appear: GitHub's own mask command, which hides it from the log.
      const masked = outputs
        .join('\n')
        .split('\n')
        .filter((line) => line.startsWith('::add-mask::'));
      assert.ok(
        masked.length >= 1 && masked.every((line) => tokens.includes(line.slice('::add-mask::'.length))),
        'tokens are masked in GitHub Actions',
      );
      const all = outputs
        .join('\n')
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      assert.match(all, /rejected/, 'the echoing token endpoint was reached and its error shown');
      for (const secret of [...Object.values(SECRETS), ...new Set(tokens)]) {
        const spellings = [
          secret,
          JSON.stringify(secret).slice(1, -1),
          JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1),
          encodeURIComponent(secret),
          new URLSearchParams({ s: secret }).toString().slice(2),
          secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
        ];
        for (const spelling of spellings)
          assert.equal(all.includes(spelling), false, `leaked ${JSON.stringify(spelling.slice(0, 6))}…`);
      }
      // With --renderer json, stdout is JSON lines only, also in GitHub Actions.
      const jsonRun = outputs[6] as string;
      for (const line of jsonRun.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), line.slice(0, 40));
    } finally {
      await echo.close();
      await sim.close();
      await cleanup();
    }
  });
});

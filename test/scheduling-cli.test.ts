import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ChainResult } from '../src/engine/index.js';
import { shardOf } from '../src/cli/shard.js';
import { runCli, tempDir } from './helpers.js';

type Handler = (req: IncomingMessage, res: ServerResponse, call: number) => void;

/** A tenant of its own: the token endpoint and execute answer as the test scripts them. */
async function tenant(token: Handler, execute: Handler = (_req, res) => json(res, 200, { ok: true })) {
  let tokenCalls = 0;
  let executeCalls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/oauth/token') token(req, res, ++tokenCalls);
      else execute(req, res, ++executeCalls);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    env: {
      CXONE_BASE_URL: url,
      CXONE_TOKEN_URL: `${url}/oauth/token`,
      CXONE_CLIENT_ID: 'scheduling-test',
      CXONE_CLIENT_SECRET: 'scheduling-test-secret',
    },
    calls: () => ({ token: tokenCalls, execute: executeCalls }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

const CHAIN =
  'version: 1\nchain_id: c\ndefaults:\n  timeout_seconds: 5\n  retry: { max_attempts: 3, initial_delay_ms: 10, max_delay_ms: 20 }\nsteps:\n  - action_id: da-one\n';

describe('what an attempt is, end to end (SPEC 5, issue 12)', () => {
  test('a token endpoint answering 503 twice: one attempt, three token attempts, counted apart', async () => {
    const t = await tenant((_req, res, call) =>
      call <= 2
        ? json(res, 503, { message: 'busy' })
        : json(res, 200, { access_token: 'tok-abcdefgh', expires_in: 3600 }),
    );
    const { dir, cleanup } = await tempDir({ 'c.yaml': CHAIN });
    try {
      const r = await runCli(['run', 'c.yaml', '--report', 'json=r.json'], { cwd: dir, env: t.env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as { results: ChainResult[] };
      const step = report.results[0]?.aggregated_responses[0];
      assert.equal(step?.attempts, 1);
      assert.equal(step?.token_attempts, 3);
      assert.deepEqual(t.calls(), { token: 3, execute: 1 });
    } finally {
      await cleanup();
      await t.close();
    }
  });

  test('a token endpoint slower than timeout_seconds: the wait is not an attempt and not bounded by it', async () => {
    const t = await tenant((_req, res) =>
      setTimeout(() => json(res, 200, { access_token: 'tok-abcdefgh', expires_in: 3600 }), 5500),
    );
    const { dir, cleanup } = await tempDir({ 'c.yaml': CHAIN });
    try {
      const r = await runCli(['run', 'c.yaml', '--report', 'json=r.json'], { cwd: dir, env: t.env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const step = (JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as { results: ChainResult[] }).results[0]
        ?.aggregated_responses[0];
      assert.equal(step?.attempts, 1);
      assert.equal(step?.status, 'success');
    } finally {
      await cleanup();
      await t.close();
    }
  });

  for (const expiresIn of [0, -5, '3600', undefined])
    test(`expires_in ${JSON.stringify(expiresIn)}: taken as 60 s, with one warning`, async () => {
      const t = await tenant((_req, res) =>
        json(res, 200, { access_token: 'tok-abcdefgh', ...(expiresIn !== undefined ? { expires_in: expiresIn } : {}) }),
      );
      const two = `${CHAIN}  - id: again\n    action_id: da-one\n`;
      const { dir, cleanup } = await tempDir({ 'c.yaml': two });
      try {
        const r = await runCli(['run', 'c.yaml'], { cwd: dir, env: t.env });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const warnings = r.stderr.split('\n').filter((l) => l.includes('expires_in'));
        assert.equal(warnings.length, 1, r.stderr);
        assert.match(warnings[0] ?? '', /taken to last 60 s/);
        assert.deepEqual(t.calls(), { token: 1, execute: 2 }, 'the token is reused within its 60 s');
      } finally {
        await cleanup();
        await t.close();
      }
    });
});

describe('Retry-After end to end (SPEC 5, RFC 9110)', () => {
  const cases: [string, 'retry-after' | 'backoff', number][] = [
    ['-5', 'backoff', 50],
    ['+2', 'backoff', 50],
    ['.5', 'backoff', 50],
    ['2.', 'backoff', 50],
    ['1, 1', 'retry-after', 1000],
  ];
  for (const [header, source, wait] of cases)
    test(`Retry-After ${JSON.stringify(header)}: the wait is ${source === 'backoff' ? 'the backoff' : `exactly ${wait} ms`}`, async () => {
      const t = await tenant(
        (_req, res) => json(res, 200, { access_token: 'tok-abcdefgh', expires_in: 3600 }),
        (_req, res, call) =>
          call === 1
            ? json(res, 429, { message: 'slow down' }, { 'retry-after': header })
            : json(res, 200, { ok: true }),
      );
      const chain =
        'version: 1\nchain_id: c\ndefaults:\n  retry: { max_attempts: 2, initial_delay_ms: 50, max_delay_ms: 50 }\nsteps:\n  - action_id: da-one\n';
      const { dir, cleanup } = await tempDir({ 'c.yaml': chain });
      try {
        const r = await runCli(['run', 'c.yaml', '--renderer', 'json'], { cwd: dir, env: t.env });
        assert.equal(r.code, 0, r.stderr);
        const retry = r.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { type: string; wait_ms?: number; wait_source?: string })
          .find((e) => e.type === 'retry');
        assert.equal(retry?.wait_source, source);
        assert.equal(retry?.wait_ms, wait);
      } finally {
        await cleanup();
        await t.close();
      }
    });
});

describe('the tenant budget across shards (SPEC 4)', () => {
  test('--rate-limit is divided among the shards and said once; --rate-limit-scope shard opts out', async () => {
    const t = await tenant((_req, res) => json(res, 200, { access_token: 'tok-abcdefgh', expires_in: 3600 }));
    const { dir, cleanup } = await tempDir({ 'c.yaml': CHAIN });
    const shard = `${shardOf('c.yaml', 4)}/4`;
    try {
      const shared = await runCli(['run', 'c.yaml', '--rate-limit', '100/m', '--shard', shard], {
        cwd: dir,
        env: t.env,
      });
      assert.ok(shared.code === 0, shared.stderr);
      assert.match(shared.stderr, /^rate limit 100\/m shared by 4 shards: 25\/m here$/m);
      const own = await runCli(
        ['run', 'c.yaml', '--rate-limit', '100/m', '--shard', shard, '--rate-limit-scope', 'shard'],
        { cwd: dir, env: t.env },
      );
      assert.doesNotMatch(own.stderr, /shared by/);
      const few = await runCli(['run', 'c.yaml', '--rate-limit', '2/m', '--shard', shard], { cwd: dir, env: t.env });
      assert.match(few.stderr, /rate limit 2\/m shared by 4 shards: 1 per 120 s here/);
    } finally {
      await cleanup();
      await t.close();
    }
  });
});

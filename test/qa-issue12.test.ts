import assert from 'node:assert/strict';
import { readFile, symlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ChainResult } from '../src/engine/index.js';
import { runCli, startWatch, tempDir } from './helpers.js';

// QA of issue 12 as a user meets it: spawned CLI processes against tenants written here on
// 127.0.0.1. The tests run at once (each waits on its own processes), so the file takes about as
// long as its slowest test: a global deadline, which is at least 60 s.

type Handler = (req: IncomingMessage, res: ServerResponse, call: number) => void;

const TOKEN: Handler = (_req, res) => json(res, 200, { access_token: 'tok-abcdefgh', expires_in: 3600 });

async function tenant(execute: Handler, token: Handler = TOKEN) {
  let executeCalls = 0;
  const sent: { at: number; url: string }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/oauth/token') return token(req, res, 0);
      sent.push({ at: Date.now(), url: req.url ?? '' });
      execute(req, res, ++executeCalls);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    env: {
      CXONE_BASE_URL: url,
      CXONE_TOKEN_URL: `${url}/oauth/token`,
      CXONE_CLIENT_ID: 'qa-issue12',
      CXONE_CLIENT_SECRET: 'qa-issue12-secret',
    },
    sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function report(dir: string): Promise<ChainResult[]> {
  return (JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as { results: ChainResult[] }).results;
}

const oneStep = (id: string, action: string, extra = '') =>
  `version: 1\nchain_id: ${id}\n${extra}steps:\n  - action_id: ${action}\n`;

describe('issue 12, tried as a user', { concurrency: true }, () => {
  test('one Retry-After: 3600 fails its own step at once; a chain held past its deadline is rate_limited, naming the cause', async () => {
    const t = await tenant((req, res) => {
      if (req.url?.includes('da-limited')) return json(res, 429, { message: 'slow down' }, { 'retry-after': '3600' });
      if (req.url?.includes('da-first')) return setTimeout(() => json(res, 200, { ok: 1 }), 500);
      json(res, 200, { ok: 2 });
    });
    const { dir, cleanup } = await tempDir({
      'a.yaml': oneStep('a', 'da-limited'),
      'b.yaml':
        'version: 1\nchain_id: b\nglobal_timeout_seconds: 60\nsteps:\n  - action_id: da-first\n  - action_id: da-next\n',
    });
    try {
      const r = await runCli(['run', '.', '--concurrency', '2', '--report', 'json=r.json'], {
        cwd: dir,
        env: t.env,
        timeoutMs: 90_000,
      });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const [a, b] = await report(dir);
      const drew = a?.aggregated_responses[0];
      assert.equal(drew?.error?.kind, 'rate_limited');
      assert.equal(drew?.http_status, 429);
      assert.ok((drew?.latency_ms ?? Infinity) < 5000, `the drawing step failed at once (${drew?.latency_ms} ms)`);
      const held = b?.aggregated_responses[1];
      assert.equal(b?.aggregated_responses[0]?.status, 'success');
      assert.equal(held?.error?.kind, 'rate_limited', JSON.stringify(held));
      assert.match(held?.error?.message ?? '', /da-limited \(step da-limited of chain a\)/);
      assert.equal(held?.attempts, 0);
      assert.ok((b?.total_latency_ms ?? 0) >= 59_000, `held until its deadline (${b?.total_latency_ms} ms)`);
      assert.deepEqual(
        t.sent.map((s) => s.url.split('/').at(-2)),
        ['da-limited', 'da-first'],
        'nothing more was sent',
      );
    } finally {
      await cleanup();
      await t.close();
    }
  });

  test('a fallback stopped at the deadline ends the chain with global_timeout, not abort', async () => {
    const t = await tenant((req, res) => {
      if (req.url?.includes('da-fail')) return json(res, 500, { message: 'boom' });
      if (req.url?.includes('da-hang')) return; // never answers
      json(res, 200, {});
    });
    const { dir, cleanup } = await tempDir({
      'c.yaml':
        'version: 1\nchain_id: fb\nglobal_timeout_seconds: 60\nsteps:\n  - id: s\n    action_id: da-fail\n    on_failure: fallback\n    fallback:\n      action_id: da-hang\n      timeout_seconds: 120\n  - id: later\n    action_id: da-ok\n',
    });
    try {
      const r = await runCli(['run', 'c.yaml', '--report', 'json=r.json'], { cwd: dir, env: t.env, timeoutMs: 90_000 });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const [c] = await report(dir);
      assert.equal(c?.final_status, 'terminated_early');
      assert.equal(c?.termination_reason, 'global_timeout');
      assert.equal(c?.aggregated_responses[1]?.status, 'skipped');
    } finally {
      await cleanup();
      await t.close();
    }
  });

  test('--rate-limit 10/m paces 20 one-step chains with a 60 s deadline: none fails, no window holds more than 10', async () => {
    const t = await tenant((_req, res) => json(res, 200, {}));
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++)
      files[`c${String(i).padStart(2, '0')}.yaml`] = oneStep(`c${i}`, 'da-one', 'global_timeout_seconds: 60\n');
    const { dir, cleanup } = await tempDir(files);
    try {
      const r = await runCli(['run', '.', '--rate-limit', '10/m', '--report', 'json=r.json'], {
        cwd: dir,
        env: t.env,
        timeoutMs: 100_000,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal((await report(dir)).filter((c) => c.final_status !== 'completed').length, 0);
      const at = t.sent.map((s) => s.at).sort((x, y) => x - y);
      assert.equal(at.length, 20);
      for (let i = 10; i < at.length; i++)
        assert.ok(
          (at[i] as number) - (at[i - 10] as number) >= 60_000,
          `request ${i + 1} came within 60 s of ${i - 9}`,
        );
    } finally {
      await cleanup();
      await t.close();
    }
  });

  test('with --concurrency above the limit, chains started beyond the free slots must not lose their deadline to the limiter', async () => {
    const t = await tenant((_req, res) => json(res, 200, {}));
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++)
      files[`c${String(i).padStart(2, '0')}.yaml`] = oneStep(`c${i}`, 'da-one', 'global_timeout_seconds: 60\n');
    const { dir, cleanup } = await tempDir(files);
    try {
      const r = await runCli(['run', '.', '--rate-limit', '10/m', '--concurrency', '20', '--report', 'json=r.json'], {
        cwd: dir,
        env: t.env,
        timeoutMs: 100_000,
      });
      assert.equal(r.code, 0, 'some chains lost their deadline waiting for a --rate-limit slot');
      assert.equal((await report(dir)).filter((c) => c.final_status !== 'completed').length, 0);
    } finally {
      await cleanup();
      await t.close();
    }
  });

  for (const header of ['1,1', '1 , 1', '1,\t1'])
    test(`Retry-After ${JSON.stringify(header)} is one value sent twice: the wait is exactly 1000 ms`, async () => {
      const t = await tenant((_req, res, call) =>
        call === 1 ? json(res, 429, { message: 'slow' }, { 'retry-after': header }) : json(res, 200, {}),
      );
      const { dir, cleanup } = await tempDir({
        'c.yaml': oneStep(
          'c',
          'da-one',
          'defaults:\n  retry: { max_attempts: 2, initial_delay_ms: 50, max_delay_ms: 50 }\n',
        ),
      });
      try {
        const r = await runCli(['run', 'c.yaml', '--renderer', 'json'], { cwd: dir, env: t.env });
        assert.equal(r.code, 0, r.stderr);
        const retry = r.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { type: string; wait_ms?: number; wait_source?: string })
          .find((e) => e.type === 'retry');
        assert.deepEqual([retry?.wait_source, retry?.wait_ms], ['retry-after', 1000]);
      } finally {
        await cleanup();
        await t.close();
      }
    });

  test('a token endpoint that refuses connections: the hint names the token URL, not the base URL', async () => {
    const t = await tenant((_req, res) => json(res, 200, {}));
    const { dir, cleanup } = await tempDir({
      'c.yaml': oneStep(
        'c',
        'da-one',
        'defaults:\n  retry: { max_attempts: 2, initial_delay_ms: 50, max_delay_ms: 50 }\n',
      ),
    });
    try {
      // Port 9 (discard) is closed on 127.0.0.1: connection refused at once.
      const env = { ...t.env, CXONE_TOKEN_URL: 'http://127.0.0.1:9/oauth/token' };
      const r = await runCli(['run', 'c.yaml', '--report', 'json=r.json'], { cwd: dir, env });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const error = (await report(dir))[0]?.aggregated_responses[0]?.error;
      assert.equal(error?.kind, 'network');
      assert.match(error?.hint ?? '', /token URL \(--token-url \/ CXONE_TOKEN_URL\)/);
      assert.doesNotMatch(error?.hint ?? '', /base URL/);
      assert.equal(t.sent.length, 0);
    } finally {
      await cleanup();
      await t.close();
    }
  });

  test('a token endpoint that never answers: no `timeout_seconds` or `idempotent: true` advice, which cannot help', async () => {
    const t = await tenant(
      (_req, res) => json(res, 200, {}),
      () => undefined,
    );
    const { dir, cleanup } = await tempDir({
      'c.yaml': oneStep(
        'c',
        'da-one',
        'defaults:\n  retry: { max_attempts: 1, initial_delay_ms: 50, max_delay_ms: 50 }\n',
      ),
    });
    try {
      const r = await runCli(['run', 'c.yaml', '--report', 'json=r.json'], { cwd: dir, env: t.env, timeoutMs: 40_000 });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const step = (await report(dir))[0]?.aggregated_responses[0];
      assert.equal(step?.error?.kind, 'timeout');
      assert.equal(step?.attempts, 0);
      assert.doesNotMatch(step?.error?.message ?? '', /timeout_seconds/);
      assert.doesNotMatch(step?.error?.hint ?? '', /idempotent|timeout_seconds|execution logs/);
      assert.match(step?.error?.hint ?? '', /token URL/);
    } finally {
      await cleanup();
      await t.close();
    }
  });

  test('a symbolic link loop in a folder is a loop, not "a link to a file that does not exist"', async () => {
    const { dir, cleanup } = await tempDir({ 'chains/ok.yaml': oneStep('ok', 'da-echo') });
    try {
      await symlink('loop.yaml', join(dir, 'chains/loop.yaml'));
      await symlink('missing.yaml', join(dir, 'chains/dangling.yaml'));
      const r = await runCli(['validate', '--format', 'json', 'chains'], { cwd: dir });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const diagnostics = (JSON.parse(r.stdout) as { diagnostics: { code: string; file: string; message: string }[] })
        .diagnostics;
      const loop = diagnostics.find((d) => d.file === 'chains/loop.yaml');
      assert.equal(loop?.code, 'path.unreadable', JSON.stringify(diagnostics));
      assert.match(loop?.message ?? '', /symbolic links \(a loop\?\)/);
      const dangling = diagnostics.find((d) => d.file === 'chains/dangling.yaml');
      assert.match(dangling?.message ?? '', /a symbolic link to a file that does not exist/);
    } finally {
      await cleanup();
    }
  });

  test('a symbolic link loop appearing under watch is said as a loop, not "watching failed"; SIGTERM still stops it', async () => {
    const { dir, cleanup } = await tempDir({ 'chains/ok.yaml': oneStep('ok', 'da-echo') });
    const watcher = await startWatch(['--sim', 'chains'], { cwd: dir });
    try {
      await symlink('loop.yaml', join(dir, 'chains/loop.yaml'));
      await watcher.see(/loop\.yaml` cannot be read \(too many symbolic links \(a loop\?\)\)/, 'the loop said');
      assert.doesNotMatch(watcher.out() + watcher.err(), /watching failed/);
      const stopped = await watcher.stop('SIGTERM');
      assert.equal(stopped.code, 143, watcher.out() + watcher.err());
    } finally {
      await watcher.stop('SIGKILL');
      await cleanup();
    }
  });

  test('--concurrency 20 prints no MaxListenersExceededWarning', async () => {
    const t = await tenant((_req, res) => setTimeout(() => json(res, 200, {}), 300));
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`c${i}.yaml`] = oneStep(`c${i}`, 'da-one');
    const { dir, cleanup } = await tempDir(files);
    try {
      const r = await runCli(['run', '.', '--concurrency', '20'], { cwd: dir, env: t.env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stderr, /MaxListenersExceeded|memory leak/);
    } finally {
      await cleanup();
      await t.close();
    }
  });

  test('a server closing idle connections after 1 s with no Keep-Alive hint: 10 runs of 5 steps 1 s apart, none fails', async () => {
    // HTTP/1.1 on raw sockets: answers keep-alive, closes a connection idle for 1000 ms.
    let connections = 0;
    const server = createNetServer((socket: Socket) => {
      connections += 1;
      let buffer = '';
      let idle: NodeJS.Timeout | undefined;
      socket.on('data', (chunk) => {
        clearTimeout(idle);
        buffer += chunk.toString('latin1');
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        buffer = '';
        // A little jitter puts the next request right on the server's idle limit.
        setTimeout(() => {
          const body = '{"ok":true}';
          socket.write(
            `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`,
          );
          idle = setTimeout(() => socket.end(), 1000);
        }, Math.random() * 40);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => clearTimeout(idle));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const t = await tenant((_req, res) => json(res, 200, {}));
    let yaml =
      'version: 1\nchain_id: ka\ndefaults:\n  retry: { max_attempts: 1, initial_delay_ms: 10, max_delay_ms: 10 }\nsteps:\n';
    for (let i = 0; i < 5; i++) yaml += `  - id: s${i}\n    action_id: da-echo\n`;
    const { dir, cleanup } = await tempDir({ 'c.yaml': yaml });
    try {
      const env = { ...t.env, CXONE_BASE_URL: `http://127.0.0.1:${port}` };
      const runs = await Promise.all(
        Array.from({ length: 10 }, () => runCli(['run', 'c.yaml', '--rate-limit', '1/s'], { cwd: dir, env })),
      );
      const failed = runs.filter((r) => r.code !== 0);
      assert.equal(failed.length, 0, failed.map((r) => r.stdout).join('\n'));
      assert.ok(connections > 10, `the server closed no reused connection (${connections}): the race was not met`);
    } finally {
      await cleanup();
      await t.close();
      server.close();
    }
  });
});

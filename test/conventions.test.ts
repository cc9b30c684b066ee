// Small command-line conventions a user brings from other tools (issue 15, point 7), spawned.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, ROOT, runCli, tempDir } from './helpers.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe('conventions', () => {
  for (const flag of ['-v', '-V', '--version'])
    test(`${flag} prints the version and exits 0`, async () => {
      const r = await runCli([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${VERSION}\n`);
      assert.equal(r.stderr, '');
    });

  test('npm start -- FILE runs only FILE against the simulator', async () => {
    const r = spawnSync('npm', ['start', '--silent', '--', 'chains/order-status-sms.yaml'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', CI: '', GITHUB_ACTIONS: '' },
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /order-status-sms/);
    for (const other of ['cust-data-sync-001', 'customer-eligibility', 'customer-onboarding'])
      assert.doesNotMatch(r.stdout, new RegExp(other), `${other} did not run`);
    assert.match(r.stdout, /1 chain/);
  });

  test('--help names -v, --version', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /-v, --version/);
  });

  test('list of a folder without chain files: an empty list, exit 0 (text and --json)', async () => {
    const { dir, cleanup } = await tempDir({ 'README.md': 'no chains here\n' });
    try {
      const text = await runCli(['list', dir]);
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout, 'CHAIN_ID  REV  STEPS  FILE\n');
      assert.equal(text.stderr, '');
      const json = await runCli(['list', dir, '--json']);
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout), []);
      const missing = await runCli(['list', join(dir, 'nope')]);
      assert.equal(missing.code, 2, 'a path that does not exist is still a usage error');
    } finally {
      await cleanup();
    }
  });

  test(
    'TERM=dumb on a terminal: plain lines, no colour and no cursor movement',
    { skip: !hasScript && 'needs util-linux script for a pseudo-terminal' },
    () => {
      const line = `stty cols 120; TERM=dumb ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run chains/cust-data-sync-001.yaml --sim`;
      const env: NodeJS.ProcessEnv = { ...process.env, CI: '', GITHUB_ACTIONS: '' };
      delete env.NO_COLOR;
      delete env.FORCE_COLOR;
      const r = spawnSync('script', ['-qfec', line, '/dev/null'], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.equal(r.stdout.includes('\u001b'), false, 'no escape sequence at all');
      assert.match(r.stdout, /❯ da-fetch-customer-profile\r?\n/);
      assert.match(r.stdout, /1 chain: 1 completed; 3 steps run in/);
    },
  );
});

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createSimulator, type Simulator } from '../src/sim/index.js';
import { CLI, runCli, simulatorEnv, tempDir } from './helpers.js';

const CHAIN = (id: string, steps: string) =>
  `version: 1\nchain_id: ${id}\ndefaults:\n  retry: { max_attempts: 2, initial_delay_ms: 10, max_delay_ms: 20 }\nsteps:\n${steps}`;

describe('cxchain run with --sim (what npm start does)', () => {
  test('runs every example chain to completion, exit 0', async () => {
    const r = await runCli(['run', 'chains/', '--sim']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    for (const id of ['cust-data-sync-001', 'customer-eligibility', 'customer-onboarding', 'order-status-sms'])
      assert.match(r.stdout, new RegExp(id));
    // customer-onboarding's child (chains/lib/crm-sync.yaml) is call_only: it runs as a step, not a chain.
    assert.match(r.stdout, /4 chains: 4 completed; 12 steps run in/);
  });

  test('--renderer json prints one event per line on stdout, the summary on stderr', async () => {
    const r = await runCli(['run', 'chains/cust-data-sync-001.yaml', '--sim', '--renderer', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; chain_id: string; result?: { status: string } });
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'chain_start',
        'step_start',
        'request',
        'attempt',
        'step_end',
        'step_start',
        'request',
        'attempt',
        'step_end',
        'step_start',
        'request',
        'attempt',
        'step_end',
        'chain_end',
        'run_end',
      ],
    );
    assert.ok(events.slice(0, -1).every((e) => e.chain_id === 'cust-data-sync-001'));
    assert.match(r.stderr, /1 chain: 1 completed/);
  });
});

describe('cxchain run against a server given by CXONE_* settings', () => {
  let sim: Simulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    sim = await createSimulator({
      actions: {
        'da-broken': { status: 500, body: { message: 'script failed', contextId: 'ctx-123' } },
        'da-hang': { hang: true },
      },
    });
    env = {
      ...simulatorEnv(sim, 'cli-test', 'Sup3r-Secret-Value!'),
    };
    ({ dir, cleanup } = await tempDir({
      'chains/ok.yaml': CHAIN('ok', '  - action_id: da-echo\n    payload: { n: 1 }\n'),
      'chains/fails.yaml': CHAIN(
        'fails',
        '  - action_id: da-echo\n  - action_id: da-broken\n  - action_id: da-send-sms\n',
      ),
      'hang/hang.yaml': CHAIN('hang', '  - action_id: da-echo\n  - action_id: da-hang\n  - action_id: da-send-sms\n'),
      'inputs/needs.yaml':
        'version: 1\nchain_id: needs\ninputs:\n  customer_id: { type: string, required: true }\n  limit: { type: integer }\nsteps:\n  - action_id: da-echo\n    payload: { id: "${{ inputs.customer_id }}", limit: "${{ inputs.limit }}" }\n',
      'secret/secret.yaml': CHAIN(
        'secret',
        '  - action_id: da-echo\n    payload: { key: "${{ secrets.CRM_KEY }}" }\n  - action_id: da-broken\n    payload: { key: "${{ secrets.CRM_KEY }}" }\n',
      ),
      'vars/uses.yaml': CHAIN(
        'uses',
        '  - id: first\n    action_id: da-echo\n    payload: { n: 1 }\n  - action_id: da-echo\n    payload: { key: "${{ secrets.API_KEY }}", region: "${{ vars.REGION }}" }\n',
      ),
      'env/env.yaml': CHAIN('env', '  - action_id: da-echo\n    payload: { s: "${{ env.CXONE_CLIENT_SECRET }}" }\n'),
    }));
  });
  after(async () => {
    await sim.close();
    await cleanup();
  });
  beforeEach(() => sim.reset());

  test('a terminated chain exits 1; reports and audit are written', async () => {
    const r = await runCli(
      [
        'run',
        'chains',
        '--renderer',
        'simple',
        '--report',
        'json=out/results.json',
        '--report',
        'junit=out/junit.xml',
        '--audit',
        'out/audit.jsonl',
      ],
      { cwd: dir, env },
    );
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const report = JSON.parse(await readFile(join(dir, 'out/results.json'), 'utf8')) as {
      results: {
        chain_id: string;
        final_status: string;
        aggregated_responses: { status: string; error: { context_id: string | null; hint: string | null } | null }[];
      }[];
    };
    assert.deepEqual(
      report.results.map((x) => [x.chain_id, x.final_status]),
      [
        ['fails', 'terminated_early'],
        ['ok', 'completed'],
      ],
    );
    // Plain lines mark the chain that ended early as failed, not with a tick.
    assert.match(r.stdout, /✖ fails chains\/fails\.yaml — terminated early \(abort\)/);
    assert.match(r.stdout, /✔ ok chains\/ok\.yaml — completed/);
    const failed = report.results[0]?.aggregated_responses[1];
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.error?.context_id, 'ctx-123');
    assert.match(failed?.error?.hint ?? '', /execution logs/);
    const junit = await readFile(join(dir, 'out/junit.xml'), 'utf8');
    assert.match(junit, /<testsuites name="cxchain" tests="4" failures="1" errors="0" time="/);
    assert.match(
      junit,
      /<testsuite name="fails" file="chains\/fails\.yaml" tests="3" failures="1" errors="0" skipped="1" /,
    );
    const audit = (await readFile(join(dir, 'out/audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    assert.equal(audit.filter((e) => e.type === 'chain_end').length, 2);
  });

  test('inputs: required, typed, unknown names are usage errors before anything runs', async () => {
    const missing = await runCli(['run', 'inputs'], { cwd: dir, env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /needs the input `customer_id`.*--input customer_id=/);
    const wrongType = await runCli(['run', 'inputs', '--input', 'customer_id=C1', '--input', 'limit=lots'], {
      cwd: dir,
      env,
    });
    assert.equal(wrongType.code, 2);
    assert.match(wrongType.stderr, /--input limit: expected a whole number, got "lots"/);
    const unknown = await runCli(['run', 'inputs', '--input', 'customer_id=C1', '--input', 'regoin=x'], {
      cwd: dir,
      env,
    });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--input regoin: no selected chain declares this input/);
    assert.equal(sim.requests.length, 0);
    const ok = await runCli(['run', 'inputs', '--input', 'customer_id=C1', '--input', 'limit=7'], { cwd: dir, env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(sim.requests[0]?.body, { id: 'C1', limit: 7 });
    // A string input is the text as typed: a phone number or a zero-padded id stays what it is.
    for (const typed of ['+15550100', '00123', '1e3', 'null']) {
      sim.reset();
      const r = await runCli(['run', 'inputs', '--input', `customer_id=${typed}`, '--input', 'limit=1'], {
        cwd: dir,
        env,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sim.requests[0]?.body, { id: typed, limit: 1 }, typed);
    }
  });

  test('every vars.* and secrets.* is checked before anything is sent; all missing ones in one error', async () => {
    const r = await runCli(['run', 'vars'], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr + r.stdout);
    assert.match(r.stderr, /CXCHAIN_SECRET_API_KEY is not set \(used by secrets\.API_KEY in vars\/uses\.yaml\)/);
    assert.match(r.stderr, /CXCHAIN_VAR_REGION is not set \(used by vars\.REGION in vars\/uses\.yaml\)/);
    assert.equal(r.stderr.match(/^error:/gm)?.length, 1, 'one error names both');
    assert.equal(sim.requests.length, 0);
    assert.equal(sim.tokenRequests.length, 0);
  });

  test('with them set, vars.* reach the payload as text and the secrets.* value appears nowhere', async () => {
    const secret = 'api-key-3e7d51c0';
    const r = await runCli(
      [
        'run',
        'vars',
        '--renderer',
        'json',
        '--report',
        'json=out/v.json',
        '--audit',
        'out/v.jsonl',
        '--audit-payloads',
      ],
      { cwd: dir, env: { ...env, CXCHAIN_SECRET_API_KEY: secret, CXCHAIN_VAR_REGION: 'eu-central' } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      sim.requests.map((q) => q.body),
      [{ n: 1 }, { key: secret, region: 'eu-central' }],
    );
    const report = await readFile(join(dir, 'out/v.json'), 'utf8');
    const audit = await readFile(join(dir, 'out/v.jsonl'), 'utf8');
    for (const [name, text] of Object.entries({ stdout: r.stdout, stderr: r.stderr, report, audit }))
      assert.equal(text.includes(secret), false, `the secret leaked into ${name}`);
    assert.match(audit, /"region":"eu-central"/, 'a variable is plain text');
    assert.match(audit, /"key":"\*\*\*"/);
  });

  test('a chain reading env.* is refused at load time and nothing is sent', async () => {
    const r = await runCli(['run', 'env'], { cwd: dir, env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /env\/env\.yaml:\d+:\d+ +error +.*not reachable from a chain.*\[chain\.env_reference\]/);
    assert.equal(r.stderr.includes('Sup3r-Secret-Value!'), false);
    assert.equal(sim.requests.length, 0);
  });

  test('a report that cannot be written stops the run before any request', async () => {
    const r = await runCli(['run', 'chains', '--report', 'json=chains/ok.yaml/r.json'], { cwd: dir, env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--report json=chains\/ok\.yaml\/r\.json: cannot write there \(\w+\); nothing was run/);
    assert.equal(sim.requests.length, 0);
  });

  test('a missing setting is a usage error that names the variable', async () => {
    const r = await runCli(['run', 'chains'], {
      cwd: dir,
      env: { CXONE_BASE_URL: sim.url, CXONE_TOKEN_URL: sim.tokenUrl },
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CXONE_CLIENT_ID/);
  });

  test('an invalid chain sends nothing and exits 2', async () => {
    const { dir: bad, cleanup: done } = await tempDir({
      'c.yaml': 'version: 1\nchain_id: c\nsteps:\n  - action_id: da-echo\n    on_failure: maybe\n',
    });
    try {
      const r = await runCli(['run', 'c.yaml'], { cwd: bad, env });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /c\.yaml:5:17/);
      assert.equal(sim.requests.length, 0);
    } finally {
      await done();
    }
  });

  test('SIGINT mid-run exits 130 and leaves an audit whose every line parses', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'run', 'hang', '--renderer', 'simple', '--audit', 'out/int.jsonl', '--report', 'json=out/int.json'],
      { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.resume();
    const deadline = Date.now() + 10_000;
    while (!sim.requests.some((r) => r.actionId === 'da-hang') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 130, stderr);
    const lines = (await readFile(join(dir, 'out/int.jsonl'), 'utf8')).trim().split('\n');
    const events = lines.map(
      (l) => JSON.parse(l) as { type: string; termination_reason?: string; result?: { status: string } },
    );
    assert.equal(events.at(-1)?.type, 'run_end', 'run_end is the last event (SPEC 6)');
    const end = events.at(-2);
    assert.equal(end?.type, 'chain_end');
    assert.equal(end?.termination_reason, 'cancelled');
    assert.deepEqual(
      events.filter((e) => e.type === 'step_end').map((e) => e.result?.status),
      ['success', 'cancelled', 'cancelled'],
    );
    const report = JSON.parse(await readFile(join(dir, 'out/int.json'), 'utf8')) as {
      results: { termination_reason: string }[];
    };
    assert.equal(report.results[0]?.termination_reason, 'cancelled');
  });

  test('the client secret, the token and secrets.* values appear nowhere', async () => {
    const secretEnv = { ...env, CXCHAIN_SECRET_CRM_KEY: 'crm-key-5f3a9b' };
    const outputs: string[] = [];
    for (const renderer of ['simple', 'json']) {
      const r = await runCli(
        [
          'run',
          'secret',
          '--renderer',
          renderer,
          '--audit',
          `out/s-${renderer}.jsonl`,
          '--audit-payloads',
          '--report',
          `json=out/s-${renderer}.json`,
          '--report',
          `junit=out/s-${renderer}.xml`,
        ],
        { cwd: dir, env: secretEnv },
      );
      assert.equal(r.code, 1, r.stderr);
      outputs.push(r.stdout, r.stderr);
      for (const f of [`out/s-${renderer}.jsonl`, `out/s-${renderer}.json`, `out/s-${renderer}.xml`])
        outputs.push(await readFile(join(dir, f), 'utf8'));
    }
    const token = sim.requests[0]?.headers.authorization?.replace(/^Bearer /, '');
    assert.ok(token && token.length > 10);
    assert.deepEqual(sim.requests[0]?.body, { key: 'crm-key-5f3a9b' }, 'the secret reached the server');
    const all = outputs.join('\n');
    for (const secret of ['Sup3r-Secret-Value!', 'crm-key-5f3a9b', token])
      assert.equal(all.includes(secret), false, `leaked ${secret}`);
    assert.match(all, /\*\*\*/);
  });
});

describe('cxchain sim as a server', () => {
  test('serves scripted actions and a rate limit; run retries after Retry-After and shows the wait', async () => {
    const { dir, cleanup } = await tempDir({
      'actions.yaml':
        'actions:\n  da-limited:\n    body: { ok: true }\n    sequence:\n      - { status: 429, retry_after: 1 }\n',
      'c.yaml': CHAIN('limited', '  - action_id: da-limited\n  - action_id: da-echo\n'),
    });
    const sim = spawn(process.execPath, [CLI, 'sim', '--actions', 'actions.yaml', '--rate-limit', '100/m'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        sim.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const line = /^(http:\/\/127\.0\.0\.1:\d+)\n/m.exec(out);
          if (line?.[1]) resolve(line[1]);
        });
        sim.on('close', (code) => reject(new Error(`sim exited ${code}`)));
      });
      const env = {
        CXONE_BASE_URL: url,
        CXONE_TOKEN_URL: `${url}/oauth/token`,
        CXONE_CLIENT_ID: 'id',
        CXONE_CLIENT_SECRET: 'secret-xyz',
      };
      const t0 = performance.now();
      const r = await runCli(['run', 'c.yaml', '--renderer', 'simple'], { cwd: dir, env });
      const elapsed = performance.now() - t0;
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /da-limited — attempt 1 failed \(429\); waiting 1\.0 s \(Retry-After\)/);
      assert.match(r.stdout, /da-limited — passed after 2 attempts \(200, /);
      assert.ok(elapsed >= 1000, `waited the Retry-After second (${elapsed.toFixed(0)} ms)`);
      const busy = await runCli(['sim', '--rate-limit', 'lots'], { cwd: dir });
      assert.equal(busy.code, 2);
      assert.match(busy.stderr, /N\/s or N\/m/);
      const taken = await runCli(['sim', '--port', new URL(url).port], { cwd: dir });
      assert.equal(taken.code, 2);
      assert.match(taken.stderr, /the port is in use; pick another --port/);
    } finally {
      sim.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) =>
        sim.exitCode !== null ? resolve(sim.exitCode) : sim.on('close', resolve),
      );
      assert.equal(code, 130);
      await cleanup();
    }
  });
});

// The live tree needs a terminal: util-linux `script` gives the CLI a pseudo-terminal.
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe('cxchain run on a terminal', { skip: !hasScript && 'needs util-linux script for a pseudo-terminal' }, () => {
  test('the live tree ends with every chain summarised, even one that finished before listr drew it', async () => {
    const { dir, cleanup } = await tempDir({
      'fast.yaml': 'version: 1\nchain_id: fast\nsteps:\n  - action_id: da-echo\n',
    });
    try {
      const r = spawnSync(
        'script',
        [
          '-qfec',
          `stty cols 160 rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run fast.yaml --sim`,
          '/dev/null',
        ],
        { cwd: dir, env: { ...process.env, NO_COLOR: '1', CI: '' }, encoding: 'utf8', timeout: 20_000 },
      );
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /fast fast\.yaml — completed: 1 passed in/);
      assert.match(r.stdout, /da-echo — passed \(200, /);
    } finally {
      await cleanup();
    }
  });
});

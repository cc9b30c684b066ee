import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { validateChains, type ChainModel } from '../src/chain/index.js';
import { createClient } from '../src/cxone/index.js';
import type { DataActionClient } from '../src/cxone/types.js';
import { runChain, runChains, type ChainEvent, type ChainResult, type StepResult } from '../src/engine/index.js';
import { createSimulator, type Simulator } from '../src/sim/index.js';
import { runCli, tempDir } from './helpers.js';

/** A real client for the simulator, with its own client id. */
function simClient(sim: Simulator, clientId: string): DataActionClient {
  return createClient({
    baseUrl: sim.url,
    tokenUrl: sim.tokenUrl,
    clientId,
    clientSecret: `${clientId}-secret`,
    grant: 'client_credentials',
    authMethod: 'body',
    scope: 'integration:data-actions:execute',
    executePath: '/api/v2/integration/data-actions/{actionId}/execute',
  });
}

/** Loads `files` (the first is the parent) from memory, children resolved by their paths. */
function load(files: Record<string, string>): ChainModel {
  const loaded = validateChains(Object.entries(files).map(([file, text]) => ({ file, text })));
  assert.deepEqual(loaded.diagnostics, []);
  const chain = loaded.chains.find((c) => c.file === Object.keys(files)[0]);
  assert.ok(chain);
  return chain;
}

const FAST = 'defaults:\n  retry: { max_attempts: 2, initial_delay_ms: 5, max_delay_ms: 10 }\n';

const CHILD = `version: 1
chain_id: child
call_only: true
${FAST}inputs:
  who: { type: string, required: true }
  n: { type: integer, default: 1 }
steps:
  - id: first
    action_id: da-child-first
    payload: { who: "\${{ inputs.who }}", n: "\${{ inputs.n }}" }
  - id: second
    action_id: da-child-second
    payload: { from: "\${{ steps.first.output.echo.who }}" }
outputs:
  who: \${{ steps.first.output.echo.who }}
  n: \${{ steps.first.output.echo.n }}
`;

function parent(onFailure: string, extra = ''): string {
  return `version: 1
chain_id: parent
${FAST}steps:
  - id: crm
    uses: ./lib/child.yaml
    with: { who: ada, n: 2 }
    on_failure: ${onFailure}
${extra}  - id: after
    action_id: da-after
    payload: { got: "\${{ steps.crm.output }}" }
    on_failure: continue
`;
}

describe('chain steps at run time (SPEC 3.3)', () => {
  let sim: Simulator;
  let client: DataActionClient;
  before(async () => {
    sim = await createSimulator();
    client = simClient(sim, 'composition');
  });
  after(async () => {
    await client.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
    for (const id of ['da-child-first', 'da-child-second', 'da-after', 'da-other'])
      sim.setAction(id, { body: { echo: '${{ payload }}' } });
  });

  test('the child runs with the inputs of `with:`; its outputs are the step output; results nest; events carry `parent`', async () => {
    const events: ChainEvent[] = [];
    const chain = load({ 'p.yaml': parent('abort'), 'lib/child.yaml': CHILD });
    const result = await runChain(chain, { client, onEvent: (e) => events.push(e) });
    assert.equal(result.final_status, 'completed');
    const crm = result.aggregated_responses[0] as StepResult;
    assert.equal(crm.status, 'success');
    assert.equal(crm.action_id, null);
    assert.equal(crm.uses, './lib/child.yaml');
    assert.deepEqual(crm.response_data, { who: 'ada', n: 2 });
    assert.equal(crm.attempts, 2, 'the requests the child sent');
    const child = crm.child as ChainResult;
    assert.equal(child.chain_id, 'child');
    assert.equal(child.file, 'lib/child.yaml');
    assert.equal(child.run_id, result.run_id, 'one run id');
    assert.deepEqual(
      child.aggregated_responses.map((r) => [r.step_id, r.status]),
      [
        ['first', 'success'],
        ['second', 'success'],
      ],
    );
    assert.deepEqual(sim.requests.at(-1)?.body, { got: { who: 'ada', n: 2 } });
    const childEvents = events.filter((e) => e.chain_id === 'child');
    assert.ok(childEvents.length > 0);
    for (const e of childEvents) {
      assert.equal(e.file, 'lib/child.yaml');
      assert.deepEqual(e.parent, [{ chain_id: 'parent', file: 'p.yaml', step_id: 'crm' }]);
    }
    assert.ok(events.filter((e) => e.chain_id === 'parent').every((e) => e.parent === undefined));
    assert.equal(sim.tokenRequests.length, 1, 'one token for the whole tree');
  });

  describe('a child that fails, under each `on_failure` of its parent step', () => {
    beforeEach(() => sim.setAction('da-child-second', { status: 500, body: { message: 'CRM down' } }));

    test('abort: the parent step fails with kind child_failed naming the child step and cause; later steps skipped', async () => {
      const result = await runChain(load({ 'p.yaml': parent('abort'), 'lib/child.yaml': CHILD }), { client });
      assert.equal(result.final_status, 'terminated_early');
      assert.equal(result.termination_reason, 'abort');
      const [crm, afterStep] = result.aggregated_responses;
      assert.equal(crm?.status, 'failed');
      assert.equal(crm?.error?.kind, 'child_failed');
      assert.match(crm?.error?.message ?? '', /child \(lib\/child\.yaml\) ended early \(abort\): step second failed/);
      assert.match(crm?.error?.message ?? '', /CRM down/);
      assert.equal(crm?.child?.aggregated_responses[1]?.error?.http_status, 500);
      assert.equal(afterStep?.status, 'skipped');
      assert.equal(afterStep?.skip_reason, 'abort');
      assert.equal(sim.requests.filter((r) => r.actionId === 'da-after').length, 0, 'nothing sent after the abort');
    });

    test('continue: recorded, and the next step runs (its reference to the failed child is unresolved)', async () => {
      const result = await runChain(load({ 'p.yaml': parent('continue'), 'lib/child.yaml': CHILD }), { client });
      assert.equal(result.final_status, 'completed');
      const [crm, afterStep] = result.aggregated_responses;
      assert.equal(crm?.status, 'failed');
      assert.equal(afterStep?.status, 'failed');
      assert.equal(afterStep?.error?.kind, 'unresolved_reference');
    });

    test('fallback output: the step is `fallback` with the static output', async () => {
      const result = await runChain(
        load({
          'p.yaml': parent('fallback', '    fallback: { output: { who: nobody } }\n'),
          'lib/child.yaml': CHILD,
        }),
        { client },
      );
      const [crm, afterStep] = result.aggregated_responses;
      assert.equal(crm?.status, 'fallback');
      assert.deepEqual(crm?.response_data, { who: 'nobody' });
      assert.equal(afterStep?.status, 'success');
      assert.deepEqual(sim.requests.at(-1)?.body, { got: { who: 'nobody' } });
    });

    test('fallback action: another Data Action runs for the chain step', async () => {
      const result = await runChain(
        load({
          'p.yaml': parent('fallback', '    fallback: { action_id: da-other, payload: { why: crm } }\n'),
          'lib/child.yaml': CHILD,
        }),
        { client },
      );
      const [crm] = result.aggregated_responses;
      assert.equal(crm?.status, 'fallback');
      assert.equal(crm?.fallback?.action_id, 'da-other');
      assert.deepEqual(crm?.response_data, { echo: { why: 'crm' } });
    });
  });

  test("a child that meets the parent's deadline ends the parent with global_timeout, the request in flight aborted", async () => {
    sim.setAction('da-child-second', { hang: true });
    const chain = load({ 'p.yaml': parent('continue'), 'lib/child.yaml': CHILD });
    // The schema's floor is 60 s; a model is plain data, so a test may shorten it.
    chain.globalTimeoutMs = 400;
    const started = Date.now();
    const result = await runChain(chain, { client });
    const took = Date.now() - started;
    assert.ok(took >= 380 && took < 3000, `took ${took} ms`);
    assert.equal(result.termination_reason, 'global_timeout');
    const [crm, afterStep] = result.aggregated_responses;
    assert.equal(crm?.error?.kind, 'global_timeout');
    assert.equal(crm?.child?.termination_reason, 'global_timeout');
    assert.equal(afterStep?.skip_reason, 'global_timeout');
  });

  test("a child's own shorter deadline fails only the chain step (child_failed), and the parent goes on", async () => {
    sim.setAction('da-child-second', { hang: true });
    const chain = load({ 'p.yaml': parent('continue'), 'lib/child.yaml': CHILD });
    const crm = chain.steps[0];
    assert.equal(crm?.kind, 'chain');
    if (crm?.kind !== 'chain') return;
    crm.child.globalTimeoutMs = 300;
    const result = await runChain(chain, { client });
    assert.equal(result.final_status, 'completed');
    assert.equal(result.aggregated_responses[0]?.error?.kind, 'child_failed');
    assert.equal(result.aggregated_responses[1]?.status, 'failed', 'after runs (and cannot read crm)');
  });

  test('a child used twice in one parent runs twice, each with its own inputs', async () => {
    const chain = load({
      'p.yaml': `version: 1
chain_id: twice
steps:
  - { id: one, uses: ./lib/child.yaml, with: { who: a } }
  - { id: two, uses: ./lib/child.yaml, with: { who: "\${{ steps.one.output.who }}-again" } }
`,
      'lib/child.yaml': CHILD,
    });
    const result = await runChain(chain, { client });
    assert.deepEqual(
      result.aggregated_responses.map((r) => r.response_data),
      [
        { who: 'a', n: 1 },
        { who: 'a-again', n: 1 },
      ],
    );
  });

  test('a diamond (two parents, one child) and three levels of nesting, under runChains', async () => {
    const mid = `version: 1
chain_id: mid
call_only: true
inputs: { who: { type: string, required: true } }
steps:
  - { id: inner, uses: ./child.yaml, with: { who: "\${{ inputs.who }}" } }
outputs: { who: "\${{ steps.inner.output.who }}" }
`;
    const loaded = validateChains([
      {
        file: 'a.yaml',
        text: 'version: 1\nchain_id: a\nsteps:\n  - { id: m, uses: ./lib/mid.yaml, with: { who: a } }\n',
      },
      {
        file: 'b.yaml',
        text: 'version: 1\nchain_id: b\nsteps:\n  - { id: m, uses: ./lib/mid.yaml, with: { who: b } }\n',
      },
      { file: 'lib/mid.yaml', text: mid },
      { file: 'lib/child.yaml', text: CHILD },
    ]);
    assert.deepEqual(loaded.diagnostics, []);
    const top = loaded.chains.filter((c) => !c.callOnly);
    const events: ChainEvent[] = [];
    const results = await runChains(top, { client, onEvent: (e) => events.push(e) });
    assert.deepEqual(
      results.map((r) => [r.chain_id, r.final_status, r.aggregated_responses[0]?.child?.outputs]),
      [
        ['a', 'completed', { who: 'a' }],
        ['b', 'completed', { who: 'b' }],
      ],
    );
    const deepest = events.find((e) => e.chain_id === 'child' && e.type === 'step_start');
    assert.deepEqual(
      deepest?.parent?.map((p) => `${p.chain_id}:${p.step_id}`),
      ['a:m', 'mid:inner'],
    );
    assert.ok(sim.tokenRequests.length <= 1, 'no token per chain: the one cached token serves them all');
  });
});

describe('if: and expect: at run time (SPEC 3.5)', () => {
  let sim: Simulator;
  let client: DataActionClient;
  before(async () => {
    sim = await createSimulator();
    client = simClient(sim, 'conditions');
  });
  after(async () => {
    await client.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
    sim.setAction('da-profile', { body: { tier: 'gold', offers: ['a'], success: true } });
    sim.setAction('da-x', { body: { ok: true } });
  });

  const run = (steps: string, inputs: Record<string, unknown> = {}) =>
    runChain(
      load({
        'c.yaml': `version: 1\nchain_id: c\n${FAST}inputs:\n  flag: { type: boolean, default: true }\n  name: { type: string }\nsteps:\n  - id: profile\n    action_id: da-profile\n${steps}`,
      }),
      { client, inputs },
    );

  test('if: false skips the step with skip_reason condition and sends nothing; true runs it', async () => {
    const result = await run(
      "  - id: no\n    if: ${{ steps.profile.output.tier == 'premium' }}\n    action_id: da-x\n  - id: yes\n    if: \"steps.profile.output.tier == 'gold' && inputs.flag\"\n    action_id: da-x\n",
    );
    const [, no, yes] = result.aggregated_responses;
    assert.equal(no?.status, 'skipped');
    assert.equal(no?.skip_reason, 'condition');
    assert.equal(no?.condition, "steps.profile.output.tier == 'premium'");
    assert.equal(yes?.status, 'success');
    assert.equal(sim.requests.filter((r) => r.actionId === 'da-x').length, 1);
    assert.equal(result.final_status, 'completed');
    assert.deepEqual(result.counts, { success: 2, failed: 0, fallback: 0, skipped: 1, cancelled: 0 });
  });

  test("a skipped step's output is null in a condition, so `== null` tests for it", async () => {
    const result = await run(
      "  - id: skipped\n    if: ${{ false }}\n    action_id: da-x\n  - id: check\n    if: ${{ steps.skipped.output.ok == null && steps.skipped.status == 'skipped' }}\n    action_id: da-x\n",
    );
    assert.equal(result.aggregated_responses[2]?.status, 'success');
  });

  test('expect: met passes; not met fails with kind expectation, not retried, showing the expression and the values', async () => {
    const result = await run(
      "  - id: met\n    action_id: da-x\n    expect:\n      - ${{ output.ok == true }}\n      - ${{ length(steps.profile.output.offers) == 1 }}\n  - id: unmet\n    action_id: da-profile\n    idempotent: true\n    expect:\n      - ${{ output.tier == 'premium' }}\n    on_failure: continue\n",
    );
    const [, met, unmet] = result.aggregated_responses;
    assert.equal(met?.status, 'success');
    assert.equal(unmet?.status, 'failed');
    assert.equal(unmet?.error?.kind, 'expectation');
    assert.equal(unmet?.attempts, 1, 'an expectation is not retried');
    assert.equal(unmet?.http_status, 200);
    assert.match(
      unmet?.error?.message ?? '',
      /expectation `output\.tier == 'premium'` does not hold: output\.tier is the string 'gold'/,
    );
  });

  test('a type error only the values show is invalid_expression at run time, and on_failure applies', async () => {
    const result = await run(
      "  - id: bad\n    if: ${{ steps.profile.output.tier > 3 }}\n    action_id: da-x\n    on_failure: continue\n  - id: badexpect\n    action_id: da-x\n    expect: ['${{ length(output.ok) > 0 }}']\n",
    );
    const [, bad, badexpect] = result.aggregated_responses;
    assert.equal(bad?.status, 'failed');
    assert.equal(bad?.error?.kind, 'invalid_expression');
    assert.equal(bad?.attempts, 0, 'nothing sent');
    assert.match(bad?.error?.message ?? '', /`if: steps\.profile\.output\.tier > 3` cannot be evaluated/);
    assert.equal(badexpect?.error?.kind, 'invalid_expression');
    assert.equal(result.termination_reason, 'abort');
    assert.equal(sim.requests.filter((r) => r.actionId === 'da-x').length, 1, 'only badexpect sent');
  });
});

describe('npm start: the example parent and its call_only child', () => {
  test('run chains/ --sim runs the parent with its child nested, the condition skip said, the child never on its own', async () => {
    const r = await runCli(['run', 'chains/customer-onboarding.yaml', 'chains/lib/crm-sync.yaml', '--sim']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = r.stdout.split('\n');
    assert.ok(lines.includes('❯ crm (./lib/crm-sync.yaml)'), r.stdout);
    assert.ok(lines.includes('  ❯ crm-sync chains/lib/crm-sync.yaml'), 'the child under its step');
    assert.ok(lines.some((l) => /^ {2}✔ update \(da-update-external-crm\) — passed/.test(l)));
    assert.ok(
      lines.some((l) => /^↓ upgrade \(da-upgrade-tier\) — skipped: condition .*tier != 'premium' is false$/.test(l)),
    );
    assert.match(r.stdout, /^1 chain: 1 completed; 3 steps run in/m);
  });

  test('a file of only call_only chains runs nothing, and says why', async () => {
    const r = await runCli(['run', 'chains/lib/crm-sync.yaml', '--sim']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /`call_only` \(run only as children of other chains\): nothing to run/);
  });

  test('the JSON report nests the child result; the audit records the child requests with their parent', async () => {
    const { dir, cleanup } = await tempDir({});
    try {
      const r = await runCli([
        'run',
        'chains/customer-onboarding.yaml',
        '--sim',
        '--report',
        `json=${dir}/r.json`,
        '--audit',
        `${dir}/a.jsonl`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const { readFileSync } = await import('node:fs');
      const report = JSON.parse(readFileSync(`${dir}/r.json`, 'utf8')) as { results: ChainResult[] };
      const crm = report.results[0]?.aggregated_responses[3];
      assert.equal(crm?.uses, './lib/crm-sync.yaml');
      assert.equal(crm?.child?.chain_id, 'crm-sync');
      assert.equal(crm?.child?.aggregated_responses[0]?.status, 'success');
      assert.deepEqual(report.results[0]?.outputs, { tier: 'premium', crm: 'success' });
      const audit = readFileSync(`${dir}/a.jsonl`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ChainEvent);
      const childRequests = audit.filter((e) => e.type === 'request' && e.chain_id === 'crm-sync');
      assert.equal(childRequests.length, 1);
      assert.deepEqual(childRequests[0]?.parent, [
        { chain_id: 'customer-onboarding', file: 'chains/customer-onboarding.yaml', step_id: 'crm' },
      ]);
    } finally {
      await cleanup();
    }
  });
});

describe('an expectation message never shows a secret', () => {
  test('the value compared is redacted on stdout, in the report and in the audit', async () => {
    const secret = 'sk-live-0123456789abcdef';
    const { dir, cleanup } = await tempDir({
      'c.yaml': `version: 1
chain_id: leaky
steps:
  - id: echo
    action_id: da-echo
    payload: { t: "\${{ secrets.API_TOKEN }}" }
    expect:
      - \${{ output.echo.t == 'something else' }}
`,
    });
    try {
      const r = await runCli(
        ['run', 'c.yaml', '--sim', '--renderer', 'simple', '--report', 'json=r.json', '--audit', 'a.jsonl'],
        { cwd: dir, env: { CXCHAIN_SECRET_API_TOKEN: secret } },
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stdout,
        /expectation `output\.echo\.t == 'something else'` does not hold: output\.echo\.t is the string '\*\*\*'/,
      );
      const { readFileSync } = await import('node:fs');
      const everything = [
        r.stdout,
        r.stderr,
        readFileSync(`${dir}/r.json`, 'utf8'),
        readFileSync(`${dir}/a.jsonl`, 'utf8'),
      ];
      for (const text of everything) assert.ok(!text.includes(secret.slice(0, 12)), 'no piece of the secret');
    } finally {
      await cleanup();
    }
  });
});

describe('the audit of a chain step', () => {
  test('without --audit-payloads, no answer of the child reaches the audit, however deep', async () => {
    const { dir, cleanup } = await tempDir({});
    try {
      const r = await runCli(['run', 'chains/customer-onboarding.yaml', '--sim', '--audit', `${dir}/a.jsonl`]);
      assert.equal(r.code, 0, r.stderr);
      const { readFileSync } = await import('node:fs');
      const audit = readFileSync(`${dir}/a.jsonl`, 'utf8');
      // The simulator's CRM answer holds `synced: true`; the profile answer holds the email.
      assert.ok(!audit.includes('"synced"'), 'no child answer');
      assert.ok(!audit.includes('ada@example.com'), 'no answer at all');
      assert.match(audit, /\[omitted: use --audit-payloads\]/);
    } finally {
      await cleanup();
    }
  });
});

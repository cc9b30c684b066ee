import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { validateChains, type ChainModel } from '../src/chain/index.js';
import { createClient } from '../src/cxone/index.js';
import type { DataActionClient } from '../src/cxone/types.js';
import { runChain, runChains, type ChainEvent } from '../src/engine/index.js';
import { createSimulator, type Simulator } from '../src/sim/index.js';

function chain(yaml: string): ChainModel {
  const loaded = validateChains([{ file: 'test.yaml', text: yaml }]);
  assert.deepEqual(loaded.diagnostics, []);
  const [first] = loaded.chains;
  assert.ok(first);
  return first;
}

const FAST_RETRY = 'defaults:\n  retry: { max_attempts: 3, initial_delay_ms: 10, max_delay_ms: 20 }\n';

describe('engine: runChain over the real client against the simulator', () => {
  let sim: Simulator;
  let client: DataActionClient;
  before(async () => {
    sim = await createSimulator();
    client = createClient({
      baseUrl: sim.url,
      tokenUrl: sim.tokenUrl,
      clientId: 'engine-test',
      clientSecret: 'engine-secret',
      grant: 'client_credentials',
      authMethod: 'body',
      scope: 'integration:data-actions:execute',
      executePath: '/api/v2/integration/data-actions/{actionId}/execute',
    });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });
  beforeEach(() => sim.reset());

  test('the seed chain completes; outputs and typed expressions resolve', async () => {
    const events: ChainEvent[] = [];
    const c = chain(`version: 1
chain_id: seedish
inputs:
  customer_id: { type: string, required: true }
  limit: { type: integer, default: 3 }
steps:
  - id: profile
    action_id: da-fetch-customer-profile
    payload: { customerId: "\${{ inputs.customer_id }}", limit: "\${{ inputs.limit }}" }
  - action_id: da-validate-tier-eligibility
    payload:
      tier: \${{ steps.profile.output.tier }}
      region: "region of \${{ steps.profile.output.customerId }} (\${{ chain.id }})"
outputs:
  tier: \${{ steps.profile.output.tier }}
  eligible: \${{ steps.da-validate-tier-eligibility.output.eligible }}
`);
    const result = await runChain(c, { client, inputs: { customer_id: 'C-42' }, onEvent: (e) => events.push(e) });
    assert.equal(result.final_status, 'completed');
    assert.equal(result.termination_reason, null);
    assert.deepEqual(result.counts, { success: 2, failed: 0, fallback: 0, skipped: 0, cancelled: 0 });
    assert.equal(result.completion_rate_percent, 100);
    assert.equal(result.steps_executed, 2);
    assert.deepEqual(result.outputs, { tier: 'premium', eligible: true });
    assert.deepEqual(sim.requests[0]?.body, { customerId: 'C-42', limit: 3 });
    assert.deepEqual(sim.requests[1]?.body, { tier: 'premium', region: 'region of C-42 (seedish)' });
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
        'chain_end',
      ],
    );
    for (const e of events) {
      assert.equal(e.run_id, result.run_id);
      assert.equal(e.chain_id, 'seedish');
      assert.equal(e.file, 'test.yaml');
      assert.ok(!Number.isNaN(Date.parse(e.ts)));
    }
    assert.equal(result.audit_log.length, 2);
  });

  test('continue records the failure and goes on; completion rate counts successes only', async () => {
    sim.setAction('da-broken', { status: 500, body: { message: 'script error', code: 'ScriptError' } });
    const c = chain(
      `version: 1\nchain_id: cont\n${FAST_RETRY}steps:\n  - action_id: da-echo\n  - action_id: da-broken\n    on_failure: continue\n  - action_id: da-send-sms\n`,
    );
    const result = await runChain(c, { client });
    assert.equal(result.final_status, 'completed');
    assert.deepEqual(
      result.aggregated_responses.map((r) => r.status),
      ['success', 'failed', 'success'],
    );
    assert.equal(result.completion_rate_percent, 66.67);
    const failed = result.aggregated_responses[1];
    assert.equal(failed?.attempts, 1, '500 is never retried');
    assert.equal(failed?.error?.kind, 'http');
    assert.equal(failed?.error?.http_status, 500);
    assert.equal(failed?.error?.server_message, 'script error');
    assert.match(failed?.error?.hint ?? '', /execution logs/);
  });

  test('abort stops the chain: later steps skipped, terminated early', async () => {
    const c = chain(
      `version: 1\nchain_id: abort\nsteps:\n  - action_id: da-does-not-exist\n  - action_id: da-echo\n  - action_id: da-send-sms\n`,
    );
    const result = await runChain(c, { client });
    assert.equal(result.final_status, 'terminated_early');
    assert.equal(result.termination_reason, 'abort');
    assert.deepEqual(
      result.aggregated_responses.map((r) => r.status),
      ['failed', 'skipped', 'skipped'],
    );
    assert.equal(result.steps_executed, 1);
    assert.equal(result.aggregated_responses[0]?.error?.http_status, 404);
    assert.match(result.aggregated_responses[0]?.error?.hint ?? '', /system-generated/);
    assert.equal(sim.requests.length, 1);
  });

  test('fallback runs the fallback action; its output stands in for the step', async () => {
    sim.setAction('da-update-external-crm', { status: 500, body: { message: 'CRM down' } });
    const c = chain(`version: 1
chain_id: fb
inputs:
  id: { default: C-7 }
steps:
  - action_id: da-update-external-crm
    on_failure: fallback
    fallback:
      action_id: da-queue-crm-retry
      payload: { customerId: "\${{ inputs.id }}" }
  - action_id: da-echo
    payload: { queued: "\${{ steps.da-update-external-crm.output.queued }}", status: "\${{ steps.da-update-external-crm.status }}" }
`);
    const result = await runChain(c, { client });
    assert.equal(result.final_status, 'completed');
    const [first, second] = result.aggregated_responses;
    assert.equal(first?.status, 'fallback');
    assert.equal(first?.error?.server_message, 'CRM down');
    assert.deepEqual(first?.response_data, { queued: true, customerId: 'C-7' });
    assert.equal(first?.fallback?.status, 'success');
    assert.deepEqual(second?.response_data, { echo: { queued: true, status: 'fallback' } });
    assert.deepEqual(result.counts, { success: 1, failed: 0, fallback: 1, skipped: 0, cancelled: 0 });
  });

  test('fallback with a static output; a failed fallback acts as abort', async () => {
    sim.setAction('da-bad', { status: 400, body: { message: 'bad request' } });
    const staticOut = chain(
      `version: 1\nchain_id: fbo\nsteps:\n  - action_id: da-bad\n    on_failure: fallback\n    fallback: { output: { queued: false } }\n  - action_id: da-echo\n    payload: { v: "\${{ steps.da-bad.output.queued }}" }\n`,
    );
    const ok = await runChain(staticOut, { client });
    assert.equal(ok.final_status, 'completed');
    assert.deepEqual(ok.aggregated_responses[1]?.response_data, { echo: { v: false } });

    const failing = chain(
      `version: 1\nchain_id: fbf\nsteps:\n  - action_id: da-bad\n    on_failure: fallback\n    fallback: { action_id: da-also-missing }\n  - action_id: da-echo\n`,
    );
    const bad = await runChain(failing, { client });
    assert.equal(bad.final_status, 'terminated_early');
    assert.equal(bad.termination_reason, 'abort');
    assert.deepEqual(
      bad.aggregated_responses.map((r) => r.status),
      ['failed', 'skipped'],
    );
    assert.equal(bad.aggregated_responses[0]?.fallback?.http_status, 404);
  });

  test('an unresolved reference fails the step without any request', async () => {
    sim.setAction('da-broken', { status: 500, body: { message: 'nope' } });
    const c = chain(
      `version: 1\nchain_id: unres\nsteps:\n  - id: first\n    action_id: da-broken\n    on_failure: continue\n  - action_id: da-send-sms\n    payload: { to: "\${{ steps.first.output.phone }}" }\n    on_failure: continue\n  - action_id: da-echo\n`,
    );
    const result = await runChain(c, { client });
    const second = result.aggregated_responses[1];
    assert.equal(second?.status, 'failed');
    assert.equal(second?.error?.kind, 'unresolved_reference');
    assert.equal(second?.attempts, 0);
    assert.match(second?.error?.message ?? '', /steps\.first\.output\.phone.*failed/);
    assert.deepEqual(
      sim.requests.map((r) => r.actionId),
      ['da-broken', 'da-echo'],
    );
    assert.equal(result.steps_executed, 3);
  });

  test('a field the answer lacks: the message names the near miss and the fields it has', async () => {
    sim.setAction('da-profile', { status: 200, body: { name: 'A', tier: 'gold', offers: ['x'] } });
    const c = chain(
      `version: 1\nchain_id: fields\nsteps:\n  - id: p\n    action_id: da-profile\n  - action_id: da-echo\n    payload: { t: "\${{ steps.p.output.teir }}" }\n    on_failure: continue\n  - id: third\n    action_id: da-echo\n    payload: { o: "\${{ steps.p.output.offers[2] }}" }\n`,
    );
    const result = await runChain(c, { client });
    assert.equal(
      result.aggregated_responses[1]?.error?.message,
      'cannot resolve ${{ steps.p.output.teir }}: `steps.p.output` has no field `teir` (did you mean `tier`?); it has `name`, `tier`, `offers`; no request was sent',
    );
    // The step it reads from answered: the hint is about the path, not about a failed step.
    assert.match(result.aggregated_responses[1]?.error?.hint ?? '', /^the path does not match the answer/);
    assert.equal(
      result.aggregated_responses[2]?.error?.message,
      'cannot resolve ${{ steps.p.output.offers[2] }}: `steps.p.output.offers` has no item `2` (it has 1 item); no request was sent',
    );
  });

  test('a step that passes after retries is success with attempts > 1', async () => {
    sim.setAction('da-flaky', { sequence: [{ status: 503 }, { status: 429, retry_after: 0 }], body: { ok: 1 } });
    const c = chain(`version: 1\nchain_id: flaky\n${FAST_RETRY}steps:\n  - action_id: da-flaky\n`);
    const events: ChainEvent[] = [];
    const result = await runChain(c, { client, onEvent: (e) => events.push(e) });
    assert.equal(result.aggregated_responses[0]?.status, 'success');
    assert.equal(result.aggregated_responses[0]?.attempts, 3);
    assert.deepEqual(
      events.filter((e) => e.type === 'retry').map((e) => (e.type === 'retry' ? e.wait_source : '')),
      ['backoff', 'retry-after'],
    );
    const keys = new Set(sim.requests.map((r) => r.headers['idempotency-key']));
    const ids = new Set(sim.requests.map((r) => r.headers['x-request-id']));
    assert.equal(keys.size, 1, 'one Idempotency-Key across the attempts of a step');
    assert.equal(ids.size, 3, 'a fresh X-Request-ID per attempt');
  });

  test('the global timeout aborts the request in flight and skips the rest', async () => {
    sim.setAction('da-hang', { hang: true });
    const c = {
      ...chain(
        `version: 1\nchain_id: slow\nsteps:\n  - action_id: da-echo\n  - action_id: da-hang\n    on_failure: continue\n  - action_id: da-send-sms\n`,
      ),
    };
    c.globalTimeoutMs = 400; // the format's minimum is 60 s; the engine takes any deadline
    const t0 = performance.now();
    const result = await runChain(c, { client });
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 380 && elapsed < 2000, `ended at the deadline, took ${elapsed} ms`);
    assert.equal(result.final_status, 'terminated_early');
    assert.equal(result.termination_reason, 'global_timeout');
    assert.deepEqual(
      result.aggregated_responses.map((r) => r.status),
      ['success', 'failed', 'skipped'],
    );
    assert.equal(result.aggregated_responses[1]?.error?.kind, 'global_timeout');
  });

  test('an AbortSignal cancels the request in flight; the rest is cancelled', async () => {
    sim.setAction('da-hang', { hang: true });
    const c = chain(`version: 1\nchain_id: cancel\nsteps:\n  - action_id: da-hang\n  - action_id: da-echo\n`);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const result = await runChain(c, { client, signal: controller.signal });
    assert.equal(result.termination_reason, 'cancelled');
    assert.deepEqual(
      result.aggregated_responses.map((r) => r.status),
      ['cancelled', 'cancelled'],
    );
    assert.equal(result.counts.cancelled, 2);
  });

  test('secrets.* come from CXCHAIN_SECRET_* and are reported for redaction', async () => {
    const seen: string[] = [];
    const c = chain(
      `version: 1\nchain_id: sec\nsteps:\n  - action_id: da-echo\n    payload: { key: "\${{ secrets.CRM_KEY }}", who: "\${{ vars.TEST_USER }}" }\n`,
    );
    const result = await runChain(c, {
      client,
      env: { CXCHAIN_SECRET_CRM_KEY: 's3cr3t-value', CXCHAIN_VAR_TEST_USER: 'ops' },
      onSecret: (v) => seen.push(v),
    });
    assert.equal(result.final_status, 'completed');
    assert.deepEqual(sim.requests[0]?.body, { key: 's3cr3t-value', who: 'ops' });
    assert.deepEqual(seen, ['s3cr3t-value']);
    const missing = await runChain(c, { client, env: {} });
    assert.equal(missing.aggregated_responses[0]?.error?.kind, 'unresolved_reference');
    assert.match(missing.aggregated_responses[0]?.error?.message ?? '', /CXCHAIN_SECRET_CRM_KEY/);
  });

  test('ten chains at once share one token request and run in parallel', async () => {
    const fresh = createClient({
      baseUrl: sim.url,
      tokenUrl: sim.tokenUrl,
      clientId: 'c',
      clientSecret: 's',
      grant: 'client_credentials',
      authMethod: 'body',
      scope: 'x',
      executePath: '/api/v2/integration/data-actions/{actionId}/execute',
    });
    sim.setAction('da-slow', { latency_ms: 150, body: { ok: true } });
    const chains = Array.from({ length: 10 }, (_, i) =>
      chain(`version: 1\nchain_id: par-${i}\nsteps:\n  - action_id: da-slow\n  - action_id: da-echo\n`),
    );
    const finished: number[] = [];
    const t0 = performance.now();
    const results = await runChains(chains, { client: fresh, concurrency: 10, onResult: (_r, i) => finished.push(i) });
    const elapsed = performance.now() - t0;
    await fresh.close();
    assert.equal(sim.tokenRequests.length, 1);
    assert.deepEqual(
      results.map((r) => r.chain_id),
      chains.map((c) => c.chainId),
      'results in chain order',
    );
    assert.ok(results.every((r) => r.final_status === 'completed'));
    assert.equal(finished.length, 10);
    assert.ok(elapsed < 1000, `10 chains with a 150 ms step ran concurrently in ${elapsed.toFixed(0)} ms`);
  });

  test('--concurrency is honoured exactly; results come back in input order whatever the completion order', async () => {
    sim.setAction('da-slow', { latency_ms: 60, body: {} });
    const chains = Array.from({ length: 9 }, (_, i) =>
      chain(
        `version: 1\nchain_id: c-${i}\nsteps:\n  - action_id: ${i % 2 ? 'da-slow' : 'da-echo'}\n  - action_id: da-slow\n    id: second\n`,
      ),
    );
    let running = 0;
    let peak = 0;
    const completion: string[] = [];
    const results = await runChains(chains, {
      client,
      concurrency: 3,
      onEvent: (e) => {
        if (e.type === 'chain_start') peak = Math.max(peak, ++running);
        if (e.type === 'chain_end') {
          running -= 1;
          completion.push(e.chain_id);
        }
      },
    });
    assert.equal(peak, 3);
    assert.deepEqual(
      results.map((r) => r.chain_id),
      chains.map((c) => c.chainId),
    );
    assert.notDeepEqual(
      completion,
      results.map((r) => r.chain_id),
      'chains finished out of order, yet results are in order',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateChains } from '../src/chain/index.js';
import type { DataActionClient, ExecuteRequest, ExecuteResult } from '../src/cxone/types.js';
import { runChain } from '../src/engine/index.js';

/**
 * A client that answers from a table by action id: the engine's own decisions are under test here,
 * not HTTP (the client's behaviour at the deadline is tested against real servers elsewhere).
 */
function clientAnswering(answers: Record<string, ExecuteResult>): DataActionClient {
  return {
    execute: (request: ExecuteRequest) => Promise.resolve(answers[request.actionId] as ExecuteResult),
    secrets: () => [],
    close: () => Promise.resolve(),
  };
}

const failed = (kind: 'http' | 'global_timeout', httpStatus?: number): ExecuteResult => ({
  ok: false,
  error: { kind, message: `[POST] x: ${kind}`, ...(httpStatus ? { httpStatus } : {}) },
  ...(httpStatus ? { httpStatus } : {}),
  attempts: 1,
  tokenAttempts: 0,
  latencyMs: 1,
});

describe('the engine at the deadline (issue 12)', () => {
  test('a fallback stopped at the global timeout ends the chain with reason global_timeout, not abort', async () => {
    const [chain] = validateChains([
      {
        file: 'c.yaml',
        text: 'version: 1\nchain_id: c\nsteps:\n  - action_id: da-main\n    on_failure: fallback\n    fallback: { action_id: da-backup }\n  - action_id: da-later\n',
      },
    ]).chains;
    assert.ok(chain);
    const result = await runChain(chain, {
      client: clientAnswering({ 'da-main': failed('http', 500), 'da-backup': failed('global_timeout') }),
    });
    assert.equal(result.final_status, 'terminated_early');
    assert.equal(result.termination_reason, 'global_timeout');
    assert.deepEqual(
      result.aggregated_responses.map((r) => r.status),
      ['failed', 'skipped'],
    );
  });
});

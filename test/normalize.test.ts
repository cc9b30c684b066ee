import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BUILTIN_DEFAULTS, normalizeChain, stepIdOf } from '../src/chain/index.js';
import { ROOT } from './helpers.js';

interface SchemaNode {
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  $ref?: string;
}
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/chain.schema.json'), 'utf8')) as SchemaNode & {
  $defs: Record<string, SchemaNode>;
};
const def = (name: string) => schema.$defs[name] as SchemaNode;

describe('one normalisation: ids and defaults settled in one place', () => {
  test("the built-in defaults are the schema's `default`s, which editors show", () => {
    assert.equal(schema.properties?.max_depth?.default, BUILTIN_DEFAULTS.maxDepth);
    assert.equal(schema.properties?.global_timeout_seconds?.default, BUILTIN_DEFAULTS.globalTimeoutSeconds);
    // A step's own default is the chain's `defaults:`, so the built-in value is stated there only:
    // an editor completing a step must not write a value that overrides `defaults:`.
    const defaults = schema.properties?.defaults?.properties ?? {};
    assert.equal(defaults.timeout_seconds?.default, BUILTIN_DEFAULTS.timeoutSeconds);
    assert.equal(defaults.on_failure?.default, BUILTIN_DEFAULTS.onFailure);
    assert.equal(defaults.idempotent?.default, BUILTIN_DEFAULTS.idempotent);
    for (const name of ['timeout_seconds', 'on_failure', 'idempotent'])
      assert.equal(def(name).default, undefined, name);
    assert.equal(def('input').properties?.type?.default, BUILTIN_DEFAULTS.inputType);
    assert.equal(def('input').properties?.required?.default, BUILTIN_DEFAULTS.inputRequired);
    const retry = def('retry').properties ?? {};
    assert.equal(retry.max_attempts?.default, BUILTIN_DEFAULTS.retry.maxAttempts);
    assert.equal(retry.initial_delay_ms?.default, BUILTIN_DEFAULTS.retry.initialDelayMs);
    assert.equal(retry.max_delay_ms?.default, BUILTIN_DEFAULTS.retry.maxDelayMs);
  });

  test('a step runs under its id, else its action id, else the name of the chain file it uses', () => {
    assert.equal(stepIdOf({ id: 'p', action_id: 'da-x' }), 'p');
    assert.equal(stepIdOf({ action_id: 'da-x' }), 'da-x');
    assert.equal(stepIdOf({ uses: './lib/crm-sync.yaml' }), 'crm-sync');
    assert.equal(stepIdOf({ uses: '../shared/Notify.YML' }), 'Notify');
    assert.equal(stepIdOf({}), undefined);
    assert.equal(stepIdOf('not a step'), undefined);
  });

  test('step values win over `defaults:`, which win over the built-in ones; inverted bounds are left for validation to report', () => {
    const chain = normalizeChain({
      chain_id: 'c',
      defaults: { timeout_seconds: 20, on_failure: 'continue', retry: { max_attempts: 2, max_delay_ms: 10 } },
      steps: [
        { action_id: 'a', retry: { initial_delay_ms: 500 } },
        { action_id: 'b', timeout_seconds: 7, on_failure: 'abort', fallback: { action_id: 'f' } },
        { uses: './child.yaml', with: { x: 1 } },
      ],
    });
    const [a, b, c] = chain.steps;
    assert.equal(a?.kind, 'action');
    if (a?.kind !== 'action' || b?.kind !== 'action') return;
    assert.deepEqual(a.retry, { maxAttempts: 2, initialDelayMs: 500, maxDelayMs: 10 });
    assert.equal(a.timeoutMs, 20_000);
    assert.equal(a.onFailure, 'continue');
    assert.equal(b.onFailure, 'abort');
    assert.deepEqual(b.fallback, {
      kind: 'action',
      actionId: 'f',
      payload: {},
      timeoutMs: 7000,
      retry: { maxAttempts: 2, initialDelayMs: 2000, maxDelayMs: 10 },
      idempotent: false,
    });
    assert.deepEqual(c, {
      kind: 'chain',
      index: 2,
      id: 'child',
      idWritten: false,
      onFailure: 'continue',
      uses: './child.yaml',
      with: { x: 1 },
    });
    assert.equal(chain.maxDepth, BUILTIN_DEFAULTS.maxDepth);
    assert.equal(chain.globalTimeoutMs, BUILTIN_DEFAULTS.globalTimeoutSeconds * 1000);
    assert.equal(chain.callOnly, false);
  });
});

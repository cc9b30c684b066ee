import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateChains, type ChainModel } from '../src/chain/index.js';
import { checkVariables, describeMissingVariable, readVariable } from '../src/engine/index.js';

// SPEC 3.2: every `vars.*` and `secrets.*` a selected chain uses is set before anything runs.

function chains(files: Record<string, string>): ChainModel[] {
  const loaded = validateChains(Object.entries(files).map(([file, text]) => ({ file, text })));
  assert.deepEqual(loaded.diagnostics, []);
  return loaded.chains;
}

const A = `version: 1
chain_id: a
steps:
  - id: first
    action_id: da-echo
    payload: { key: "\${{ secrets.API_KEY }}", region: "\${{ vars.REGION }}" }
    on_failure: fallback
    fallback:
      action_id: da-queue
      payload: { token: "x-\${{ secrets.QUEUE_TOKEN }}" }
  - action_id: da-other
    payload: { again: "\${{ secrets.API_KEY }}" }
    on_failure: fallback
    fallback: { output: { from: "\${{ vars.FALLBACK }}" } }
outputs:
  tier: \${{ vars.TIER }}
`;
const B = `version: 1
chain_id: b
steps:
  - action_id: da-echo
    payload: { key: "\${{ secrets.API_KEY }}", plain: 1 }
`;

describe('checkVariables', () => {
  test('names every missing variable once, with each chain and file that uses it, in order of first use', () => {
    const { missing, secrets } = checkVariables(chains({ 'chains/a.yaml': A, 'chains/b.yaml': B }), {});
    assert.deepEqual(secrets, []);
    assert.deepEqual(
      missing.map((m) => [m.variable, m.root, m.name, m.chains, m.files]),
      [
        ['CXCHAIN_SECRET_API_KEY', 'secrets', 'API_KEY', ['a', 'b'], ['chains/a.yaml', 'chains/b.yaml']],
        ['CXCHAIN_VAR_REGION', 'vars', 'REGION', ['a'], ['chains/a.yaml']],
        ['CXCHAIN_SECRET_QUEUE_TOKEN', 'secrets', 'QUEUE_TOKEN', ['a'], ['chains/a.yaml']],
        ['CXCHAIN_VAR_FALLBACK', 'vars', 'FALLBACK', ['a'], ['chains/a.yaml']],
        ['CXCHAIN_VAR_TIER', 'vars', 'TIER', ['a'], ['chains/a.yaml']],
      ],
    );
    assert.equal(
      describeMissingVariable(missing[0] ?? assert.fail()),
      'CXCHAIN_SECRET_API_KEY is not set (used by secrets.API_KEY in chains/a.yaml, chains/b.yaml)',
    );
  });

  test('returns the secrets that are set and used, once each; vars values are not secrets', () => {
    const env = {
      CXCHAIN_SECRET_API_KEY: 'api-key-value',
      CXCHAIN_SECRET_QUEUE_TOKEN: 'queue-token',
      CXCHAIN_SECRET_UNUSED: 'never-read',
      CXCHAIN_VAR_REGION: 'us-west',
      CXCHAIN_VAR_FALLBACK: 'f',
      CXCHAIN_VAR_TIER: 'gold',
    };
    const { missing, secrets } = checkVariables(chains({ 'a.yaml': A, 'b.yaml': B }), env);
    assert.deepEqual(missing, []);
    assert.deepEqual(secrets, [
      { name: 'API_KEY', variable: 'CXCHAIN_SECRET_API_KEY', value: 'api-key-value' },
      { name: 'QUEUE_TOKEN', variable: 'CXCHAIN_SECRET_QUEUE_TOKEN', value: 'queue-token' },
    ]);
  });

  test('an empty value counts as not set, as GitHub Actions passes a secret the repository lacks', () => {
    const { missing } = checkVariables(chains({ 'b.yaml': B }), { CXCHAIN_SECRET_API_KEY: '' });
    assert.equal(missing[0]?.empty, true);
    assert.equal(
      describeMissingVariable(missing[0] ?? assert.fail()),
      'CXCHAIN_SECRET_API_KEY is empty, which counts as not set (used by secrets.API_KEY in b.yaml)',
    );
    assert.equal(readVariable({ CXCHAIN_VAR_X: '' }, 'vars', 'X'), undefined);
  });

  test('only own properties of the environment count: prototype names are unset names like any other', () => {
    const c = chains({
      'p.yaml':
        'version: 1\nchain_id: p\nsteps:\n  - action_id: da-echo\n    payload: { a: "${{ vars.constructor }}", b: "${{ secrets.__proto__ }}", c: "${{ vars.INHERITED }}" }\n',
    });
    const env = Object.create({ CXCHAIN_VAR_INHERITED: 'from the prototype' }) as NodeJS.ProcessEnv;
    assert.deepEqual(
      checkVariables(c, env).missing.map((m) => m.variable),
      ['CXCHAIN_VAR_constructor', 'CXCHAIN_SECRET___proto__', 'CXCHAIN_VAR_INHERITED'],
    );
    assert.equal(readVariable(env, 'vars', 'INHERITED'), undefined);
    assert.equal(readVariable({ CXCHAIN_VAR_INHERITED: 'own' }, 'vars', 'INHERITED'), 'own');
  });

  test('a chain that reads no variable needs none', () => {
    const c = chains({ 'n.yaml': 'version: 1\nchain_id: n\nsteps:\n  - action_id: da-echo\n' });
    assert.deepEqual(checkVariables(c, {}), { missing: [], secrets: [] });
  });
});

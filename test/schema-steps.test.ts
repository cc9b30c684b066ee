import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compareDiagnostics } from '../src/chain/diagnostics.js';
import { validateAgainstSchema } from '../src/chain/schema-errors.js';
import { parseChainText } from '../src/chain/source.js';
import { ROOT } from './helpers.js';

/**
 * The schema layer alone (SPEC 3.1 layer 2) on the step kinds of SPEC 3.3 and the `if:` /
 * `expect:` of SPEC 3.5: the semantic layer does not know chain steps yet, so these cases do not
 * go through `cxchain validate`.
 */
function schemaProblems(text: string) {
  const parsed = parseChainText('c.yaml', text);
  assert.ok(parsed.source && parsed.data !== undefined, JSON.stringify(parsed.diagnostics));
  return validateAgainstSchema(parsed.data, parsed.source).sort(compareDiagnostics);
}

const chain = (steps: string, top = '') => `version: 1\nchain_id: c\n${top}steps:\n${steps}`;

interface Case {
  text: string;
  /** Every diagnostic of the schema layer, exactly: [code, line, column]. */
  expect: [string, number, number][];
  message?: RegExp;
  hint?: RegExp;
}

const CASES: Record<string, Case> = {
  'a step with both action_id and uses is one problem, at the second of the two': {
    text: chain('  - action_id: da-fetch\n    uses: ./lib/crm.yaml\n    payload: { a: 1 }\n    retry: {}\n'),
    expect: [['schema.step_kind', 5, 5]],
    message:
      /^`steps\[0\]` has both `action_id` and `uses`: a step is either an action step \(`action_id`, runs a Data Action\) or a chain step \(`uses`, runs another chain file\), never both$/,
    hint: /make them two steps$/,
  },
  'both, uses first': {
    text: chain('  - uses: ./lib/crm.yaml\n    action_id: da-fetch\n'),
    expect: [['schema.step_kind', 5, 5]],
  },
  'a step with neither': {
    text: chain('  - id: x\n    description: does nothing\n'),
    expect: [['schema.required', 4, 5]],
    message: /^`steps\[0\]` is missing `action_id` \(or `uses:` for a chain step\)$/,
    hint: /^add `action_id:` with the Data Action's id, .* or `uses:` with the path of a chain file/,
  },
  'neither, with `with:`: one problem, whose hint says to add uses': {
    text: chain('  - id: x\n    with: { customer_id: C-1 }\n'),
    expect: [['schema.required', 4, 5]],
    hint: /^this step has `with:`, so it reads as a chain step: add `uses:`/,
  },
  'payload on a chain step': {
    text: chain('  - uses: ./lib/crm.yaml\n    payload: { a: 1 }\n'),
    expect: [['schema.not_allowed', 5, 5]],
    message:
      /^`payload` is not allowed on a chain step \(`uses: \.\/lib\/crm\.yaml`\); a chain step passes values to the child chain with `with:`$/,
    hint: /^move the values into `with:`/,
  },
  'retry on a chain step': {
    text: chain('  - uses: ./lib/crm.yaml\n    retry: { max_attempts: 2 }\n'),
    expect: [['schema.not_allowed', 5, 5]],
    message: /^`retry` is not allowed on a chain step \(`uses: \.\/lib\/crm\.yaml`\); .*the child chain's steps retry/,
  },
  'idempotent on a chain step': {
    text: chain('  - uses: ./lib/crm.yaml\n    idempotent: true\n'),
    expect: [['schema.not_allowed', 5, 5]],
    message: /^`idempotent` is not allowed on a chain step/,
  },
  'timeout_seconds on a chain step': {
    text: chain('  - uses: ./lib/crm.yaml\n    timeout_seconds: 20\n'),
    expect: [['schema.not_allowed', 5, 5]],
    message: /^`timeout_seconds` is not allowed on a chain step .*`global_timeout_seconds`/,
  },
  'all four on one chain step: one problem each, at each key': {
    text: chain(
      '  - uses: ./lib/crm.yaml\n    timeout_seconds: 20\n    payload: {}\n    idempotent: true\n    retry: {}\n',
    ),
    expect: [
      ['schema.not_allowed', 5, 5],
      ['schema.not_allowed', 6, 5],
      ['schema.not_allowed', 7, 5],
      ['schema.not_allowed', 8, 5],
    ],
  },
  'with on an action step': {
    text: chain('  - action_id: da-fetch\n    with: { customer_id: C-1 }\n'),
    expect: [['schema.not_allowed', 5, 5]],
    message:
      /^`with` belongs to a chain step, and `steps\[0\]` is an action step \(`action_id: da-fetch`\): pass the values in `payload:`, or replace `action_id:` with `uses:`$/,
  },
  'a typo in an action step is matched against the keys of an action step': {
    text: chain('  - action_id: da-fetch\n    paylod: { a: 1 }\n'),
    expect: [['schema.unknown_key', 5, 5]],
    message: /^unknown key `paylod` in `steps\[0\]`; did you mean `payload`\?$/,
    hint: /^rename it to `payload`; the keys allowed here are id, action_id, description, if, payload, expect, timeout_seconds, on_failure, retry, idempotent, fallback$/,
  },
  'a typo in a chain step is matched against the keys of a chain step': {
    text: chain('  - uses: ./lib/crm.yaml\n    wth: { customer_id: C-1 }\n'),
    expect: [['schema.unknown_key', 5, 5]],
    message: /^unknown key `wth` in `steps\[0\]`; did you mean `with`\?$/,
    hint: /^rename it to `with`; the keys allowed here are id, uses, with, description, if, expect, on_failure, fallback$/,
  },
  'a chain step is not offered the keys of an action step': {
    text: chain('  - uses: ./lib/crm.yaml\n    paylod: {}\n'),
    expect: [['schema.unknown_key', 5, 5]],
    message: /^unknown key `paylod` in `steps\[0\]`$/,
  },
  'a slip of `uses` in a step of neither kind is the one problem': {
    text: chain('  - use: ./lib/crm.yaml\n'),
    expect: [['schema.unknown_key', 4, 5]],
    message: /^unknown key `use` in `steps\[0\]`; did you mean `uses`\? \(a step needs `action_id` or `uses`\)$/,
  },
  'uses without ./ or ../': {
    text: chain('  - uses: crm.yaml\n'),
    expect: [['schema.pattern', 4, 11]],
    message: /^`steps\[0\]\.uses` is "crm\.yaml", which is not allowed here$/,
    hint: /^write `\.\/crm\.yaml`: `uses` takes a path relative to this file, starting with `\.\/` or `\.\.\/` and ending in `\.yaml` or `\.yml`$/,
  },
  'uses that is not a chain file': {
    text: chain('  - uses: ../lib/crm.json\n'),
    expect: [['schema.pattern', 4, 11]],
    hint: /^write a path relative to this file, .* e\.g\. `\.\/lib\/crm-sync\.yaml`$/,
  },
  'an empty expect': {
    text: chain('  - action_id: da-fetch\n    expect: []\n'),
    expect: [['schema.min_items', 5, 13]],
    message: /^`steps\[0\]\.expect` is empty; it needs at least 1 item$/,
    hint: /or remove `expect:`$/,
  },
  'a number in expect': {
    text: chain('  - action_id: da-fetch\n    expect: [5]\n'),
    expect: [['schema.type', 5, 14]],
    message: /^`steps\[0\]\.expect\[0\]` must be a string; got the number 5$/,
    hint: /^write a condition the answer must meet, e\.g\. `\$\{\{ output\.eligible == true \}\}`$/,
  },
  'a number as if': {
    text: chain('  - action_id: da-fetch\n    if: 5\n'),
    expect: [['schema.type', 5, 9]],
    message: /^`steps\[0\]\.if` must be a string or a boolean; got the number 5$/,
    hint: /^write one condition, e\.g\. .*, or `true`\/`false`$/,
  },
  'call_only as text': {
    text: chain('  - action_id: da-fetch\n', 'call_only: "yes"\n'),
    expect: [['schema.type', 3, 12]],
    message: /^`call_only` must be a boolean; got the string "yes"$/,
    hint: /^write `true` or `false`$/,
  },
  'a fallback with both action_id and output: one problem, at the second, saying it is one kind or the other': {
    text: chain(
      '  - action_id: da-fetch\n    on_failure: fallback\n    fallback: { output: {}, action_id: b, payload: {} }\n',
    ),
    expect: [['schema.fallback_shape', 6, 29]],
    message:
      /^`steps\[0\]\.fallback` has both `action_id` and `output`: a fallback either runs another Data Action \(`action_id`, .*\) or uses a static `output`, never both$/,
    hint: /^keep `action_id:` to run the Data Action, or `output:`/,
  },
  'a fallback with neither, only a payload: the hint reads the payload as a missing action_id': {
    text: chain('  - action_id: da-fetch\n    on_failure: fallback\n    fallback: { payload: { a: 1 } }\n'),
    expect: [['schema.fallback_shape', 6, 15]],
    message:
      /^`steps\[0\]\.fallback` needs `action_id` \(another Data Action to run\) or `output` .*, and has neither$/,
    hint: /^`payload` belongs to an action fallback: add `action_id:`/,
  },
  'timeout_seconds in a static output fallback': {
    text: chain('  - action_id: da-fetch\n    on_failure: fallback\n    fallback: { output: 1, timeout_seconds: 9 }\n'),
    expect: [['schema.fallback_shape', 6, 28]],
    message: /^`timeout_seconds` is not allowed in a static output fallback \(`output:`\)/,
    hint: /^remove `timeout_seconds`, or replace `output:` with `action_id:`/,
  },
  'a slip of output in a fallback is the unknown key alone': {
    text: chain('  - action_id: da-fetch\n    on_failure: fallback\n    fallback: { ouput: 1 }\n'),
    expect: [['schema.unknown_key', 6, 17]],
    message:
      /^unknown key `ouput` in `steps\[0\]\.fallback`; did you mean `output`\? \(a fallback needs `action_id` or `output`\)$/,
  },
  'a bad name in with': {
    text: chain('  - uses: ./lib/crm.yaml\n    with: { "customer id": C-1 }\n'),
    expect: [['schema.pattern', 5, 13]],
  },
};

describe('schema: action steps and chain steps, if and expect (SPEC 3.3, 3.5)', () => {
  for (const [name, c] of Object.entries(CASES)) {
    test(name, () => {
      const got = schemaProblems(c.text);
      assert.deepEqual(
        got.map((d) => [d.code, d.line, d.column]),
        c.expect,
        JSON.stringify(got, null, 2),
      );
      if (c.message) assert.match(got[0]?.message ?? '', c.message);
      if (c.hint) assert.match(got[0]?.hint ?? '', c.hint);
    });
  }

  test('chain steps, conditions and expectations the schema takes', () => {
    const text = chain(
      [
        '  - id: profile',
        '    action_id: da-fetch-customer-profile',
        '    if: true',
        '    expect:',
        '      - ${{ output.eligible == true }}',
        '      - length(output.offers) > 0',
        '  - id: crm',
        '    description: sync in the child chain',
        '    uses: ./lib/crm-sync.yaml',
        '    with: { customer_id: "${{ inputs.customer_id }}", tier: 3 }',
        "    if: ${{ steps.profile.status == 'success' }}",
        '    expect: ["${{ output.synced }}"]',
        '    on_failure: fallback',
        '    fallback: { output: { synced: false } }',
        '  - { id: up, uses: ../shared/Upgrade.YML }',
        '',
      ].join('\n'),
      'call_only: true\n',
    );
    assert.deepEqual(schemaProblems(text), []);
  });

  test('every example in chains/ passes the schema layer', async () => {
    const files = (await readdir(join(ROOT, 'chains'))).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 3);
    for (const file of files) assert.deepEqual(schemaProblems(await readFile(join(ROOT, 'chains', file), 'utf8')), []);
  });
});

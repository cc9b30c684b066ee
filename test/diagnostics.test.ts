import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from './helpers.js';

interface JsonDiagnostic {
  code: string;
  severity?: string;
  file: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

/** The chain of SPEC 3, 33 lines; each case below breaks it in one place. */
const SPEC_CHAIN = `version: 1
chain_id: cust-data-sync-001
revision: 3
description: Sync a customer profile into the CRM
max_depth: 5
global_timeout_seconds: 120
inputs:
  customer_id: { type: string, required: false, description: CXone customer id }
  region: { type: string, default: US-WEST }
defaults:
  timeout_seconds: 30
  on_failure: abort
  retry: { max_attempts: 4, initial_delay_ms: 2000, max_delay_ms: 12000 }
steps:
  - id: profile
    action_id: da-fetch-customer-profile
    payload: { customerId: "\${{ inputs.customer_id }}", fields: [name, email, tier] }
    timeout_seconds: 20
    on_failure: abort
  - action_id: da-validate-tier-eligibility
    payload:
      tier: \${{ steps.profile.output.tier }}
      region: \${{ inputs.region }}
    on_failure: continue
  - action_id: da-update-external-crm
    payload: { targetSystem: salesforce, syncMode: incremental }
    idempotent: true
    on_failure: fallback
    fallback:
      action_id: da-queue-crm-retry
      payload: { customerId: "\${{ inputs.customer_id }}" }
outputs:
  tier: \${{ steps.profile.output.tier }}
`;

/** SPEC_CHAIN with line `line` (1-based) replaced. */
function withLine(line: number, text: string): string {
  const lines = SPEC_CHAIN.split('\n');
  lines[line - 1] = text;
  return lines.join('\n');
}

interface Case {
  text: string;
  /** Every diagnostic of the file, exactly: a follow-on error would show as an extra row. */
  expect: [string, number, number][];
  message?: RegExp;
  hint?: string | RegExp;
}

/**
 * Issue 12 C. The first three are cascades the issue measured: on main they gave 17, 5 and 3
 * problems (the flow expression, the tab, the mis-indented key); each is now the one mistake.
 */
const CASES: Record<string, Case> = {
  'unquoted-expression-in-flow.yaml': {
    text: withLine(17, '    payload: { customerId: ${{ inputs.customer_id }}, fields: [name, email, tier] }'),
    expect: [['yaml.expression_in_flow', 17, 28]],
  },
  'tab.yaml': {
    text: withLine(18, '\ttimeout_seconds: 20'),
    expect: [['yaml.tab_indent', 18, 1]],
  },
  'mis-indented-key.yaml': {
    text: withLine(16, '   action_id: da-fetch-customer-profile'),
    expect: [['yaml.syntax', 16, 4]],
    message: /^`action_id` starts at column 4, but the key before it, `id`, starts at column 5/,
    hint: 'align the keys of one mapping to the same column, using spaces',
  },
  'key-indented-deeper.yaml': {
    text: withLine(12, '   on_failure: abort'),
    expect: [['yaml.syntax', 12, 4]],
    message: /^`on_failure` starts at column 4, but the key before it, `timeout_seconds`, starts at column 3/,
  },
  'key-indented-less.yaml': {
    text: withLine(18, '   timeout_seconds: 20'),
    expect: [['yaml.syntax', 18, 4]],
  },
  'list-item-misaligned.yaml': {
    text: withLine(20, '   - action_id: da-validate-tier-eligibility'),
    expect: [['yaml.syntax', 20, 4]],
    message: /^this list item starts at column 4, but the item before it, on line 15, starts at column 3/,
  },
  'unclosed-quote.yaml': {
    text: withLine(4, 'description: "Sync a customer profile'),
    expect: [['yaml.syntax', 4, 14]],
    message: /^the quoted text that starts here is never closed/,
  },
  'unclosed-flow.yaml': {
    text: withLine(17, '    payload: { customerId: "${{ inputs.customer_id }}", fields: [name, email, tier }'),
    expect: [['yaml.syntax', 17, 84]],
    message: /^the list opened with `\[` at line 17, column 65 is not closed before this point$/,
  },
  'colon-in-value.yaml': {
    text: withLine(4, 'description: Sync: a customer profile'),
    expect: [['yaml.syntax', 4, 14]],
    hint: 'quote the value: "Sync: a customer profile"',
  },
  'missing-colon.yaml': {
    text: withLine(5, 'max_depth 5'),
    expect: [['yaml.syntax', 5, 1]],
    message: /^this line is not a `key: value` pair: there is no `:` after `max_depth`$/,
  },
  'duplicate-key-then-syntax.yaml': {
    text: withLine(18, '   timeout_seconds: 20').replace('revision: 3\n', 'revision: 3\nrevision: 4\n'),
    expect: [
      ['yaml.duplicate_key', 4, 1],
      ['yaml.syntax', 19, 4],
    ],
  },
  'merge-key.yaml': {
    text: SPEC_CHAIN.replace('defaults:\n', 'defaults: &d\n').replace(
      '  - id: profile\n',
      '  - id: profile\n    <<: *d\n',
    ),
    expect: [['yaml.merge_key', 16, 5]],
    message: /^merge keys \(`<<`\) are not supported/,
  },
};

describe('validate: one mistake is one problem, with the caret on the offending token', () => {
  let cleanup: () => Promise<void>;
  const byFile = new Map<string, JsonDiagnostic[]>();

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir(Object.fromEntries(Object.entries(CASES).map(([f, c]) => [f, c.text]))));
    const json = await runCli(['validate', '--format', 'json', '.'], { cwd: dir });
    assert.equal(json.code, 2, json.stderr);
    for (const d of (JSON.parse(json.stdout) as { diagnostics: JsonDiagnostic[] }).diagnostics)
      byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  });
  after(() => cleanup());

  for (const [file, c] of Object.entries(CASES)) {
    test(file, () => {
      const got = byFile.get(file) ?? [];
      assert.deepEqual(
        got.map((d) => [d.code, d.line, d.column]),
        c.expect,
        JSON.stringify(got, null, 2),
      );
      if (c.message) assert.match(got[0]?.message ?? '', c.message);
      if (typeof c.hint === 'string') assert.equal(got.at(-1)?.hint, c.hint);
      else if (c.hint) assert.match(got.at(-1)?.hint ?? '', c.hint);
    });
  }

  test('the spec chain itself is valid (every case breaks exactly one thing)', async () => {
    const { dir, cleanup: done } = await tempDir({ 'c.yaml': SPEC_CHAIN });
    try {
      const r = await runCli(['validate', 'c.yaml'], { cwd: dir });
      assert.equal(r.code, 0, r.stdout);
    } finally {
      await done();
    }
  });
});

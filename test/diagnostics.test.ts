import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { closest } from '../src/chain/suggest.js';
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
 * Issue 12 C. The first four are cascades the issue measured: on main they gave 17, 5, 3 and 3
 * problems (the flow expression, the tab, the mis-indented key, `step:`); each is now the one mistake.
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
  'step-for-steps.yaml': {
    text: withLine(14, 'step:'),
    expect: [['schema.unknown_key', 14, 1]],
    message: /^unknown key `step` in the chain; did you mean `steps`\? \(`steps` is required\)$/,
    hint: /^rename it to `steps`; the keys allowed here are version, chain_id/,
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
  'retries-in-defaults.yaml': {
    text: withLine(13, '  retries: { max_attempts: 4 }'),
    expect: [['schema.unknown_key', 13, 3]],
    message: /^unknown key `retries` in `defaults`; did you mean `retry`\?$/,
  },
  'unknown-in-retry.yaml': {
    text: withLine(13, '  retry: { max_attempt: 4, initial_delay: 5 }'),
    expect: [
      ['schema.unknown_key', 13, 12],
      ['schema.unknown_key', 13, 28],
    ],
  },
  'unknown-in-input.yaml': {
    text: withLine(9, '  region: { typ: string, default: US-WEST }'),
    expect: [['schema.unknown_key', 9, 13]],
    message: /did you mean `type`\?$/,
  },
  'unknown-in-fallback.yaml': {
    text: withLine(30, '      actionid: da-queue-crm-retry'),
    expect: [['schema.unknown_key', 30, 7]],
    message: /^unknown key `actionid` in `steps\[2\]\.fallback`; did you mean `action_id`\?/,
  },
  'unknown-in-step.yaml': {
    text: withLine(18, '    timeout: 20'),
    expect: [['schema.unknown_key', 18, 5]],
    message: /did you mean `timeout_seconds`\?$/,
  },
  // `if` itself is a key since SPEC 3.5; another two-letter slip still gets no fuzzy guess.
  'in-is-not-id.yaml': {
    text: withLine(18, '    in: yes'),
    expect: [['schema.unknown_key', 18, 5]],
    message: /^unknown key `in` in `steps\[0\]`$/,
    hint: /^remove it, or use one of the keys allowed here: id, action_id/,
  },
  'merge-key.yaml': {
    text: SPEC_CHAIN.replace('defaults:\n', 'defaults: &d\n').replace(
      '  - id: profile\n',
      '  - id: profile\n    <<: *d\n',
    ),
    expect: [['yaml.merge_key', 16, 5]],
    message: /^merge keys \(`<<`\) are not supported/,
  },
  'no-steps-no-empty-fix.yaml': {
    text: 'version: 1\nchain_id: c\nsteps: []\noutputs:\n  x: ${{ steps.a.status }}\n',
    expect: [['schema.min_items', 3, 8]],
  },
  'boolean-fix.yaml': {
    text: withLine(27, '    idempotent: yes'),
    expect: [['schema.type', 27, 17]],
    hint: 'write `true` or `false`',
  },
  'enum-fix.yaml': {
    text: withLine(24, '    on_failure: skip'),
    expect: [['schema.enum', 24, 17]],
    hint: 'use one of `abort`, `continue` or `fallback`',
  },
  'range-fix.yaml': {
    text: withLine(18, '    timeout_seconds: 200'),
    expect: [['schema.range', 18, 22]],
    hint: 'write a whole number of seconds from 5 to 120',
  },
  'quoted-number-fix.yaml': {
    text: withLine(5, 'max_depth: "5"'),
    expect: [['schema.type', 5, 12]],
    hint: 'write a whole number from 1 to 25, without quotes: `5`',
  },
  'required-fix.yaml': {
    text: withLine(2, ''),
    expect: [['schema.required', 1, 1]],
    hint: 'add `chain_id:` with an id unique across the repository, e.g. `chain_id: cust-data-sync-001`',
  },
};

describe('validate: one mistake is one problem, with the caret on the offending token', () => {
  let cleanup: () => Promise<void>;
  const byFile = new Map<string, JsonDiagnostic[]>();
  let text = '';

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir(Object.fromEntries(Object.entries(CASES).map(([f, c]) => [f, c.text]))));
    const json = await runCli(['validate', '--format', 'json', '.'], { cwd: dir });
    assert.equal(json.code, 2, json.stderr);
    for (const d of (JSON.parse(json.stdout) as { diagnostics: JsonDiagnostic[] }).diagnostics)
      byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
    text = (await runCli(['validate', '.'], { cwd: dir })).stdout;
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

  test('no `fix:` line is empty or ends in an empty list', () => {
    const fixes = text.split('\n').filter((l) => l.startsWith('  fix:'));
    assert.ok(fixes.length > 10);
    for (const line of fixes) assert.match(line, /^ {2}fix: \S.*[^:,\s]$/, line);
  });

  test('no schema fix repeats the description of the key', () => {
    for (const d of [...byFile.values()].flat())
      assert.doesNotMatch(d.hint ?? '', /Time limit|Whether a run|What happens when/, d.hint);
  });
});

describe('validate: warnings', () => {
  const WARN = SPEC_CHAIN.replace('required: false', 'required: true, default: CUST-1');

  test('a default on a required input is a warning: shown, but the chain is valid (exit 0)', async () => {
    const { dir, cleanup } = await tempDir({ 'c.yaml': WARN });
    try {
      const json = await runCli(['validate', '--format', 'json', 'c.yaml'], { cwd: dir });
      assert.equal(json.code, 0, json.stdout);
      const report = JSON.parse(json.stdout) as {
        valid: boolean;
        diagnostics: JsonDiagnostic[];
        warnings: JsonDiagnostic[];
      };
      assert.equal(report.valid, true);
      assert.deepEqual(report.diagnostics, []);
      assert.deepEqual(
        report.warnings.map((d) => [d.code, d.severity, d.line, d.column]),
        [['chain.required_with_default', 'warning', 8, 32]],
      );
      const text = await runCli(['validate', 'c.yaml'], { cwd: dir });
      assert.equal(text.code, 0);
      assert.match(
        text.stdout,
        /^c\.yaml:8:32 {2}warning {2}the input `customer_id` is `required: true` and has a default/m,
      );
      assert.match(text.stdout, /1 warning in 1 file\n\n✔ 1 chain valid \(1 file\)\n$/);
      const github = await runCli(['validate', '--format', 'github', 'c.yaml'], { cwd: dir });
      assert.equal(github.code, 0);
      assert.match(github.stdout, /^::warning file=c\.yaml,line=8,col=32,title=chain\.required_with_default::/m);
    } finally {
      await cleanup();
    }
  });

  test('beside an error the warning is listed and counted apart; the exit code follows the error', async () => {
    const { dir, cleanup } = await tempDir({ 'c.yaml': WARN.replace('max_depth: 5', 'max_depth: 50') });
    try {
      const r = await runCli(['validate', 'c.yaml'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.match(r.stdout, /1 problem and 1 warning in 1 file\n$/);
    } finally {
      await cleanup();
    }
  });

  test('run prints the warning on stderr and runs the chain', async () => {
    const { dir, cleanup } = await tempDir({ 'c.yaml': WARN });
    try {
      const r = await runCli(['run', 'c.yaml', '--sim', '--renderer', 'json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /c\.yaml:8:32 {2}warning {2}.*\[chain\.required_with_default\]/);
      assert.doesNotMatch(r.stdout, /required_with_default/);
    } finally {
      await cleanup();
    }
  });
});

describe('did you mean', () => {
  test('near misses are suggested; nonsense is not', () => {
    const step = ['id', 'action_id', 'description', 'payload', 'timeout_seconds', 'on_failure', 'retry', 'fallback'];
    assert.equal(closest('retries', ['timeout_seconds', 'on_failure', 'retry', 'idempotent']), 'retry');
    assert.equal(closest('retyr', step), 'retry');
    assert.equal(closest('Action-Id', step), 'action_id');
    assert.equal(closest('timeout', step), 'timeout_seconds');
    assert.equal(closest('step', ['version', 'steps', 'outputs']), 'steps');
    assert.equal(closest('<<', step), undefined);
    assert.equal(closest('if', step), undefined);
    assert.equal(closest('xyz', step), undefined);
    assert.equal(closest('max', ['max_attempts', 'initial_delay_ms', 'max_delay_ms']), undefined);
  });
});

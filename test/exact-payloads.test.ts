import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { inexactNumber } from '../src/chain/literals.js';
import { runCli, tempDir } from './helpers.js';

interface JsonDiagnostic {
  code: string;
  file: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

const step = (payload: string, extra = '') =>
  `version: 1\nchain_id: c\nsteps:\n  - action_id: a\n    payload:\n${payload}${extra}`;

/** Issue 12 B: what a chain says is what is sent, or the file is refused at load time. */
const BAD: Record<string, { text: string; expect: [string, number, number][] }> = {
  'big-int.yaml': { text: step('      accountId: 1234567890123456789\n'), expect: [['yaml.inexact_number', 6, 18]] },
  'big-negative.yaml': { text: step('      n: -9007199254740993\n'), expect: [['yaml.inexact_number', 6, 10]] },
  'big-hex.yaml': { text: step('      n: 0x20000000000001\n'), expect: [['yaml.inexact_number', 6, 10]] },
  'big-flow.yaml': {
    text: step('      ids: [1, 12345678901234567890]\n'),
    expect: [['yaml.inexact_number', 6, 16]],
  },
  'big-elsewhere.yaml': {
    text: 'version: 1\nchain_id: c\nrevision: 90071992547409930\nsteps:\n  - action_id: a\n',
    expect: [['yaml.inexact_number', 3, 11]],
  },
  'long-float.yaml': { text: step('      f: 0.1000000000000000000001\n'), expect: [['yaml.inexact_number', 6, 10]] },
  'infinity.yaml': {
    text: step('      f: .inf\n      g: 1e400\n'),
    expect: [
      ['yaml.inexact_number', 6, 10],
      ['yaml.inexact_number', 7, 10],
    ],
  },
  'number-key.yaml': { text: step('      007: x\n'), expect: [['yaml.inexact_number', 6, 7]] },
  'action-expr.yaml': {
    text: 'version: 1\nchain_id: c\ninputs:\n  a: { default: x }\nsteps:\n  - action_id: "${{inputs.a}}"\n',
    expect: [['chain.expression_in_action_id', 6, 16]],
  },
  'action-expr-spaces.yaml': {
    text: 'version: 1\nchain_id: c\ninputs:\n  a: { default: x }\nsteps:\n  - action_id: "${{ inputs.a }}"\n',
    expect: [['chain.expression_in_action_id', 6, 16]],
  },
  'fallback-expr.yaml': {
    text: 'version: 1\nchain_id: c\ninputs:\n  a: { default: x }\nsteps:\n  - action_id: a\n    on_failure: fallback\n    fallback: { action_id: "q-${{inputs.a}}" }\n',
    expect: [['chain.expression_in_action_id', 8, 28]],
  },
};

describe('exact payloads: numbers and action ids refused at their position', () => {
  const byFile = new Map<string, JsonDiagnostic[]>();
  let exitCode: number | null;

  before(async () => {
    const { dir, cleanup } = await tempDir(Object.fromEntries(Object.entries(BAD).map(([f, c]) => [f, c.text])));
    try {
      const r = await runCli(['validate', '--format', 'json', '.'], { cwd: dir });
      exitCode = r.code;
      for (const d of (JSON.parse(r.stdout) as { diagnostics: JsonDiagnostic[] }).diagnostics)
        byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
    } finally {
      await cleanup();
    }
  });

  test('exit code is 2', () => assert.equal(exitCode, 2));

  for (const [file, { expect }] of Object.entries(BAD)) {
    test(file, () => {
      const got = (byFile.get(file) ?? []).map((d) => [d.code, d.line, d.column]);
      assert.deepEqual(got, expect, JSON.stringify(byFile.get(file), null, 2));
    });
  }

  test('the integer message says what would be sent, and the fix quotes it', () => {
    const [d] = byFile.get('big-int.yaml') ?? [];
    assert.match(d?.message ?? '', /1234567890123456789 is larger than 9007199254740991/);
    assert.match(d?.message ?? '', /it would be sent as 1234567890123456800$/);
    assert.equal(d?.hint, 'quote it as a string: "1234567890123456789"');
    const [f] = byFile.get('long-float.yaml') ?? [];
    assert.match(f?.message ?? '', /would be sent as 0\.1$/);
    assert.equal(f?.hint, 'quote it as a string: "0.1000000000000000000001"');
    const [inf] = byFile.get('infinity.yaml') ?? [];
    assert.match(inf?.message ?? '', /`\.inf` is not a number JSON can carry: it would be sent as null/);
    const [key] = byFile.get('number-key.yaml') ?? [];
    assert.match(key?.message ?? '', /the key `007` is read as the number 7, so it would be used as the key "7"/);
  });

  test('an action id is literal: the message says so, and the pattern error is not repeated', () => {
    const [d] = byFile.get('action-expr-spaces.yaml') ?? [];
    assert.match(d?.message ?? '', /an action id is literal, so the expression would be sent as written/);
    assert.equal(byFile.get('action-expr-spaces.yaml')?.length, 1);
  });

  test('which literals are exact', () => {
    const exact: [string, number][] = [
      ['9007199254740991', 9007199254740991],
      ['-9007199254740991', -9007199254740991],
      ['0.1', 0.1],
      ['1.50', 1.5],
      ['1.5e3', 1500],
      ['1e20', 1e20],
      ['-0', -0],
      ['0x1F', 31],
      ['1234567.123456789', 1234567.123456789],
      ['1.7976931348623157e308', 1.7976931348623157e308],
    ];
    for (const [text, value] of exact) assert.equal(inexactNumber(text, value), undefined, text);
    const inexact: [string, number][] = [
      ['9007199254740992', Number('9007199254740992')],
      ['0.30000000000000000001', Number('0.30000000000000000001')],
      ['1234567.1234567891234', Number('1234567.1234567891234')],
      ['1e400', Infinity],
      ['.nan', NaN],
    ];
    for (const [text, value] of inexact) assert.ok(inexactNumber(text, value), text);
  });

  test('a number written as a string, and every safe integer, is sent exactly (run against --sim)', async () => {
    const { dir, cleanup } = await tempDir({
      'c.yaml': step(
        '      accountId: "1234567890123456789"\n      max: 9007199254740991\n      min: -9007199254740991\n      f: 0.1\n',
      ).replace('action_id: a', 'action_id: da-echo'),
    });
    try {
      const r = await runCli(['run', 'c.yaml', '--sim', '--renderer', 'json', '--audit-payloads'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const start = r.stdout.split('\n').find((l) => l.includes('"type":"step_start"')) ?? '';
      assert.match(
        start,
        /"payload":\{"accountId":"1234567890123456789","max":9007199254740991,"min":-9007199254740991,"f":0\.1\}/,
      );
    } finally {
      await cleanup();
    }
  });
});

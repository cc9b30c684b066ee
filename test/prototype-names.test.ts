import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { validateChains } from '../src/chain/index.js';
import { applyInputDefaults, checkInputs, resolveReference } from '../src/engine/index.js';
import { parseInputFlags } from '../src/cli/inputs.js';
import { runCli, tempDir } from './helpers.js';

/**
 * Issue 12 A: names that are also properties of every JavaScript object. Inputs, step ids,
 * payload keys and outputs named like `Object.prototype` members work like any other name; the
 * one refusal is `__proto__` as an output name (`chain.reserved_name`, at load time).
 */
const PROTO_CHAIN = `version: 1
chain_id: proto
inputs:
  hasOwnProperty: { default: from-default }
  valueOf: { type: number }
  constructor: { type: string, default: ctor }
  toString: { type: boolean, default: true }
  __proto__: { type: integer, required: true }
steps:
  - id: constructor
    action_id: da-echo
    payload:
      h: \${{ inputs.hasOwnProperty }}
      v: \${{ inputs.valueOf }}
      c: \${{ inputs.constructor }}
      t: \${{ inputs.toString }}
      p: \${{ inputs.__proto__ }}
      __proto__: { polluted: true }
      toString: literal
  - id: __proto__
    action_id: da-echo
    payload: { prev: "\${{ steps.constructor.output.echo.p }}", st: "\${{ steps.constructor.status }}" }
outputs:
  constructor: \${{ steps.__proto__.output.echo.prev }}
  hasOwnProperty: \${{ steps.constructor.status }}
`;

interface JsonEvent {
  type: string;
  step_id?: string;
  payload?: unknown;
  result?: { status: string; error: { kind: string; message: string } | null };
}

function events(stdout: string): JsonEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as JsonEvent);
}

describe('prototype names through the real CLI against --sim', () => {
  test('inputs, step ids, payload keys and outputs named like Object.prototype members are ordinary names', async () => {
    const { dir, cleanup } = await tempDir({ 'proto.yaml': PROTO_CHAIN });
    try {
      const r = await runCli(
        [
          'run',
          'proto.yaml',
          '--sim',
          '--renderer',
          'json',
          '--audit-payloads',
          '--input',
          'valueOf=3',
          '--input',
          '__proto__=7',
          '--report',
          'json=report.json',
        ],
        { cwd: dir },
      );
      assert.equal(r.code, 0, r.stderr);
      const sent = events(r.stdout)
        .filter((e) => e.type === 'step_start')
        .map((e) => [e.step_id, e.payload]);
      // Compared as JSON text: an own `__proto__` key and the order of keys are what went on the wire
      // (a computed `['__proto__']` key is an own property, not the prototype).
      assert.equal(
        JSON.stringify(sent),
        JSON.stringify([
          [
            'constructor',
            {
              h: 'from-default',
              v: 3,
              c: 'ctor',
              t: true,
              p: 7,
              ['__proto__']: { polluted: true },
              toString: 'literal',
            },
          ],
          ['__proto__', { prev: 7, st: 'success' }],
        ]),
      );
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as {
        results: { outputs: Record<string, unknown> }[];
      };
      assert.equal(JSON.stringify(report.results[0]?.outputs), '{"constructor":7,"hasOwnProperty":"success"}');
    } finally {
      await cleanup();
    }
  });

  test('a declared-only input called `valueOf` has no value until --input gives one: the step fails, no usage error', async () => {
    const { dir, cleanup } = await tempDir({
      'c.yaml':
        'version: 1\nchain_id: c\ninputs:\n  valueOf: { type: number }\nsteps:\n  - action_id: da-echo\n    payload: { v: "${{ inputs.valueOf }}" }\n',
    });
    try {
      const r = await runCli(['run', 'c.yaml', '--sim', '--renderer', 'json'], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /expected a number/);
      const end = events(r.stdout).find((e) => e.type === 'step_end');
      assert.equal(end?.result?.error?.kind, 'unresolved_reference');
      assert.match(end?.result?.error?.message ?? '', /the input `valueOf` has no value/);
    } finally {
      await cleanup();
    }
  });

  test('`--input __proto__=1` is an input name like any other: refused when no chain declares it', async () => {
    const { dir, cleanup } = await tempDir({
      'c.yaml': 'version: 1\nchain_id: c\ninputs:\n  region: {}\nsteps:\n  - action_id: da-echo\n',
    });
    try {
      const r = await runCli(['run', 'c.yaml', '--sim', '--input', '__proto__=1'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--input __proto__: no selected chain declares this input \(declared: region\)/);
      const ctor = await runCli(['run', 'c.yaml', '--sim', '--input', 'constructor=x'], { cwd: dir });
      assert.equal(ctor.code, 2);
      assert.match(ctor.stderr, /--input constructor: no selected chain declares this input/);
    } finally {
      await cleanup();
    }
  });

  test('validate: `type: constructor` is an unknown type, not a crash; `__proto__` cannot name an output', async () => {
    const { dir, cleanup } = await tempDir({
      'type.yaml':
        'version: 1\nchain_id: t\ninputs:\n  n: { type: constructor, default: 1 }\nsteps:\n  - action_id: a\n',
      'out.yaml': 'version: 1\nchain_id: o\nsteps:\n  - action_id: a\noutputs:\n  __proto__: ${{ steps.a.status }}\n',
      'names.yaml': PROTO_CHAIN.replace('chain_id: proto', 'chain_id: names'),
    });
    try {
      const r = await runCli(['validate', '--format', 'json', '.'], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      const report = JSON.parse(r.stdout) as {
        diagnostics: { code: string; file: string; line: number; column: number; message: string }[];
      };
      assert.deepEqual(
        report.diagnostics.map((d) => [d.file, d.code, d.line, d.column]),
        [
          ['out.yaml', 'chain.reserved_name', 6, 3],
          ['type.yaml', 'schema.enum', 4, 14],
        ],
      );
    } finally {
      await cleanup();
    }
  });
});

describe('prototype names in the library', () => {
  const chain = validateChains([{ file: 'p.yaml', text: PROTO_CHAIN }]).chains[0];

  test('the chain is valid and keeps its inputs in order', () => {
    assert.ok(chain);
    assert.deepEqual(
      chain.inputs.map((i) => i.name),
      ['hasOwnProperty', 'valueOf', 'constructor', 'toString', '__proto__'],
    );
  });

  test('--input flags land in own properties, `__proto__` included', () => {
    const given = parseInputFlags(['__proto__=7', 'valueOf=3']);
    assert.deepEqual(Object.keys(given), ['__proto__', 'valueOf']);
    assert.equal(given.__proto__, '7');
  });

  test('checkInputs reads given values from own properties only', () => {
    assert.ok(chain);
    const { values, problems } = checkInputs(chain, {});
    assert.deepEqual(problems, ['p.yaml: chain `proto` needs the input `__proto__`: pass --input __proto__=…']);
    assert.deepEqual(Object.keys(values), []);
    const typed = checkInputs(chain, parseInputFlags(['__proto__=7', 'valueOf=3', 'toString=false']));
    assert.deepEqual(typed.problems, []);
    assert.deepEqual({ ...typed.values }, { valueOf: 3, toString: false, ['__proto__']: 7 });
    assert.equal(Object.hasOwn(typed.values, '__proto__'), true);
  });

  test('defaults fill in without reading Object.prototype; resolution sees only own inputs', () => {
    assert.ok(chain);
    const inputs = applyInputDefaults(chain, {});
    assert.deepEqual(Object.entries(inputs), [
      ['hasOwnProperty', 'from-default'],
      ['constructor', 'ctor'],
      ['toString', true],
    ]);
    const ctx = { inputs, steps: new Map(), chainId: 'proto', runId: 'r', env: {} };
    assert.equal(resolveReference({ text: 'x', root: 'inputs', path: ['hasOwnProperty'] }, ctx), 'from-default');
    assert.throws(
      () => resolveReference({ text: '${{ inputs.valueOf }}', root: 'inputs', path: ['valueOf'] }, ctx),
      /the input `valueOf` has no value/,
    );
    const plain = { inputs: {}, steps: new Map(), chainId: 'proto', runId: 'r', env: {} };
    assert.throws(
      () => resolveReference({ text: '${{ inputs.toString }}', root: 'inputs', path: ['toString'] }, plain),
      /the input `toString` has no value/,
    );
  });
});

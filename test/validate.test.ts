import assert from 'node:assert/strict';
import { readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir, ROOT } from './helpers.js';

interface JsonDiagnostic {
  code: string;
  file: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

const ok = (extra = '') => `version: 1\nchain_id: c\nsteps:\n  - action_id: a\n${extra}`;

/** Each bad input of issue 3, with the exact first problem expected: [code, line, column]. */
const BAD: Record<string, { text: string | Buffer; expect: [string, number, number][] }> = {
  'syntax.yaml': {
    text: 'version: 1\nchain_id: c\nsteps: [ { action_id: a }\nmore: 1\n',
    expect: [['yaml.syntax', 4, 1]],
  },
  'dup-key.yaml': {
    text: 'version: 1\nchain_id: c\nchain_id: d\nsteps:\n  - action_id: a\n',
    expect: [['yaml.duplicate_key', 3, 1]],
  },
  'tab.yaml': { text: 'version: 1\nchain_id: c\nsteps:\n\t- action_id: a\n', expect: [['yaml.tab_indent', 4, 1]] },
  'flow-expr.yaml': {
    text: 'version: 1\nchain_id: c\ninputs: { x: {} }\nsteps:\n  - action_id: a\n    payload: { id: ${{ inputs.x }} }\n',
    expect: [['yaml.expression_in_flow', 6, 20]],
  },
  'unknown-key.yaml': { text: ok('    timeout_second: 10\n'), expect: [['schema.unknown_key', 5, 5]] },
  'wrong-type.yaml': {
    text: 'version: 1\nchain_id: c\nmax_depth: "5"\nsteps:\n  - action_id: a\n',
    expect: [['schema.type', 3, 12]],
  },
  'range.yaml': { text: ok('    timeout_seconds: 500\n'), expect: [['schema.range', 5, 22]] },
  'enum.yaml': { text: ok('    on_failure: retry\n'), expect: [['schema.enum', 5, 17]] },
  'bad-input-name.yaml': {
    text: 'version: 1\nchain_id: c\ninputs:\n  good: { type: string }\n  "bad name": { type: string }\nsteps:\n  - action_id: a\n',
    expect: [['schema.pattern', 5, 3]],
  },
  'expr-key.yaml': {
    text: 'version: 1\nchain_id: c\ninputs:\n  s: {}\nsteps:\n  - action_id: a\n    payload:\n      ${{ inputs.s }}: v\n',
    expect: [['expr.syntax', 8, 7]],
  },
  'yaml-tag.yaml': {
    text: ok('    payload: { s: !!set {a, b}, t: !!str 123, x: "!text" }\n'),
    expect: [['yaml.tag', 5, 19]],
  },
  'dot-action.yaml': {
    text: 'version: 1\nchain_id: c\nsteps:\n  - action_id: ".."\n',
    expect: [['schema.pattern', 4, 16]],
  },
  'bad-default.yaml': {
    text: 'version: 1\nchain_id: c\ninputs:\n  n: { type: integer, default: "x" }\nsteps:\n  - action_id: a\n',
    expect: [['chain.bad_default', 4, 32]],
  },
  'retry-bounds.yaml': {
    text: ok('    retry: { initial_delay_ms: 5000, max_delay_ms: 100 }\n'),
    expect: [['chain.retry_bounds', 5, 52]],
  },
  'missing-version.yaml': { text: 'chain_id: c\nsteps:\n  - action_id: a\n', expect: [['schema.required', 1, 1]] },
  'missing-chain-id.yaml': { text: 'version: 1\nsteps:\n  - action_id: a\n', expect: [['schema.required', 1, 1]] },
  'missing-steps.yaml': { text: 'version: 1\nchain_id: c\n', expect: [['schema.required', 1, 1]] },
  'empty-steps.yaml': { text: 'version: 1\nchain_id: c\nsteps: []\n', expect: [['schema.min_items', 3, 8]] },
  'too-deep.yaml': {
    text: 'version: 1\nchain_id: c\nmax_depth: 2\nsteps:\n  - action_id: a\n  - action_id: b\n  - action_id: c\n',
    expect: [['chain.too_many_steps', 7, 5]],
  },
  'max-depth.yaml': {
    text: 'version: 1\nchain_id: c\nmax_depth: 26\nsteps:\n  - action_id: a\n',
    expect: [['schema.range', 3, 12]],
  },
  'dup-step.yaml': {
    text: 'version: 1\nchain_id: c\nsteps:\n  - action_id: a\n  - action_id: a\n',
    expect: [['chain.duplicate_step', 5, 16]],
  },
  'dup-id.yaml': {
    text: 'version: 1\nchain_id: c\nsteps:\n  - { id: x, action_id: a }\n  - { id: x, action_id: b }\n',
    expect: [['chain.duplicate_step', 5, 11]],
  },
  'forward.yaml': {
    text: 'version: 1\nchain_id: c\nsteps:\n  - action_id: a\n    payload:\n      v: "x ${{ steps.b.output.y }}"\n  - action_id: b\n',
    expect: [['chain.forward_ref', 6, 13]],
  },
  'self.yaml': {
    text: 'version: 1\nchain_id: c\nsteps:\n  - action_id: a\n    payload:\n      v: ${{ steps.a.status }}\n',
    expect: [['chain.self_ref', 6, 10]],
  },
  'unknown-input.yaml': {
    text: 'version: 1\nchain_id: c\ninputs:\n  region: {}\nsteps:\n  - action_id: a\n    payload:\n      v: ${{ inputs.regoin }}\n',
    expect: [['chain.unknown_input', 8, 10]],
  },
  'env-ref.yaml': {
    text: ok('    payload:\n      auth: "Bearer ${{ env.GITHUB_TOKEN }}"\n'),
    expect: [['chain.env_reference', 6, 21]],
  },
  'env-fallback.yaml': {
    text: ok(
      '    on_failure: fallback\n    fallback:\n      action_id: b\n      payload: { s: "${{ env.CXONE_CLIENT_SECRET }}" }\n',
    ),
    expect: [['chain.env_reference', 8, 22]],
  },
  'env-key.yaml': {
    text: ok('    payload:\n      ${{ env.HOME }}: x\n'),
    expect: [
      ['expr.syntax', 6, 7],
      ['chain.env_reference', 6, 7],
    ],
  },
  'bad-var-name.yaml': {
    text: ok('    payload: { region: "in ${{ vars.my-region }}", key: "${{ secrets[\'1KEY\'] }}" }\n'),
    expect: [
      ['chain.bad_variable_name', 5, 28],
      ['chain.bad_variable_name', 5, 58],
    ],
  },
  'no-fallback.yaml': { text: ok('    on_failure: fallback\n'), expect: [['chain.missing_fallback', 5, 17]] },
  'fallback-both.yaml': {
    text: ok('    on_failure: fallback\n    fallback:\n      action_id: b\n      output: { ok: false }\n'),
    expect: [['schema.fallback_shape', 8, 7]],
  },
  'fallback-neither.yaml': {
    text: ok('    on_failure: fallback\n    fallback:\n      payload: { a: 1 }\n'),
    expect: [['schema.fallback_shape', 7, 7]],
  },
  'fallback-output-payload.yaml': {
    text: ok('    on_failure: fallback\n    fallback:\n      output: { ok: false }\n      payload: { a: 1 }\n'),
    expect: [['schema.fallback_shape', 8, 7]],
  },
  'bad-expr.yaml': { text: ok('    payload:\n      v: ${{ steps.a.output + 1 }}\n'), expect: [['expr.syntax', 6, 10]] },
  'a-list.yaml': { text: '- version: 1\n', expect: [['yaml.not_mapping', 1, 1]] },
  'a-scalar.yaml': { text: 'hello\n', expect: [['yaml.not_mapping', 1, 1]] },
  'two-docs.yaml': { text: `${ok()}---\n${ok()}`, expect: [['yaml.multiple_documents', 5, 1]] },
  'alias-bomb.yaml': {
    text: `a: &a [x, x]\nb: &b [${Array(60).fill('*a').join(', ')}]\nc: [${Array(60).fill('*b').join(', ')}]\n`,
    expect: [['yaml.alias_limit', 3, 165]],
  },
  'too-large.yaml': { text: `# ${'x'.repeat(1024 * 1024)}\n${ok()}`, expect: [['file.too_large', 1, 1]] },
  'latin1.yaml': {
    text: Buffer.concat([Buffer.from('version: 1\nchain_id: caf'), Buffer.from([0xe9]), Buffer.from('\nsteps: []\n')]),
    expect: [['file.not_utf8', 2, 14]],
  },
};

describe('validate: every bad input of issue 3 at its exact position', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let byFile: Map<string, JsonDiagnostic[]>;
  let exitCode: number | null;

  before(async () => {
    ({ dir, cleanup } = await tempDir(Object.fromEntries(Object.entries(BAD).map(([f, c]) => [f, c.text]))));
    const result = await runCli(['validate', '--format', 'json', '.'], { cwd: dir });
    exitCode = result.code;
    const report = JSON.parse(result.stdout) as { valid: boolean; diagnostics: JsonDiagnostic[] };
    byFile = new Map();
    for (const d of report.diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  });
  after(() => cleanup());

  test('exit code is 2 and every file is reported', () => {
    assert.equal(exitCode, 2);
    assert.deepEqual([...byFile.keys()].sort(), Object.keys(BAD).sort());
  });

  for (const [file, { expect }] of Object.entries(BAD)) {
    test(file, () => {
      const got = (byFile.get(file) ?? []).map((d) => [d.code, d.line ?? 0, d.column ?? 0]);
      assert.deepEqual(got, expect, JSON.stringify(byFile.get(file), null, 2));
      for (const d of byFile.get(file) ?? [])
        assert.ok(d.message.length > 10 && !/\bat \w+ \(/.test(d.message), `a message for a person: ${d.message}`);
    });
  }
});

describe('validate: messages a newcomer can act on', () => {
  test('a file with five different mistakes reports all five, in text with file:line:col and a caret', async () => {
    const { dir, cleanup } = await tempDir({
      'five.yaml':
        'version: 1\nchain_id: five\nsteps:\n  - action_id: a\n    on_failure: abortt\n    timeout_seconds: 1\n    retyr: {}\n  - action_id: a\n    payload:\n      v: ${{ inputs.missing }}\n',
    });
    try {
      const r = await runCli(['validate', 'five.yaml'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, '', 'diagnostics are the product of validate: stdout (SPEC 4)');
      const heads = r.stdout.split('\n').filter((l) => /^five\.yaml:\d+:\d+/.test(l));
      assert.deepEqual(
        heads.map((l) => l.split('  ')[0]),
        ['five.yaml:5:17', 'five.yaml:6:22', 'five.yaml:7:5', 'five.yaml:8:16', 'five.yaml:10:10'],
      );
      assert.match(r.stdout, /did you mean `abort`\?/);
      assert.match(r.stdout, /unknown key `retyr` in `steps\[0\]`; did you mean `retry`\?/);
      assert.match(r.stdout, /\n {6}\| {17}\^\n/, 'caret under column 17');
      assert.match(r.stdout, /5 problems in 1 file/);
    } finally {
      await cleanup();
    }
  });

  test('`env.NAME` says the environment is out of reach and what to use; another unknown root lists the roots', async () => {
    const { dir, cleanup } = await tempDir({
      'c.yaml': ok('    payload:\n      t: ${{ env.GITHUB_TOKEN }}\n      u: ${{ envs.X }}\n'),
    });
    try {
      const r = await runCli(['validate', '--format', 'json', 'c.yaml'], { cwd: dir });
      assert.equal(r.code, 2);
      const [env, other] = (JSON.parse(r.stdout) as { diagnostics: JsonDiagnostic[] }).diagnostics;
      assert.equal(env?.code, 'chain.env_reference');
      assert.match(env?.message ?? '', /the runner's environment is not reachable from a chain/);
      assert.match(env?.message ?? '', /`vars\.GITHUB_TOKEN` and set CXCHAIN_VAR_GITHUB_TOKEN/);
      assert.match(env?.message ?? '', /`secrets\.GITHUB_TOKEN` and set CXCHAIN_SECRET_GITHUB_TOKEN/);
      assert.deepEqual([other?.code, other?.line, other?.column], ['expr.syntax', 7, 10]);
      assert.match(other?.message ?? '', /starts with one of inputs, steps, chain, run, vars, secrets$/);
    } finally {
      await cleanup();
    }
  });

  test('--format github prints ::error lines with file, line and col', async () => {
    const { dir, cleanup } = await tempDir({ 'c.yaml': ok('    on_failure: nope\n') });
    try {
      const r = await runCli(['validate', '--format', 'github', 'c.yaml'], { cwd: dir });
      assert.equal(r.code, 2);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 1);
      assert.match(
        lines[0] ?? '',
        /^::error file=c\.yaml,line=5,col=17,title=schema\.enum::`steps\[0\]\.on_failure` must be one of .*%0Afix: /,
      );
    } finally {
      await cleanup();
    }
  });

  test('the same chain_id in two files', async () => {
    const { dir, cleanup } = await tempDir({ 'a.yaml': ok(), 'b.yaml': ok() });
    try {
      const r = await runCli(['validate', '--format', 'json'], { cwd: dir, env: {} });
      assert.equal(r.code, 2, r.stderr);
    } finally {
      await cleanup();
    }
    const { dir: d2, cleanup: c2 } = await tempDir({
      'chains/a.yaml': ok(),
      'chains/sub/b.yaml': `# comment\n${ok()}`,
    });
    try {
      const r = await runCli(['validate', '--format', 'json'], { cwd: d2 });
      assert.equal(r.code, 2);
      const report = JSON.parse(r.stdout) as { diagnostics: JsonDiagnostic[] };
      assert.deepEqual(
        report.diagnostics.map((d) => [d.code, d.file, d.line, d.column]),
        [['chain.duplicate_chain_id', 'chains/sub/b.yaml', 3, 11]],
      );
      assert.match(report.diagnostics[0]?.message ?? '', /already used by chains\/a\.yaml:2/);
    } finally {
      await c2();
    }
  });

  test('a path that does not exist and a directory without chains are usage problems (exit 2)', async () => {
    const { dir, cleanup } = await tempDir({ 'empty/readme.txt': 'no chains here' });
    try {
      const missing = await runCli(['validate', 'nope/'], { cwd: dir });
      assert.equal(missing.code, 2);
      assert.match(missing.stdout, /`nope\/` no such file or directory/);
      const empty = await runCli(['validate', 'empty'], { cwd: dir });
      assert.equal(empty.code, 2);
      assert.match(empty.stdout, /no chain files \(\*\.yaml, \*\.yml\) in `empty`/);
    } finally {
      await cleanup();
    }
  });

  test('hidden folders and node_modules are skipped; symlinks out of the root are not followed', async () => {
    const { dir, cleanup } = await tempDir({
      'repo/chains/a.yaml': ok(),
      'repo/chains/.git/x.yaml': 'broken: [',
      'repo/chains/node_modules/y.yml': 'broken: [',
      'outside/evil.yaml': ok(),
    });
    try {
      await symlink(join(dir, 'outside', 'evil.yaml'), join(dir, 'repo', 'chains', 'evil.yaml'));
      const r = await runCli(['validate', '--format', 'json', 'chains'], { cwd: join(dir, 'repo') });
      const report = JSON.parse(r.stdout) as { files: { file: string }[]; diagnostics: JsonDiagnostic[] };
      assert.deepEqual(
        report.files.map((f) => f.file),
        ['chains/a.yaml'],
      );
      assert.deepEqual(
        report.diagnostics.map((d) => d.code),
        ['path.outside_root'],
      );
      assert.equal(r.code, 2);
      const allowed = await runCli(['validate', '--format', 'json', '--follow-symlinks', 'chains'], {
        cwd: join(dir, 'repo'),
      });
      const followed = JSON.parse(allowed.stdout) as { files: { file: string }[]; diagnostics: JsonDiagnostic[] };
      assert.deepEqual(
        followed.files.map((f) => f.file),
        ['chains/a.yaml', 'chains/evil.yaml'],
      );
      // Followed and read: the linked chain reuses chain_id `c`, which is now the only problem.
      assert.deepEqual(
        followed.diagnostics.map((d) => d.code),
        ['chain.duplicate_chain_id'],
      );
    } finally {
      await cleanup();
    }
  });

  test('a dangling link named like a chain file is reported, not skipped', async () => {
    const { dir, cleanup } = await tempDir({ 'chains/a.yaml': ok() });
    try {
      await symlink('gone.yaml', join(dir, 'chains', 'broken.yaml'));
      const r = await runCli(['validate', '--format', 'json', 'chains'], { cwd: dir });
      assert.equal(r.code, 2);
      const report = JSON.parse(r.stdout) as { diagnostics: JsonDiagnostic[] };
      assert.deepEqual(
        report.diagnostics.map((d) => [d.code, d.file]),
        [['file.read_error', 'chains/broken.yaml']],
      );
    } finally {
      await cleanup();
    }
  });

  test('a link back up the tree and a second link to one file are each walked once', async () => {
    const { dir, cleanup } = await tempDir({
      'chains/a.yaml': ok(),
      'chains/sub/b.yaml': ok().replace('chain_id: c', 'chain_id: b'),
    });
    try {
      await symlink('..', join(dir, 'chains', 'sub', 'up'));
      await symlink('a.yaml', join(dir, 'chains', 'alias.yaml'));
      const r = await runCli(['validate', '--format', 'json', 'chains'], { cwd: dir, timeoutMs: 10_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const report = JSON.parse(r.stdout) as { files: { file: string }[] };
      assert.deepEqual(report.files.map((f) => f.file).sort(), ['chains/a.yaml', 'chains/sub/b.yaml']);
    } finally {
      await cleanup();
    }
  });
});

describe('the examples and the other commands', () => {
  test('every example in chains/ is valid', async () => {
    const r = await runCli(['validate', 'chains/']);
    assert.equal(r.code, 0, r.stderr);
    // Children under chains/lib/ are examples too (call_only ones are validated and counted).
    const files = (await readdir(join(ROOT, 'chains'), { recursive: true })).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 3);
    assert.match(r.stdout, new RegExp(`${files.length} chains valid`));
  });

  test('list --json describes each chain', async () => {
    const r = await runCli(['list', '--json']);
    assert.equal(r.code, 0);
    const rows = JSON.parse(r.stdout) as { chain_id: string; steps: number; file: string }[];
    const seed = rows.find((row) => row.chain_id === 'cust-data-sync-001');
    assert.deepEqual(seed && { steps: seed.steps, file: seed.file }, {
      steps: 3,
      file: 'chains/cust-data-sync-001.yaml',
    });
  });

  test('schema prints the JSON Schema; --help and --version work', async () => {
    const schema = await runCli(['schema']);
    assert.equal(JSON.parse(schema.stdout).$schema, 'https://json-schema.org/draft/2020-12/schema');
    const help = await runCli(['validate', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--format <format>/);
    const bad = await runCli(['validate', '--format', 'xml']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Allowed choices are text, json, github/);
  });
});

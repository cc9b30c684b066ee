// The machine outputs of real runs, checked against the schemas that ship with them (SPEC 6):
// the JSON report, the events (JSON lines, audit) and `validate --format json`, with ajv in strict
// mode as a consumer would compile them.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { DIAGNOSTIC_CODES } from '../src/chain/diagnostics.js';
import { ROOT, runCli, tempDir } from './helpers.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

const schemaFile = async (name: string) =>
  JSON.parse(await readFile(join(ROOT, 'schemas', `${name}.schema.json`), 'utf8')) as Record<string, unknown>;

/** One validator per schema, the report's and the diagnostics' loaded beside the events' (which refer to their definitions). */
async function validators() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addFormat('date-time', ISO);
  ajv.addSchema(await schemaFile('report'));
  ajv.addSchema(await schemaFile('diagnostics'));
  return {
    report: ajv.getSchema('https://cxchain.dev/schemas/report.schema.json') as ReturnType<typeof ajv.compile>,
    event: ajv.compile(await schemaFile('event')),
    diagnostics: ajv.getSchema('https://cxchain.dev/schemas/diagnostics.schema.json') as ReturnType<typeof ajv.compile>,
  };
}

async function reportSchema() {
  return (await validators()).report;
}

describe('the JSON report (SPEC 6)', () => {
  test('a run of the examples (a child chain, a skip) gives a versioned report that the schema accepts', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const target = join(dir, 'report.json');
      const r = await runCli(['run', 'chains/', '--sim', '--report', `json=${target}`]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(await readFile(target, 'utf8')) as Record<string, unknown>;
      const validate = await reportSchema();
      assert.ok(validate(report), JSON.stringify(validate.errors, null, 2));
      const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      assert.equal(report.report_version, 1);
      assert.deepEqual(report.tool, { name: 'cxchain', version: pkg.version });
      assert.equal(report.exit_code, 0);
      assert.ok(String(report.started_at) <= String(report.finished_at));
      const results = report.results as { run_id: string; aggregated_responses: { child?: unknown }[] }[];
      assert.equal(results.length, 4);
      assert.ok(results.every((c) => c.run_id === report.run_id));
      assert.ok(
        results.some((c) => c.aggregated_responses.some((s) => s.child)),
        'a nested child result is covered',
      );
    } finally {
      await cleanup();
    }
  });

  test('a chain that ends early: exit_code 1 in the report, and the schema still accepts it', async () => {
    const { dir, cleanup } = await tempDir({
      'bad.yaml': 'version: 1\nchain_id: bad\nsteps:\n  - action_id: da-fail-404\n  - action_id: da-echo\n',
    });
    try {
      const target = join(dir, 'report.json');
      const r = await runCli(['run', join(dir, 'bad.yaml'), '--sim', '--report', `json=${target}`]);
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(await readFile(target, 'utf8')) as { exit_code: number };
      const validate = await reportSchema();
      assert.ok(validate(report), JSON.stringify(validate.errors, null, 2));
      assert.equal(report.exit_code, 1);
    } finally {
      await cleanup();
    }
  });

  test('a run that runs nothing still writes both reports: an empty shard, only call_only chains, invalid chains (exit 2)', async () => {
    const { dir, cleanup } = await tempDir({
      'ok.yaml': 'version: 1\nchain_id: ok\nsteps:\n  - action_id: da-echo\n',
      'lib.yaml': 'version: 1\nchain_id: lib\ncall_only: true\nsteps:\n  - action_id: da-echo\n',
      'bad.yaml': 'version: 1\nchain_id: bad\nsteps:\n  - action_id: da-echo\n    timeout_seconds: 1\n',
    });
    try {
      const validate = await reportSchema();
      const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      const runNothing = async (tag: string, args: string[], code: number) => {
        const out = join(dir, tag);
        const r = await runCli(
          ['run', ...args, '--sim', '--report', `json=${out}/r.json`, '--report', `junit=${out}/j.xml`],
          {
            cwd: dir,
          },
        );
        assert.equal(r.code, code, `${tag}: ${r.stderr}${r.stdout}`);
        assert.deepEqual(
          (await readdir(out)).sort(),
          ['j.xml', 'r.json'],
          `${tag}: both reports, no temporary file left`,
        );
        const report = JSON.parse(await readFile(join(out, 'r.json'), 'utf8')) as Record<string, unknown>;
        assert.ok(validate(report), `${tag}: ${JSON.stringify(validate.errors, null, 2)}`);
        assert.deepEqual(
          [report.results, report.exit_code, report.tool],
          [[], code, { name: 'cxchain', version: pkg.version }],
        );
        assert.ok(String(report.started_at) <= String(report.finished_at));
        assert.match(
          await readFile(join(out, 'j.xml'), 'utf8'),
          /<testsuites name="cxchain" tests="0" failures="0" errors="0" time="0.000">\n<\/testsuites>\n$/,
        );
        return r;
      };
      const shards = [];
      for (const i of [1, 2, 3]) {
        const r = await runCli(['run', 'ok.yaml', '--sim', '--shard', `${i}/3`, '--report', `json=s${i}.json`], {
          cwd: dir,
        });
        assert.equal(r.code, 0, r.stderr);
        const { results } = JSON.parse(await readFile(join(dir, `s${i}.json`), 'utf8')) as { results: unknown[] };
        shards.push(results.length);
      }
      assert.deepEqual([...shards].sort(), [0, 0, 1], 'one shard runs the chain, two are empty');
      const empty = shards.indexOf(0) + 1;
      const r = await runNothing('shard', ['ok.yaml', '--shard', `${empty}/3`], 0);
      assert.match(r.stdout, /holds none of the ok\.yaml chain files: nothing to run/);
      await runNothing('call-only', ['lib.yaml'], 0);
      const invalid = await runNothing('invalid', ['bad.yaml', 'ok.yaml'], 2);
      assert.match(invalid.stderr, /nothing was run: fix the problems above first/);
    } finally {
      await cleanup();
    }
  });

  test('the schema refuses what it should: an unknown key, a missing version', async () => {
    const validate = await reportSchema();
    const base = {
      report_version: 1,
      tool: { name: 'cxchain', version: '0' },
      run_id: 'r',
      started_at: '2026-12-01T00:00:00.000Z',
      results: [],
      finished_at: '2026-12-01T00:00:01.000Z',
      exit_code: 0,
    };
    assert.ok(validate(base));
    assert.equal(validate({ ...base, extra: 1 }), false);
    const { report_version: _dropped, ...unversioned } = base;
    assert.equal(validate(unversioned), false);
  });
});

describe('events and diagnostics against their schemas (SPEC 6)', () => {
  test('every JSON line and every audit line of a run with a child chain, a skip and a failure', async () => {
    const { dir, cleanup } = await tempDir({
      'bad.yaml': 'version: 1\nchain_id: bad\nsteps:\n  - action_id: da-fail-404\n    on_failure: continue\n',
    });
    try {
      const audit = join(dir, 'audit.jsonl');
      const r = await runCli([
        'run',
        'chains/',
        join(dir, 'bad.yaml'),
        '--sim',
        '--renderer',
        'json',
        '--audit',
        audit,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const { event } = await validators();
      const lines = [...r.stdout.trim().split('\n'), ...(await readFile(audit, 'utf8')).trim().split('\n')];
      const types = new Set<string>();
      for (const line of lines) {
        const e = JSON.parse(line) as { type: string };
        types.add(e.type);
        assert.ok(event(e), `${line}\n${JSON.stringify(event.errors, null, 2)}`);
      }
      for (const type of ['chain_start', 'step_start', 'request', 'attempt', 'step_end', 'chain_end', 'run_end'])
        assert.ok(types.has(type), `a ${type} event was checked`);
    } finally {
      await cleanup();
    }
  });

  test('--renderer json of invalid chains: each problem as a diagnostic line on stdout, then run_end with exit code 2', async () => {
    const { dir, cleanup } = await tempDir({
      'bad.yaml': 'version: 1\nchain_id: x\nsteps:\n  - action_id: da-echo\n    on_failur: abort\n',
      'warn.yaml':
        'version: 1\nchain_id: w\ninputs:\n  a: { type: string, required: true, default: x }\nsteps:\n  - action_id: da-echo\n',
    });
    try {
      const r = await runCli(['run', dir, '--sim', '--renderer', 'json']);
      assert.equal(r.code, 2, r.stderr);
      const { event } = await validators();
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const line of lines)
        assert.ok(event(line), `${JSON.stringify(line)}\n${JSON.stringify(event.errors, null, 2)}`);
      const problems = lines.filter((line) => line.type === 'diagnostic');
      assert.deepEqual(
        problems.map((p) => [p.severity, p.code, (p.file as string).endsWith('bad.yaml') ? 'bad' : 'warn', p.line]),
        [
          ['error', 'schema.unknown_key', 'bad', 5],
          ['warning', 'chain.required_with_default', 'warn', 4],
        ],
      );
      assert.match(String(problems[0]?.message), /on_failur/);
      const end = lines.at(-1);
      assert.equal(end?.type, 'run_end');
      assert.equal(end?.exit_code, 2);
      assert.equal(lines.length, problems.length + 1, 'nothing but the problems and run_end');
      // The person still reads them as text on stderr.
      assert.match(r.stderr, /bad\.yaml:5:5 +error/);
    } finally {
      await cleanup();
    }
  });

  test('validate --format json, valid and invalid; the schema lists exactly the codes the code has', async () => {
    const { dir, cleanup } = await tempDir({
      'bad.yaml': 'version: 1\nchain_id: x\nsteps:\n  - action_id: da-echo\n    timeout_seconds: 500\n',
      'warn.yaml':
        'version: 1\nchain_id: w\ninputs:\n  a: { type: string, required: true, default: x }\nsteps:\n  - action_id: da-echo\n',
    });
    try {
      const { diagnostics } = await validators();
      for (const args of [
        ['validate', 'chains/'],
        ['validate', dir],
      ]) {
        const r = await runCli([...args, '--format', 'json']);
        const doc = JSON.parse(r.stdout) as { valid: boolean; warnings: unknown[] };
        assert.ok(diagnostics(doc), JSON.stringify(diagnostics.errors, null, 2));
        if (args[1] === dir) assert.equal(doc.valid, false);
      }
      const schema = await schemaFile('diagnostics');
      const codes = (schema.$defs as { diagnostic: { properties: { code: { enum: string[] } } } }).diagnostic.properties
        .code.enum;
      assert.deepEqual([...codes].sort(), [...DIAGNOSTIC_CODES].sort());
    } finally {
      await cleanup();
    }
  });
});

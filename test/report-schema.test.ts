// The JSON report of a real run, checked against schemas/report.schema.json (SPEC 6), with ajv in
// strict mode as a consumer would compile it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ROOT, runCli, tempDir } from './helpers.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

async function reportSchema() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addFormat('date-time', ISO);
  return ajv.compile(JSON.parse(await readFile(join(ROOT, 'schemas', 'report.schema.json'), 'utf8')) as object);
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

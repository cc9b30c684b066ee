import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ChainResult } from '../src/engine/index.js';
import { formatJunit } from '../src/report/junit.js';
import { createRedactor } from '../src/report/redact.js';
import { createReportSinks, type ReportTargets } from '../src/report/report-writer.js';
import { tempDir } from './helpers.js';

function result(id: string, status: 'success' | 'failed', message = 'boom'): ChainResult {
  const failed = status === 'failed';
  return {
    chain_id: id,
    run_id: `run-${id}`,
    file: `chains/${id}.yaml`,
    revision: 1,
    final_status: failed ? 'terminated_early' : 'completed',
    termination_reason: failed ? 'abort' : null,
    steps_executed: 1,
    total_latency_ms: 12.5,
    completion_rate_percent: failed ? 0 : 100,
    counts: { success: failed ? 0 : 1, failed: failed ? 1 : 0, fallback: 0, skipped: 0, cancelled: 0 },
    outputs: null,
    aggregated_responses: [
      {
        step_index: 0,
        step_id: 'a',
        action_id: 'da-a',
        status,
        http_status: failed ? 500 : 200,
        attempts: 1,
        latency_ms: 12.5,
        started_at: '2026-11-24T00:00:00.000Z',
        response_data: failed ? null : { ok: true },
        error: failed
          ? {
              kind: 'http',
              message,
              http_status: 500,
              server_message: message,
              code: null,
              context_id: null,
              hint: null,
            }
          : null,
      },
    ],
    audit_log: [],
  };
}

const RUN = { tool: { name: 'cxchain', version: 'test' }, run_id: 'run-1', started_at: '2026-12-01T00:00:00.000Z' };
const END = { finished_at: '2026-12-01T00:00:01.000Z', exit_code: 0 };
/** The whole JSON report for these results, written at once (SPEC 6's envelope around them). */
const jsonReport = (results: unknown[]) =>
  `${JSON.stringify({ report_version: 1, ...RUN, results, ...END }, null, 2)}\n`;

/** The report sinks as the run session drives them: results already redacted, then one commit. */
function createReportWriter(targets: ReportTargets, redactor = createRedactor()) {
  const sinks = createReportSinks(targets, RUN);
  return {
    add: (result: ChainResult, index: number) => {
      for (const sink of sinks) sink.result?.(redactor.value(result), index);
    },
    close: () => {
      for (const sink of sinks) sink.commit?.(END);
    },
  };
}

describe('reports written as chains finish (issue 7)', () => {
  test('input order whatever the completion order; the same files as writing everything at the end', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const all = [
        result('c0', 'success'),
        result('c1', 'failed', 'key s3cr3t-val leaked?'),
        result('c2', 'success'),
        result('c3', 'failed'),
      ];
      const redactor = createRedactor(['s3cr3t-val']);
      const writer = createReportWriter({ json: join(dir, 'r.json'), junit: join(dir, 'r.xml') }, redactor);
      for (const index of [2, 0, 3, 1]) writer.add(all[index] as ChainResult, index);
      writer.close();
      const safe = redactor.value(all);
      assert.equal(readFileSync(join(dir, 'r.json'), 'utf8'), jsonReport(safe));
      assert.equal(readFileSync(join(dir, 'r.xml'), 'utf8'), formatJunit(safe));
      assert.match(
        readFileSync(join(dir, 'r.xml'), 'utf8'),
        /<testsuites name="cxchain" tests="4" failures="2" errors="0" time="/,
      );
      assert.deepEqual(readdirSync(dir).sort(), ['r.json', 'r.xml'], 'the side file of the JUnit suites is gone');
    } finally {
      await cleanup();
    }
  });

  test('no chain at all, and a run cut short with results missing in the middle', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const empty = createReportWriter({ json: join(dir, 'e.json'), junit: join(dir, 'e.xml') }, createRedactor());
      empty.close();
      assert.equal(readFileSync(join(dir, 'e.json'), 'utf8'), jsonReport([]));
      assert.equal(readFileSync(join(dir, 'e.xml'), 'utf8'), formatJunit([]));
      const cut = createReportWriter({ json: join(dir, 'c.json') }, createRedactor());
      cut.add(result('c2', 'success'), 2);
      cut.add(result('c0', 'success'), 0);
      cut.close();
      const ids = (JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')) as { results: ChainResult[] }).results.map(
        (r) => r.chain_id,
      );
      assert.deepEqual(ids, ['c0', 'c2']);
      assert.equal(existsSync(join(dir, 'c.xml')), false);
    } finally {
      await cleanup();
    }
  });
});

describe('temporary files of killed runs (QA)', () => {
  test('are removed when a later run writes the same report; those of live processes are kept', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const dead = spawnSync(process.execPath, ['-e', '0']).pid;
      const alive = process.ppid;
      for (const name of [`.r.json.${dead}.tmp`, `.r.xml.${dead}.part`, `.r.json.${alive}.tmp`])
        writeFileSync(join(dir, name), 'left behind');
      const writer = createReportWriter({ json: join(dir, 'r.json'), junit: join(dir, 'r.xml') });
      writer.add(result('c0', 'success'), 0);
      writer.close();
      assert.deepEqual(readdirSync(dir).sort(), [`.r.json.${alive}.tmp`, 'r.json', 'r.xml']);
    } finally {
      await cleanup();
    }
  });
});

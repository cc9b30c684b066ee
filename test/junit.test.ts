import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ChainResult, StepResult } from '../src/engine/index.js';
import { formatJunit } from '../src/report/junit.js';

function step(index: number, status: StepResult['status'], extra: Partial<StepResult> = {}): StepResult {
  return {
    step_index: index,
    step_id: `s${index}`,
    action_id: `da-${index}`,
    status,
    http_status: null,
    attempts: status === 'skipped' ? 0 : 1,
    latency_ms: 12.5,
    started_at: status === 'skipped' ? null : '2026-01-01T00:00:00.000Z',
    response_data: null,
    error: null,
    ...extra,
  };
}

function chain(id: string, steps: StepResult[], extra: Partial<ChainResult> = {}): ChainResult {
  const counts = { success: 0, failed: 0, fallback: 0, skipped: 0, cancelled: 0 };
  for (const s of steps) counts[s.status] += 1;
  return {
    chain_id: id,
    run_id: 'run-1',
    file: `chains/${id}.yaml`,
    revision: 2,
    steps_executed: steps.filter((s) => s.started_at).length,
    total_latency_ms: 40,
    completion_rate_percent: 50,
    final_status: 'terminated_early',
    termination_reason: 'abort',
    counts,
    outputs: null,
    aggregated_responses: steps,
    audit_log: [],
    ...extra,
  };
}

// htmlEntities: decode numeric references (&#10;) as any conforming XML parser does.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  htmlEntities: true,
  isArray: (name) => ['testsuite', 'testcase'].includes(name),
});

describe('JUnit report', () => {
  test('a testsuite per chain, a testcase per step; failures carry kind, status, message and hint; skipped steps are skipped', () => {
    const hostile = 'bad <tag> & "quote" \u0007bell \ud800 lone\nsecond line';
    const results = [
      chain('mixed', [
        step(0, 'success', { attempts: 3, http_status: 200 }),
        step(1, 'failed', {
          http_status: 404,
          error: {
            kind: 'http',
            message: hostile,
            http_status: 404,
            server_message: null,
            code: null,
            context_id: 'ctx-1',
            hint: 'use the exact system-generated action id',
          },
        }),
        step(2, 'skipped'),
      ]),
      chain(
        'stopped',
        [
          step(0, 'cancelled', {
            error: {
              kind: 'cancelled',
              message: 'cancelled by SIGINT',
              http_status: null,
              server_message: null,
              code: null,
              context_id: null,
              hint: null,
            },
          }),
          step(1, 'cancelled', { started_at: null, attempts: 0 }),
        ],
        { termination_reason: 'cancelled' },
      ),
    ];
    const xml = formatJunit(results);
    assert.equal(XMLValidator.validate(xml), true, xml);
    const doc = parser.parse(xml) as {
      testsuites: Record<string, string> & {
        testsuite: {
          name: string;
          tests: string;
          failures: string;
          skipped: string;
          timestamp: string;
          testcase: {
            name: string;
            failure?: { type: string; message: string; '#text': string };
            skipped?: { message: string };
            'system-out'?: string;
          }[];
        }[];
      };
    };
    const { testsuites } = doc;
    assert.deepEqual(
      [testsuites.tests, testsuites.failures, testsuites.errors, testsuites.skipped],
      ['5', '2', '0', '2'],
    );
    assert.deepEqual(
      testsuites.testsuite.map((s) => [s.name, s.tests, s.failures, s.skipped]),
      [
        ['mixed', '3', '1', '1'],
        ['stopped', '2', '1', '1'],
      ],
    );
    assert.equal(testsuites.testsuite[0]?.timestamp, '2026-01-01T00:00:00.000Z');
    const [passed, failed, skipped] = testsuites.testsuite[0]?.testcase ?? [];
    assert.equal(passed?.['system-out'], 'passed after 3 attempts');
    assert.equal(failed?.name, '2. s1 (da-1)');
    assert.equal(failed?.failure?.type, 'http');
    assert.equal(
      failed?.failure?.message,
      'bad <tag> & "quote" \uFFFDbell \uFFFD lone\nsecond line',
      'characters XML cannot hold are replaced, not dropped; a line break survives the attribute',
    );
    assert.equal(
      failed?.failure?.['#text'],
      'kind: http\nstatus: failed\nhttp_status: 404\nmessage: bad <tag> & "quote" \uFFFDbell \uFFFD lone\nsecond line\nhint: use the exact system-generated action id\ncontext_id: ctx-1\nattempts: 1',
    );
    assert.equal(skipped?.skipped?.message, 'skipped: abort');
    const [inFlight, neverStarted] = testsuites.testsuite[1]?.testcase ?? [];
    assert.equal(inFlight?.failure?.type, 'cancelled');
    assert.equal(neverStarted?.skipped?.message, 'skipped: cancelled');
  });

  test('no chains: an empty but valid report', () => {
    const xml = formatJunit([]);
    assert.equal(XMLValidator.validate(xml), true);
    assert.match(xml, /<testsuites name="cxchain" tests="0" failures="0" errors="0" skipped="0" time="0.000">/);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ChainResult, StepErrorData, StepResult } from '../src/engine/index.js';
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
  test('a testsuite per chain, a testcase per step; failures carry kind, status, message and hint; skipped steps are skipped; a step cancelled in flight is an error', () => {
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
    const xml = formatJunit(results, (file, index) =>
      file === 'chains/mixed.yaml' ? { line: 10 + index, column: 5 } : undefined,
    );
    assert.equal(XMLValidator.validate(xml), true, xml);
    const doc = parser.parse(xml) as {
      testsuites: Record<string, string> & {
        testsuite: {
          name: string;
          tests: string;
          failures: string;
          errors: string;
          skipped: string;
          timestamp: string;
          testcase: {
            name: string;
            file: string;
            line?: string;
            failure?: { type: string; message: string; '#text': string };
            error?: { type: string; message: string; '#text': string };
            skipped?: { message: string };
            'system-out'?: string;
          }[];
        }[];
      };
    };
    const { testsuites } = doc;
    // Jenkins' junit-10.xsd has no `skipped` on the root: it is counted per suite only.
    assert.deepEqual(
      [testsuites.tests, testsuites.failures, testsuites.errors, testsuites.skipped],
      ['5', '1', '1', undefined],
    );
    assert.deepEqual(
      testsuites.testsuite.map((s) => [s.name, s.tests, s.failures, s.errors, s.skipped]),
      [
        ['mixed', '3', '1', '0', '1'],
        ['stopped', '2', '0', '1', '1'],
      ],
    );
    assert.equal(testsuites.testsuite[0]?.timestamp, '2026-01-01T00:00:00.000Z');
    const [passed, failed, skipped] = testsuites.testsuite[0]?.testcase ?? [];
    assert.equal(passed?.['system-out'], 'passed after 3 attempts');
    assert.deepEqual(
      [passed, failed, skipped].map((c) => [c?.name, c?.file, c?.line]),
      [
        ['s0', 'chains/mixed.yaml', '10'],
        ['s1', 'chains/mixed.yaml', '11'],
        ['s2', 'chains/mixed.yaml', '12'],
      ],
      'named by step id, placed at the line the locator gives',
    );
    assert.equal(failed?.failure?.type, 'http');
    assert.equal(
      failed?.failure?.message,
      'bad <tag> & "quote" \uFFFDbell \uFFFD lone\nsecond line',
      'characters XML cannot hold are replaced, not dropped; a line break survives the attribute',
    );
    assert.equal(
      failed?.failure?.['#text'],
      'action: da-1\nkind: http\nstatus: failed\nhttp_status: 404\nmessage: bad <tag> & "quote" \uFFFDbell \uFFFD lone\nsecond line\nhint: use the exact system-generated action id\ncontext_id: ctx-1\nattempts: 1',
    );
    assert.equal(skipped?.skipped?.message, 'skipped (abort): an earlier step failed');
    const [inFlight, neverStarted] = testsuites.testsuite[1]?.testcase ?? [];
    assert.equal(inFlight?.failure, undefined);
    assert.equal(inFlight?.error?.type, 'cancelled', 'interrupted in flight: no verdict on the step, an error');
    assert.equal(inFlight?.line, undefined, 'no line where the locator knows none');
    assert.equal(neverStarted?.skipped?.message, 'skipped (cancelled): the run was cancelled');
  });

  test('no chains: an empty but valid report', () => {
    const xml = formatJunit([]);
    assert.equal(XMLValidator.validate(xml), true);
    assert.match(xml, /<testsuites name="cxchain" tests="0" failures="0" errors="0" time="0.000">/);
  });

  test("infrastructure errors are <error>, the step's own failures <failure> (README: JUnit)", () => {
    const expected: Record<StepErrorData['kind'], 'error' | 'failure'> = {
      http: 'failure',
      expectation: 'failure',
      unresolved_reference: 'failure',
      invalid_expression: 'failure',
      child_failed: 'failure',
      network: 'error',
      auth: 'error',
      invalid_response: 'error',
      rate_limited: 'error',
      timeout: 'error',
      global_timeout: 'error',
      cancelled: 'error',
    };
    const kinds = Object.keys(expected) as StepErrorData['kind'][];
    const steps = kinds.map((kind, i) =>
      step(i, 'failed', {
        step_id: kind,
        error: {
          kind,
          message: `${kind} happened`,
          http_status: null,
          server_message: null,
          code: null,
          context_id: null,
          hint: null,
        },
      }),
    );
    const doc = parser.parse(formatJunit([chain('kinds', steps)])) as {
      testsuites: Record<string, string> & {
        testsuite: (Record<string, string> & { testcase: Record<string, { type: string } | string>[] })[];
      };
    };
    const suite = doc.testsuites.testsuite[0];
    const got = Object.fromEntries(
      (suite?.testcase ?? []).map((c) => [c.name, 'error' in c ? 'error' : 'failure' in c ? 'failure' : 'neither']),
    );
    assert.deepEqual(got, expected);
    assert.deepEqual([suite?.failures, suite?.errors], ['5', '7']);
    assert.deepEqual([doc.testsuites.failures, doc.testsuites.errors], ['5', '7']);
  });

  test('property names are unique in the whole document, even for a chain id given twice', () => {
    const xml = formatJunit([chain('a', [step(0, 'success')]), chain('b', [step(0, 'success')]), chain('a', [])]);
    const names = [...xml.matchAll(/<property name="([^"]*)"/g)].map((m) => m[1]);
    assert.equal(names.length, 12);
    assert.equal(new Set(names).size, names.length, names.join(', '));
    assert.deepEqual(names.slice(0, 4), ['a.run_id', 'a.revision', 'a.final_status', 'a.termination_reason']);
    assert.equal(names[8], 'a#2.run_id');
  });

  test("a child's steps: named by the chain step above them, in the child's file at the child's line", () => {
    const child = chain('crm-sync', [step(0, 'success', { step_id: 'update' })], {
      file: 'chains/lib/crm.yaml',
      final_status: 'completed',
      termination_reason: null,
    });
    const parent = chain('onboard', [
      step(0, 'success', { step_id: 'crm', action_id: null, uses: './lib/crm.yaml', child }),
    ]);
    const lines: Record<string, number> = { 'chains/onboard.yaml': 7, 'chains/lib/crm.yaml': 4 };
    const doc = parser.parse(formatJunit([parent], (file) => ({ line: lines[file] ?? 0, column: 5 }))) as {
      testsuites: { testsuite: { testcase: Record<string, string>[] }[] };
    };
    assert.deepEqual(
      doc.testsuites.testsuite[0]?.testcase.map((c) => [c.classname, c.name, c.file, c.line]),
      [
        ['onboard', 'crm', 'chains/onboard.yaml', '7'],
        ['onboard', 'crm › update', 'chains/lib/crm.yaml', '4'],
      ],
    );
  });
});
